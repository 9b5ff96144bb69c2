"""Files of a `firecrest` facility through the real server, against the FirecREST double."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

from tests.firecrest.double_fixtures import ON_BOTH
from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"


async def op(api: API, name: str, **body: Any) -> Any:
    return await api(*FILES, name, method="POST", body=body)


async def test_listing_opens_at_the_default_work_directory(api: API, fake: FakeFirecrest) -> None:
    # Given a home directory with a file, a hidden file and a link
    (fake.local(HOME) / "data.txt").write_text("12345")
    (fake.local(HOME) / ".hidden").write_text("")
    (fake.local(HOME) / "link").symlink_to("data.txt")

    # When the client lists without a path, then the home directory
    top = await api(*FILES)
    listing = await api(*FILES, params={"path": HOME})

    # Then the view opens at fileSystems[].defaultWorkDir, and entries carry types and sizes
    assert top["path"] == "/home"
    assert [e["name"] for e in top["entries"]] == ["hpcuser"]
    entries = {e["name"]: e for e in listing["entries"]}
    assert sorted(entries) == [".hidden", "data.txt", "link"]
    assert entries["data.txt"]["size"] == 5
    assert entries["data.txt"]["type"] == "file"
    assert entries["data.txt"]["permissions"].startswith("-rw")
    assert entries["data.txt"]["path"] == f"{HOME}/data.txt"
    assert entries["link"]["type"] == "link"
    assert entries["link"]["link_target"] == "data.txt"


async def test_stat_and_errors_map_to_clear_statuses(api: API, fake: FakeFirecrest) -> None:
    # Given a file
    (fake.local(HOME) / "a.txt").write_text("abc")

    # When it is stat'ed, and missing, relative and outside paths are asked for
    entry = await api(*FILES, "stat", params={"path": f"{HOME}/a.txt"})
    missing = await expect_error(api(*FILES, params={"path": f"{HOME}/nope"}), 404)
    relative = await expect_error(api(*FILES, params={"path": "home"}), 400)
    outside = await expect_error(api(*FILES, params={"path": "/etc"}), 400)

    # Then the entry is described, and each failure is a 4xx with FirecREST's reason
    assert entry["name"] == "a.txt"
    assert entry["size"] == 3
    assert missing["reason"] == "not_found"
    assert "No such file or directory" in missing["message"]
    assert "absolute" in relative["message"]
    assert "does not match any of the defined filesystem paths" in outside["message"]


DIRECT = ("/filesystem/localcluster/ops/upload", "/filesystem/localcluster/ops/download")
DIRECT_V1 = ("/utilities/upload", "/utilities/download", "/utilities/checksum")


@ON_BOTH
async def test_small_upload_and_ranged_download_are_direct(
    api: API, jp_fetch: Fetch, double: FakeFirecrest
) -> None:
    # Given a small file's bytes
    data = bytes(range(256)) * 8

    # When it is uploaded, then read whole and as a range
    entry = await api(
        *FILES,
        "content",
        method="PUT",
        body=data,
        params={"path": f"{HOME}/small.bin"},
        headers={"Content-Type": "application/octet-stream"},
    )
    whole = await jp_fetch("hpc", "api", *FILES, "content", params={"path": f"{HOME}/small.bin"})
    part = await jp_fetch(
        "hpc",
        "api",
        *FILES,
        "content",
        params={"path": f"{HOME}/small.bin", "offset": "10", "length": "20"},
    )

    # Then the file is in place, read back identical, with no staged transfer involved
    assert entry["size"] == len(data)
    assert double.local(f"{HOME}/small.bin").read_bytes() == data
    assert whole.body == data
    assert part.body == data[10:30]
    paths = [path for _, path, _ in double.requests]
    v1 = isinstance(double, FakeFirecrestV1)
    assert set(DIRECT_V1 if v1 else DIRECT) <= set(paths)
    assert not any(("/storage/" if v1 else "/transfer/") in path for path in paths)
    assert any(path.endswith("/checksum") for path in paths)


async def test_mkdir_move_copy_chmod_delete(api: API, fake: FakeFirecrest) -> None:
    # Given a file in the home directory
    (fake.local(HOME) / "f.txt").write_text("content")

    # When a directory tree is made, the file copied, moved, chmod'ed and things deleted
    made = await op(api, "mkdir", path=f"{HOME}/d/e", parents=True)
    copied = await op(api, "copy", source=f"{HOME}/f.txt", target=f"{HOME}/d/g.txt")
    moved = await op(api, "move", source=f"{HOME}/f.txt", target=f"{HOME}/d/e/f.txt")
    changed = await op(api, "chmod", path=f"{HOME}/d/g.txt", mode="640")
    exists = await expect_error(
        op(api, "copy", source=f"{HOME}/d/g.txt", target=f"{HOME}/d/e/f.txt"), 409
    )
    not_empty = await expect_error(op(api, "delete", path=f"{HOME}/d"), 409)
    await op(api, "delete", path=f"{HOME}/d", recursive=True)

    # Then each step did what it says, through FirecREST's ops and transfer jobs
    assert made["type"] == "directory"
    assert made["path"] == f"{HOME}/d/e"
    assert copied["name"] == "g.txt"
    assert moved["path"] == f"{HOME}/d/e/f.txt"
    assert changed["permissions"] == "-rw-r-----"
    assert "already exists" in exists["message"]
    assert "not empty" in not_empty["message"]
    assert not fake.local(f"{HOME}/d").exists()
    assert not fake.local(f"{HOME}/f.txt").exists()
    assert any(path.endswith("/transfer/cp") for _, path, _ in fake.requests)
    assert any(path.endswith("/transfer/mv") for _, path, _ in fake.requests)


async def test_firecrest_extras_checksum_and_chown(hpc_app: Any, fake: FakeFirecrest) -> None:
    # Given a text file and the facility's file backend
    (fake.local(HOME) / "t.txt").write_text("one\ntwo\nthree\n")
    files = hpc_app.registry.get("alps").files

    # When FirecREST's extra operations are used
    digest = await files.checksum("localcluster", f"{HOME}/t.txt")
    owned = await files.chown("localcluster", f"{HOME}/t.txt", "hpcuser", "hpcuser")

    # Then they answer from the API
    assert digest == hashlib.sha256(b"one\ntwo\nthree\n").hexdigest()
    assert owned.user == "hpcuser"
