"""How many FirecREST v2 calls each file operation makes, counted by the double (issue 15)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"
OCTET = {"Content-Type": "application/octet-stream"}
FS = "/filesystem/localcluster"


async def calls_of(fake: FakeFirecrest, operation: Awaitable[Any]) -> tuple[Any, Counter[str]]:
    """What `operation` answered, and the FirecREST paths it asked (token and systems aside)."""
    await_first = len(fake.requests)
    result = await operation
    paths = [path for _, path, _ in fake.requests[await_first:]]
    return result, Counter(p for p in paths if p not in ("/auth/token", "/status/systems"))


async def warm(api: API) -> None:
    """Token and systems fetched once, so they do not count against the first operation."""
    await api(*FILES, params={"path": HOME})


async def test_stat_of_a_file_is_one_call_and_answers_as_its_listing_row(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a file among many in a directory
    for n in range(50):
        (fake.local(HOME) / f"other{n}.txt").write_text("x")
    (fake.local(HOME) / "a.txt").write_text("abc")
    listing = await api(*FILES, params={"path": HOME})

    # When it is stat'ed
    entry, calls = await calls_of(fake, api(*FILES, "stat", params={"path": f"{HOME}/a.txt"}))

    # Then one `ls` of the file itself answered, with what the directory's listing says of it
    assert calls == Counter({f"{FS}/ops/ls": 1})
    assert fake.uris[-1].startswith(f"GET {FS}/ops/ls?path=%2Fhome%2Fhpcuser%2Fa.txt")
    assert entry == next(e for e in listing["entries"] if e["name"] == "a.txt")


async def test_stat_of_a_directory_and_a_missing_file_answer_as_before(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a directory
    (fake.local(HOME) / "sub").mkdir()
    await warm(api)
    listing = await api(*FILES, params={"path": HOME})

    # When it and a missing file are stat'ed
    entry = await api(*FILES, "stat", params={"path": f"{HOME}/sub"})
    missing = await expect_error(api(*FILES, "stat", params={"path": f"{HOME}/nope"}), 404)

    # Then the directory's row is its listing row, and the missing file is a 404 in our words
    assert entry == next(e for e in listing["entries"] if e["name"] == "sub")
    assert missing["message"] == f"No such file or directory: '{HOME}/nope'."


async def test_direct_upload_checks_with_stat_and_never_lists(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a directory with many files
    for n in range(50):
        (fake.local(HOME) / f"other{n}.txt").write_text("x")
    await warm(api)

    # When a small new file is uploaded
    put = api(
        *FILES, "content", method="PUT", body=b"abc" * 100,
        params={"path": f"{HOME}/new.txt"}, headers=dict(OCTET),
    )  # fmt: skip
    entry, calls = await calls_of(fake, put)

    # Then: stat of the target and of its directory, the upload, its checksum, its own row
    assert calls == Counter(
        {
            f"{FS}/ops/stat": 2,
            f"{FS}/ops/upload": 1,
            f"{FS}/ops/checksum": 1,
            f"{FS}/ops/ls": 1,
        }
    )
    assert entry["size"] == 300
    assert fake.local(f"{HOME}/new.txt").read_bytes() == b"abc" * 100


async def test_upload_checks_keep_their_errors(api: API, fake: FakeFirecrest) -> None:
    # Given a directory
    (fake.local(HOME) / "sub").mkdir()
    await warm(api)

    # When uploads go to a missing directory and over a directory
    args: dict[str, Any] = {"method": "PUT", "body": b"x", "headers": dict(OCTET)}
    nowhere = await expect_error(
        api(*FILES, "content", params={"path": f"{HOME}/nope/f.txt"}, **args), 404
    )
    onto_dir = await expect_error(
        api(*FILES, "content", params={"path": f"{HOME}/sub"}, **args), 400
    )

    # Then each says what is wrong, as before
    assert "does not exist; create it first" in nowhere["message"]
    assert "is a directory" in onto_dir["message"]


async def test_small_download_is_a_stat_and_the_download(
    jp_fetch: Fetch, api: API, fake: FakeFirecrest
) -> None:
    # Given a small file
    data = os.urandom(64 * 1024)
    (fake.local(HOME) / "small.bin").write_bytes(data)
    await warm(api)

    # When it is read whole
    read = jp_fetch("hpc", "api", *FILES, "content", params={"path": f"{HOME}/small.bin"})
    response, calls = await calls_of(fake, read)

    # Then one stat, one download: what pyfirecrest's own download asks
    assert calls == Counter({f"{FS}/ops/stat": 1, f"{FS}/ops/download": 1})
    assert response.body == data


async def test_staged_upload_of_a_new_file_needs_no_rename_job(
    api: API, fake: FakeFirecrest, hpc_app: Any
) -> None:
    # Given a server accepting 6 MiB (above the double's 5 MiB direct limit)
    hpc_app.max_upload_size = 64 * 1024 * 1024
    data = os.urandom(6 * 1024 * 1024)
    await warm(api)

    # When a new file that size is uploaded
    put = api(
        *FILES, "content", method="PUT", body=data,
        params={"path": f"{HOME}/big.bin"}, headers=dict(OCTET),
    )  # fmt: skip
    entry, calls = await calls_of(fake, put)

    # Then one transfer job brought it to its name; no `mv` job, no listing of the directory
    assert calls[f"{FS}/transfer/upload"] == 1
    assert calls[f"{FS}/transfer/mv"] == 0
    assert calls[f"{FS}/ops/stat"] == 2
    assert calls[f"{FS}/ops/checksum"] == 1
    assert calls[f"{FS}/ops/ls"] == 1
    assert entry["size"] == len(data)
    assert fake.local(f"{HOME}/big.bin").read_bytes() == data


async def test_staged_upload_of_a_new_file_that_fails_its_check_is_removed(
    api: API, fake: FakeFirecrest, hpc_app: Any
) -> None:
    # Given FirecREST failing the checksum after a staged upload of a new file
    hpc_app.max_upload_size = 64 * 1024 * 1024
    fake.fail("GET", f"{FS}/ops/checksum", 500, {"message": "boom"})

    # When the file is uploaded
    failed = await expect_error(
        api(
            *FILES, "content", method="PUT", body=os.urandom(6 * 1024 * 1024),
            params={"path": f"{HOME}/gone.bin"}, headers=dict(OCTET),
        ),
        502,
    )  # fmt: skip

    # Then the error says so and nothing is left under its name
    assert failed["reason"] == "facility_error"
    assert not fake.local(f"{HOME}/gone.bin").exists()


async def test_staged_upload_over_a_file_still_goes_through_a_rename(
    api: API, fake: FakeFirecrest, hpc_app: Any
) -> None:
    # Given an existing file
    hpc_app.max_upload_size = 64 * 1024 * 1024
    (fake.local(HOME) / "keep.bin").write_bytes(b"old")
    data = os.urandom(6 * 1024 * 1024)
    await warm(api)

    # When a large file replaces it
    put = api(
        *FILES, "content", method="PUT", body=data,
        params={"path": f"{HOME}/keep.bin"}, headers=dict(OCTET),
    )  # fmt: skip
    entry, calls = await calls_of(fake, put)

    # Then it landed beside it and was renamed once complete, as before
    assert calls[f"{FS}/transfer/mv"] == 1
    assert entry["size"] == len(data)
    assert fake.local(f"{HOME}/keep.bin").read_bytes() == data
    assert [p.name for p in fake.local(HOME).iterdir() if "hpc-upload" in p.name] == []
