"""The local facility's files through the real server: read, write, operations, path safety."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from tests.helpers import expect_error, upload_leftovers, wait_until

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "local", "files")
OCTET = {"Content-Type": "application/octet-stream"}


async def expect_api_error(call: Awaitable[Any], status: int, reason: str | None = None) -> str:
    """Await a failing call; check the error body's shape and return its message."""
    body = await expect_error(call, status)
    assert set(body) >= {"message", "reason"}, body
    assert "traceback" not in json.dumps(body).lower()
    if reason is not None:
        assert body["reason"] == reason, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return body["message"]


@pytest.fixture
def content(hpc_server: Any, jp_fetch: Fetch) -> Callable[..., Awaitable[HTTPResponse]]:
    """GET or PUT .../files/content?path=..., returning the raw response."""

    async def call(path: str, method: str = "GET", body: bytes | None = None, **params: Any) -> Any:
        query = {"path": path, **{k: str(v) for k, v in params.items()}}
        if method == "PUT":
            return await jp_fetch(
                "hpc",
                "api",
                *FILES,
                "content",
                method="PUT",
                body=body,
                params=query,
                headers=dict(OCTET),  # jp_fetch adds its token to the dict
            )
        return await jp_fetch("hpc", "api", *FILES, "content", params=query)

    return call


async def op(api: API, name: str, **body: Any) -> Any:
    """POST .../files/{name} with a JSON body."""
    return await api(*FILES, name, method="POST", body=body)


# -- reading ---------------------------------------------------------------------------------


async def test_list_gives_sorted_entries_with_types_and_link_targets(
    api: API, jp_root_dir: Path
) -> None:
    # Given a directory with files, a subdirectory and a symbolic link, created out of order
    base = jp_root_dir / "listing"
    base.mkdir()
    (base / "zeta.txt").write_text("z")
    (base / "alpha.txt").write_text("alpha")
    (base / "mid").mkdir()
    (base / "link").symlink_to("alpha.txt")

    # When the client lists it
    listing = await api(*FILES, params={"path": "listing"})

    # Then the entries come sorted by name, each with its type, and the link names its target
    assert listing["path"] == "listing"
    entries = {entry["name"]: entry for entry in listing["entries"]}
    names = [entry["name"] for entry in listing["entries"]]
    assert names == ["alpha.txt", "link", "mid", "zeta.txt"]
    assert entries["alpha.txt"]["type"] == "file"
    assert entries["alpha.txt"]["size"] == 5
    assert entries["alpha.txt"]["path"] == "listing/alpha.txt"
    assert entries["mid"]["type"] == "directory"
    assert entries["link"]["type"] == "link"
    assert entries["link"]["link_target"] == "alpha.txt"
    assert entries["zeta.txt"]["link_target"] is None


async def test_list_without_path_opens_the_root(api: API, jp_root_dir: Path) -> None:
    # Given a file at the root
    (jp_root_dir / "top.txt").write_text("top")

    # When the client lists without a path
    listing = await api(*FILES)

    # Then it sees the root
    assert listing["path"] == "."
    assert "top.txt" in [entry["name"] for entry in listing["entries"]]


async def test_stat_describes_one_entry(api: API, jp_root_dir: Path) -> None:
    # Given a file with known permissions and a link to it
    target = jp_root_dir / "data.bin"
    target.write_bytes(b"x" * 123)
    target.chmod(0o640)
    (jp_root_dir / "data.link").symlink_to("data.bin")

    # When the client stats both
    entry = await api(*FILES, "stat", params={"path": "data.bin"})
    link = await api(*FILES, "stat", params={"path": "data.link"})

    # Then the file's size, type and permissions are those on disk; the link is not followed
    assert entry["name"] == "data.bin"
    assert entry["path"] == "data.bin"
    assert entry["type"] == "file"
    assert entry["size"] == 123
    assert entry["permissions"] == "-rw-r-----"
    assert entry["modified"] == pytest.approx(target.stat().st_mtime)
    assert link["type"] == "link"
    assert link["link_target"] == "data.bin"


