"""Pages of a directory listing (`offset`, `limit`, `total`) and the listing's JSON bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from hpc_jupyter.backends.local import upload_temps
from hpc_jupyter.models import FileEntry, FileType
from hpc_jupyter.routes.listing_json import PIECE, entry_json, listing_bytes, tornado_etag
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "local", "files")


@pytest.fixture
def many(jp_root_dir: Path) -> Path:
    """A directory of 25 files, a subdirectory, a link and an upload's temporary file."""
    base = jp_root_dir / "many"
    base.mkdir()
    for number in range(25):
        (base / f"f{number:02d}.txt").write_text("x" * number)
    (base / "sub").mkdir()
    (base / "link").symlink_to("f01.txt")
    (base / upload_temps.temp_name("f03.txt")).write_text("in flight")
    return base


async def test_pages_are_slices_of_the_whole_listing_with_a_total(api: API, many: Path) -> None:
    # Given the whole listing, as an old client asks for it
    whole = await api(*FILES, params={"path": "many"})
    assert "total" not in whole  # an old client's answer is the answer of old
    names = [entry["name"] for entry in whole["entries"]]
    assert len(names) == 27 and names == sorted(names)

    # When the same directory is asked for page by page
    pages = []
    for offset in range(0, 30, 10):
        page = await api(*FILES, params={"path": "many", "offset": offset, "limit": 10})
        assert page["path"] == "many" and page["total"] == 27
        pages.extend(page["entries"])

    # Then the pages put together are the whole listing, entry for entry
    assert pages == whole["entries"]


async def test_offset_alone_gives_the_rest_and_limit_zero_only_counts(api: API, many: Path) -> None:
    whole = await api(*FILES, params={"path": "many"})
    rest = await api(*FILES, params={"path": "many", "offset": "20"})
    assert rest["entries"] == whole["entries"][20:] and rest["total"] == 27
    count = await api(*FILES, params={"path": "many", "limit": "0"})
    assert count == {"path": "many", "entries": [], "total": 27}
    past = await api(*FILES, params={"path": "many", "offset": "1000", "limit": "5"})
    assert past["entries"] == [] and past["total"] == 27


@pytest.mark.parametrize("bad", ["-1", "ten", "1.5", "²", "99999999999999999999"])
async def test_a_bad_offset_or_limit_is_400(api: API, many: Path, bad: str) -> None:
    for name in ("offset", "limit"):
        body = await expect_error(api(*FILES, params={"path": "many", name: bad}), 400)
        assert name in body["message"]


async def test_a_page_of_a_file_is_400_like_the_listing(api: API, many: Path) -> None:
    body = await expect_error(api(*FILES, params={"path": "many/f01.txt", "limit": "5"}), 400)
    assert "not a directory" in body["message"]


def _entry(number: int) -> FileEntry:
    link = number % 7 == 0
    return FileEntry(
        name=f'nom-{number}-é"\\\n',
        path=f"dir/nom-{number}",
        type=FileType.LINK if link else FileType.FILE,
        size=number,
        permissions="-rw-r--r--",
        user="ü",
        group="g",
        modified=1_700_000_000.25 + number,
        link_target="target" if link else None,
    )


def test_entry_json_is_to_dict() -> None:
    for number in range(8):
        assert entry_json(_entry(number)) == _entry(number).to_dict()
        assert list(entry_json(_entry(number))) == list(_entry(number).to_dict())


@pytest.mark.parametrize("count", [0, 1, PIECE, PIECE + 1, 2 * PIECE + 3])
def test_listing_bytes_are_those_of_json_dumps(count: int) -> None:
    entries = [_entry(number) for number in range(count)]
    whole = {"path": "dir/ü", "entries": [entry.to_dict() for entry in entries]}
    assert listing_bytes("dir/ü", entries) == json.dumps(whole).encode()
    paged = listing_bytes("dir/ü", entries, total=count + 5)
    assert json.loads(paged) == {**whole, "total": count + 5}


async def test_a_big_listing_keeps_tornados_etag_and_its_304(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # Given a directory of more entries than one piece: its listing is made in a thread
    base = jp_root_dir / "big"
    base.mkdir()
    for number in range(PIECE + 5):
        (base / f"n{number:05d}").touch()

    # When it is listed, then listed again with the Etag it came with
    first = await jp_fetch("hpc", "api", *FILES, params={"path": "big"})
    etag = first.headers["Etag"]
    with pytest.raises(HTTPClientError) as again:
        await jp_fetch(
            "hpc", "api", *FILES, params={"path": "big"}, headers={"If-None-Match": etag}
        )

    # Then the Etag is tornado's hash of the body, and the unchanged listing is a 304
    assert etag == tornado_etag(first.body) == f'"{hashlib.sha1(first.body).hexdigest()}"'
    assert len(json.loads(first.body)["entries"]) == PIECE + 5
    # and it is sent with the headers tornado's finish() gives a whole body (not chunked)
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Content-Length"] == str(len(first.body))
    assert "Transfer-Encoding" not in first.headers
    assert again.value.code == 304
    assert again.value.response is not None and not again.value.response.body