async def test_stat_of_a_missing_file_is_404(api: API) -> None:
    message = await expect_api_error(api(*FILES, "stat", params={"path": "nope"}), 404, "not_found")
    assert "nope" in message


async def test_content_whole_and_by_range(content: Any, jp_root_dir: Path) -> None:
    # Given a file of ten known bytes
    (jp_root_dir / "digits.txt").write_bytes(b"0123456789")

    # When the client reads it whole, from an offset, a range, and past its end
    whole = await content("digits.txt")
    tail = await content("digits.txt", offset=3)
    middle = await content("digits.txt", offset=3, length=4)
    past = await content("digits.txt", offset=100)

    # Then each read has exactly the bytes asked for, as an octet stream
    assert whole.body == b"0123456789"
    assert whole.headers["Content-Type"] == "application/octet-stream"
    assert whole.headers["Content-Length"] == "10"
    assert "digits.txt" in whole.headers["Content-Disposition"]
    assert tail.body == b"3456789"
    assert middle.body == b"3456"
    assert past.code == 200
    assert past.body == b""


async def test_content_of_a_directory_or_bad_range_is_400(
    api: API, content: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "adir").mkdir()
    (jp_root_dir / "f.txt").write_text("f")
    await expect_api_error(content("adir"), 400, "bad_request")
    await expect_api_error(content("f.txt", offset=-1), 400)
    await expect_api_error(content("f.txt", length="many"), 400)


async def test_content_without_path_is_400(api: API) -> None:
    message = await expect_api_error(api(*FILES, "content"), 400)
    assert "path" in message


# -- uploading -------------------------------------------------------------------------------


async def test_upload_creates_the_file_with_the_exact_bytes(
    content: Any, jp_root_dir: Path
) -> None:
    # Given bytes that are not text, more than one read chunk long
    data = os.urandom(3 * 1024 * 1024 + 17)

    (jp_root_dir / "up").mkdir()

    # When the client uploads them
    response = await content("up/load.bin", "PUT", data)

    # Then the server answers 201 with the new entry, and the file holds exactly those bytes
    assert response.code == 201
    entry = json.loads(response.body)
    assert entry["path"] == "up/load.bin"
    assert entry["type"] == "file"
    assert entry["size"] == len(data)
    assert (jp_root_dir / "up" / "load.bin").read_bytes() == data
    assert upload_leftovers(jp_root_dir / "up", "load.bin") == []
    # and reading it back gives the same bytes
    assert (await content("up/load.bin")).body == data


async def test_upload_of_an_empty_file(content: Any, jp_root_dir: Path) -> None:
    response = await content("empty.txt", "PUT", b"")
    assert response.code == 201
    assert (jp_root_dir / "empty.txt").read_bytes() == b""
    assert (await content("empty.txt")).body == b""


async def test_upload_replacing_a_file_keeps_its_permissions(
    content: Any, jp_root_dir: Path
) -> None:
    # Given an existing script that is executable by its owner only
    target = jp_root_dir / "run.sh"
    target.write_text("old")
    target.chmod(0o700)

    # When the client uploads a new version
    response = await content("run.sh", "PUT", b"#!/bin/sh\necho new\n")

    # Then the content is new and the permissions are the old ones
    assert response.code == 201
    assert target.read_bytes() == b"#!/bin/sh\necho new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert json.loads(response.body)["permissions"] == "-rwx------"


async def test_upload_into_a_missing_directory_is_404(content: Any, jp_root_dir: Path) -> None:
    message = await expect_api_error(content("no/such/dir/f.txt", "PUT", b"data"), 404, "not_found")
    assert "does not exist" in message
    assert not (jp_root_dir / "no").exists()


async def test_upload_onto_a_directory_is_400(content: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "somedir").mkdir()
    message = await expect_api_error(content("somedir", "PUT", b"data"), 400, "bad_request")
    assert "directory" in message
    assert (jp_root_dir / "somedir").is_dir()


async def test_broken_upload_leaves_nothing_behind(
    hpc_server: Any,
    http_server: Any,  # listens on jp_http_port
    jp_http_port: int,
    jp_auth_header: dict[str, str],
    jp_base_url: str,
    jp_root_dir: Path,
) -> None:
    # Given a client that announces 10 MB but sends only 64 KiB, then stays silent
    announced, sent = 10 * 1024 * 1024, os.urandom(64 * 1024)
    (jp_root_dir / "target").mkdir()
    head = (
        f"PUT {jp_base_url}hpc/api/facilities/local/files/content?path=target/big.bin HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{jp_http_port}\r\n"
        f"Authorization: {jp_auth_header['Authorization']}\r\n"
        "Content-Type: application/octet-stream\r\n"
        f"Content-Length: {announced}\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(head.encode() + sent)
    await writer.drain()

    # While the body is incomplete, the bytes go to a temporary file, not the target
    assert await wait_until(lambda: bool(upload_leftovers(jp_root_dir / "target", "big.bin")))
    assert not (jp_root_dir / "target" / "big.bin").exists()

    # When the client closes the connection mid-body
    writer.close()
    await writer.wait_closed()

    # Then neither the target nor the temporary file remains
    assert await wait_until(lambda: not upload_leftovers(jp_root_dir / "target", "big.bin"), 5)
    assert not (jp_root_dir / "target" / "big.bin").exists()
    assert os.listdir(jp_root_dir / "target") == []
    del reader


async def test_broken_upload_keeps_the_previous_file(
    hpc_server: Any,
    http_server: Any,  # listens on jp_http_port
    jp_http_port: int,
    jp_auth_header: dict[str, str],
    jp_base_url: str,
    jp_root_dir: Path,
) -> None:
    # Given an existing file
    target = jp_root_dir / "keep.txt"
    target.write_bytes(b"precious")

    # When a replacement upload breaks off
    head = (
        f"PUT {jp_base_url}hpc/api/facilities/local/files/content?path=keep.txt HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{jp_http_port}\r\n"
        f"Authorization: {jp_auth_header['Authorization']}\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    _, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(head.encode() + b"garbage" * 100)
    await writer.drain()
    assert await wait_until(lambda: bool(upload_leftovers(jp_root_dir, "keep.txt")))
    writer.close()
    await writer.wait_closed()

    # Then the old content stays and no temporary file is left
    assert await wait_until(lambda: not upload_leftovers(jp_root_dir, "keep.txt"), 5)
    assert target.read_bytes() == b"precious"


# -- operations ------------------------------------------------------------------------------


async def test_mkdir_with_and_without_parents(api: API, jp_root_dir: Path) -> None:
    # When the client makes a nested directory with parents
    entry = await op(api, "mkdir", path="a/b/c", parents=True)

    # Then it exists, and the answer describes it
    assert (jp_root_dir / "a" / "b" / "c").is_dir()
    assert entry["path"] == "a/b/c"
    assert entry["type"] == "directory"
    # and asking again with parents is fine (like mkdir -p)
    await op(api, "mkdir", path="a/b/c", parents=True)
    # but without parents, a missing parent is 404 and an existing directory 409
    await expect_api_error(op(api, "mkdir", path="x/y"), 404, "not_found")
    assert not (jp_root_dir / "x").exists()
    await expect_api_error(op(api, "mkdir", path="a/b"), 409, "conflict")


async def test_move_renames_and_refuses_to_replace(api: API, jp_root_dir: Path) -> None:
    # Given a file and a directory to move it into
    (jp_root_dir / "old.txt").write_text("payload")
    (jp_root_dir / "dest").mkdir()
    (jp_root_dir / "other.txt").write_text("other")

    # When the client moves it
    entry = await op(api, "move", source="old.txt", target="dest/new.txt")

    # Then it is only at its new place, with its content
    assert entry["path"] == "dest/new.txt"
    assert not (jp_root_dir / "old.txt").exists()
    assert (jp_root_dir / "dest" / "new.txt").read_text() == "payload"
    # and moving onto an existing name is refused, leaving both files alone
    await expect_api_error(op(api, "move", source="other.txt", target="dest/new.txt"), 409)
    assert (jp_root_dir / "other.txt").read_text() == "other"
    assert (jp_root_dir / "dest" / "new.txt").read_text() == "payload"
    # and moving a missing file is 404
    await expect_api_error(op(api, "move", source="gone.txt", target="x.txt"), 404)


async def test_move_a_directory_into_itself_is_400(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "tree" / "leaf").mkdir(parents=True)
    await expect_api_error(op(api, "move", source="tree", target="tree/leaf/tree"), 400)
    assert (jp_root_dir / "tree" / "leaf").is_dir()


async def test_copy_a_file_and_a_directory(api: API, jp_root_dir: Path) -> None:
    # Given a file and a directory tree with a file inside
    (jp_root_dir / "src.txt").write_text("copy me")
    tree = jp_root_dir / "tree"
    (tree / "inner").mkdir(parents=True)
    (tree / "inner" / "leaf.txt").write_text("leaf")

    # When the client copies both
    file_entry = await op(api, "copy", source="src.txt", target="dup.txt")
    dir_entry = await op(api, "copy", source="tree", target="tree2")

    # Then both originals remain and the copies hold the same content
    assert file_entry["path"] == "dup.txt"
    assert (jp_root_dir / "src.txt").read_text() == "copy me"
    assert (jp_root_dir / "dup.txt").read_text() == "copy me"
    assert dir_entry["type"] == "directory"
    assert (tree / "inner" / "leaf.txt").read_text() == "leaf"
    assert (jp_root_dir / "tree2" / "inner" / "leaf.txt").read_text() == "leaf"
    # and copying onto an existing name is refused
    await expect_api_error(op(api, "copy", source="src.txt", target="dup.txt"), 409, "conflict")
    # and a directory cannot be copied into itself
    await expect_api_error(op(api, "copy", source="tree", target="tree/inner/again"), 400)
    assert not (tree / "inner" / "again").exists()


async def test_delete_a_file_and_directories(api: API, jp_root_dir: Path) -> None:
    # Given a file, an empty directory and a non-empty one
    (jp_root_dir / "f.txt").write_text("f")
    (jp_root_dir / "empty").mkdir()
    (jp_root_dir / "full" / "sub").mkdir(parents=True)
    (jp_root_dir / "full" / "sub" / "x.txt").write_text("x")

    # When the client deletes the file and the empty directory, they are gone (204)
    assert await op(api, "delete", path="f.txt") is None
    assert not (jp_root_dir / "f.txt").exists()
    await op(api, "delete", path="empty")
    assert not (jp_root_dir / "empty").exists()

    # A non-empty directory is refused without `recursive`, and kept
    message = await expect_api_error(op(api, "delete", path="full"), 409, "conflict")
    assert "not empty" in message
    assert (jp_root_dir / "full" / "sub" / "x.txt").exists()

    # With `recursive` it goes, whole
    await op(api, "delete", path="full", recursive=True)
    assert not (jp_root_dir / "full").exists()

    # A missing path is 404; the root itself is never deleted
    await expect_api_error(op(api, "delete", path="f.txt"), 404, "not_found")
    await expect_api_error(op(api, "delete", path=".", recursive=True), 403, "forbidden")
    assert jp_root_dir.is_dir()


async def test_delete_a_link_removes_the_link_only(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "real").mkdir()
    (jp_root_dir / "real" / "keep.txt").write_text("keep")
    (jp_root_dir / "alias").symlink_to("real")

    await op(api, "delete", path="alias", recursive=True)

    assert not (jp_root_dir / "alias").is_symlink()
    assert (jp_root_dir / "real" / "keep.txt").read_text() == "keep"


async def test_chmod_sets_the_mode_and_refuses_bad_modes(api: API, jp_root_dir: Path) -> None:
    # Given a readable file
    target = jp_root_dir / "script.sh"
    target.write_text("echo hi")
    target.chmod(0o644)

    # When the client makes it executable
    entry = await op(api, "chmod", path="script.sh", mode="750")

    # Then the mode on disk and in the answer is the new one
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert entry["permissions"] == "-rwxr-x---"

    # And modes that are not octal are 400, leaving the file alone
    for bad in ("999", "rwx", "12", "07555", "u+x"):
        message = await expect_api_error(
            op(api, "chmod", path="script.sh", mode=bad), 400, "bad_request"
        )
        assert "octal" in message
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    await expect_api_error(op(api, "chmod", path="script.sh"), 400)


# -- path safety -----------------------------------------------------------------------------


@pytest.fixture
def outside(jp_root_dir: Path) -> Path:
    """A secret file beside the root, and a link inside the root that points at its folder."""
    secret_dir = jp_root_dir.parent / "outside"
    secret_dir.mkdir()
    (secret_dir / "secret.txt").write_text("not for you")
    (jp_root_dir / "escape").symlink_to(secret_dir)
    return secret_dir


ESCAPES = ["../../etc/passwd", "/etc/passwd", "a/../../x", "escape/secret.txt", ".."]


@pytest.mark.parametrize("path", ESCAPES)
async def test_paths_leading_outside_the_root_are_403(
    api: API, content: Any, outside: Path, jp_root_dir: Path, path: str
) -> None:
    # Given paths that climb out, are absolute elsewhere, or go through a link that leads out
    (jp_root_dir / "a").mkdir()
    calls = {
        "list": api(*FILES, params={"path": path}),
        "read": content(path),
        "stat-inside": api(*FILES, "stat", params={"path": f"{path}/x"}),
        "upload": content(path, "PUT", b"pwned"),
        "mkdir": op(api, "mkdir", path=f"{path}/new", parents=True),
        "chmod": op(api, "chmod", path=path, mode="777"),
        "copy-out": op(api, "copy", source="a", target=f"{path}/copy"),
    }
    # When any operation is asked on them, then each is refused with a clear reason
    for name, call in calls.items():
        message = await expect_api_error(call, 403, "forbidden")
        assert "outside" in message and "root" in message, (name, message)

    # And nothing outside the root was read, written or changed
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "not for you"
    assert not (outside.parent / "x").exists()
    assert not (outside.parent / "new").exists()
    assert not (outside.parent / "copy").exists()


async def test_the_link_itself_may_be_seen_and_deleted(
    api: API, content: Any, outside: Path, jp_root_dir: Path
) -> None:
    # The link is an entry of the root: listing the root and stat-ing the link show it
    listing = await api(*FILES, params={"path": "."})
    link = next(e for e in listing["entries"] if e["name"] == "escape")
    assert link["type"] == "link"
    assert link["link_target"] == str(outside)
    assert (await api(*FILES, "stat", params={"path": "escape"}))["type"] == "link"
    # but reading or listing through it is refused
    await expect_api_error(content("escape/secret.txt"), 403)
    await expect_api_error(api(*FILES, params={"path": "escape"}), 403)
    # and deleting it removes the link, never the folder it points at
    await op(api, "delete", path="escape", recursive=True)
    assert not (jp_root_dir / "escape").is_symlink()
    assert (outside / "secret.txt").read_text() == "not for you"


async def test_moving_a_file_out_of_the_root_is_403(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "mine.txt").write_text("mine")
    await expect_api_error(op(api, "move", source="mine.txt", target="../stolen.txt"), 403)
    await expect_api_error(op(api, "copy", source="mine.txt", target="/tmp/stolen.txt"), 403)
    assert (jp_root_dir / "mine.txt").exists()
    assert not (jp_root_dir.parent / "stolen.txt").exists()


async def test_an_absolute_path_under_the_root_is_accepted(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "inside.txt").write_text("in")
    entry = await api(*FILES, "stat", params={"path": str(jp_root_dir / "inside.txt")})
    assert entry["path"] == "inside.txt"


async def test_a_nul_byte_in_a_path_is_400(api: API, jp_root_dir: Path) -> None:
    for name, body in {
        "mkdir": {"path": "bad\x00name"},
        "delete": {"path": "bad\x00name"},
        "move": {"source": "b\x00c", "target": "d"},
    }.items():
        message = await expect_api_error(op(api, name, **body), 400, "bad_request")
        assert "NUL" in message
    assert os.listdir(jp_root_dir) == []


# -- request errors --------------------------------------------------------------------------


async def test_unknown_facility_is_404(api: API) -> None:
    message = await expect_api_error(
        api("facilities", "nowhere", "files", params={"path": "."}), 404, "not_found"
    )
    assert "nowhere" in message
    assert "local" in message  # it says which facilities exist


async def test_unknown_system_is_404(api: API) -> None:
    message = await expect_api_error(
        api(*FILES, params={"path": ".", "system": "mars"}), 404, "not_found"
    )
    assert "mars" in message


async def test_bad_json_body_is_400(api: API) -> None:
    message = await expect_api_error(
        api(*FILES, "mkdir", method="POST", body="{not json"), 400, "bad_request"
    )
    assert "JSON" in message
    message = await expect_api_error(
        api(*FILES, "mkdir", method="POST", body="[1, 2]"), 400, "bad_request"
    )
    assert "object" in message


async def test_missing_path_is_400(api: API, jp_root_dir: Path) -> None:
    for name, body in {
        "mkdir": {},
        "delete": {"recursive": True},
        "chmod": {"mode": "755"},
        "move": {"source": "a"},
        "copy": {"target": "b"},
    }.items():
        message = await expect_api_error(op(api, name, **body), 400, "bad_request")
        assert "non-empty string" in message, (name, message)
    await expect_api_error(op(api, "mkdir", path=""), 400)
    await expect_api_error(op(api, "mkdir", path="p", parents="yes"), 400)
    assert os.listdir(jp_root_dir) == []


async def test_upload_of_a_file_with_a_long_name(content: Any, jp_root_dir: Path) -> None:
    # Given a name near the filesystem's limit of 255 bytes (legal, if unusual)
    name = "n" * 240 + ".dat"

    # When the client uploads it
    response = await content(name, "PUT", b"long name")

    # Then it is created like any other file, and no temporary file stays
    assert response.code == 201
    assert (jp_root_dir / name).read_bytes() == b"long name"
    assert [p.name for p in jp_root_dir.iterdir()] == [name]


async def test_upload_larger_than_the_limit_is_413_and_writes_nothing(
    content: Any, hpc_app: Any, jp_root_dir: Path
) -> None:
    # Given a server that accepts uploads of at most 1 KiB
    hpc_app.max_upload_size = 1024

    # When a client announces 4 KiB
    message = await expect_api_error(content("too-big.bin", "PUT", b"x" * 4096), 413, "too_large")

    # Then it is told the size and the limit, and no file or temporary file appears
    assert "4.0 KiB" in message and "1.0 KiB" in message, message
    assert "max_upload_size" in message
    assert not (jp_root_dir / "too-big.bin").exists()
    assert not upload_leftovers(jp_root_dir, "too-big.bin")

    # And an upload within the limit still goes through
    response = await content("small.bin", "PUT", b"y" * 1024)
    assert response.code == 201
    assert (jp_root_dir / "small.bin").read_bytes() == b"y" * 1024
