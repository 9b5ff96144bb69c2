"""Head/tail, checksum and chown of the local facility's files, through the real server."""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.backends.base import FileBackend
from hpc_jupyter.backends.local.files import LocalFiles
from hpc_jupyter.models import MAX_EXCERPT_BYTES
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "local", "files")
MiB = 1024 * 1024


def numbered(count: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, count + 1))


async def lines_of(api: API, end: str, path: str, lines: int | None = None) -> Any:
    params = {"path": path} if lines is None else {"path": path, "lines": str(lines)}
    return await api(*FILES, end, params=params)


# -- head and tail -----------------------------------------------------------------------------


async def test_head_and_tail_give_the_first_and_last_lines(api: API, jp_root_dir: Path) -> None:
    # Given a log of 25 numbered lines
    (jp_root_dir / "run.log").write_text(numbered(25))

    # When the client asks for its head and tail, with and without a count
    head = await lines_of(api, "head", "run.log")
    tail = await lines_of(api, "tail", "run.log", 3)
    all_of_it = await lines_of(api, "tail", "run.log", 100)

    # Then they are `head -n` and `tail -n`: 10 lines by default
    assert head == {"data": numbered(10), "lines": 10, "truncated": False}
    assert tail == {"data": "line 23\nline 24\nline 25\n", "lines": 3, "truncated": False}
    assert all_of_it == {"data": numbered(25), "lines": 25, "truncated": False}


async def test_a_last_line_without_newline_and_an_empty_file(api: API, jp_root_dir: Path) -> None:
    # Given a file whose last line has no newline, one of blank lines, and an empty one
    (jp_root_dir / "open.txt").write_text("one\ntwo\nthree")
    (jp_root_dir / "blank.txt").write_text("\n\n\n")
    (jp_root_dir / "empty.txt").write_text("")

    # When their heads and tails are read
    tail = await lines_of(api, "tail", "open.txt", 2)
    head = await lines_of(api, "head", "open.txt", 5)
    blank = await lines_of(api, "tail", "blank.txt", 2)
    empty = await lines_of(api, "tail", "empty.txt", 2)

    # Then the unterminated line counts as a line, and blank lines are lines too
    assert tail == {"data": "two\nthree", "lines": 2, "truncated": False}
    assert head == {"data": "one\ntwo\nthree", "lines": 3, "truncated": False}
    assert blank == {"data": "\n\n", "lines": 2, "truncated": False}
    assert empty == {"data": "", "lines": 0, "truncated": False}


async def test_undecodable_bytes_become_replacement_characters(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "mixed.txt").write_bytes("café\n".encode() + b"\xff\xfe bad\n")

    head = await lines_of(api, "head", "mixed.txt", 2)

    assert head["data"] == "café\n\ufffd\ufffd bad\n"


async def test_a_huge_file_is_read_from_its_ends_only(api: API, jp_root_dir: Path) -> None:
    # Given a 256 MiB file: two short lines, one line of 256 MiB, two short lines
    big = jp_root_dir / "huge.log"
    with big.open("wb") as handle:
        handle.write(b"first\nsecond\n")
        handle.truncate(256 * MiB)  # sparse: a long line of NUL bytes
        handle.seek(0, os.SEEK_END)
        handle.write(b"\npenultimate\nlast\n")

    # When its ends are read, while the server's memory is watched
    tracemalloc.start()
    try:
        head = await lines_of(api, "head", "huge.log", 2)
        tail = await lines_of(api, "tail", "huge.log", 2)
        long_tail = await lines_of(api, "tail", "huge.log", 3)
        long_head = await lines_of(api, "head", "huge.log", 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then short ends come whole, the huge line is cut at 1 MiB, and nothing held the file
    assert head == {"data": "first\nsecond\n", "lines": 2, "truncated": False}
    assert tail == {"data": "penultimate\nlast\n", "lines": 2, "truncated": False}
    assert long_tail["truncated"] is True
    assert long_tail["data"].endswith("\x00\npenultimate\nlast\n")
    assert len(long_tail["data"].encode()) == MAX_EXCERPT_BYTES
    assert long_head["truncated"] is True
    assert long_head["data"].startswith("first\nsecond\n\x00")
    assert len(long_head["data"].encode()) == MAX_EXCERPT_BYTES
    assert peak < 32 * MiB, f"peak {peak / MiB:.0f} MiB"


async def test_bad_counts_directories_and_missing_files_are_refused(
    api: API, jp_root_dir: Path
) -> None:
    (jp_root_dir / "a.txt").write_text("a\n")
    (jp_root_dir / "dir").mkdir()

    too_few = await expect_error(lines_of(api, "head", "a.txt", 0), 400)
    too_many = await expect_error(lines_of(api, "tail", "a.txt", 10_001), 400)
    not_a_number = await expect_error(
        api(*FILES, "head", params={"path": "a.txt", "lines": "x"}), 400
    )
    directory = await expect_error(lines_of(api, "tail", "dir"), 400)
    missing = await expect_error(lines_of(api, "head", "nope.txt"), 404)
    outside = await expect_error(lines_of(api, "head", "../secret"), 403)

    assert "from 1 to 10000" in too_few["message"]
    assert "from 1 to 10000" in too_many["message"]
    assert "lines" in not_a_number["message"]
    assert "is a directory" in directory["message"]
    assert missing["reason"] == "not_found"
    assert outside["reason"] == "forbidden"


async def test_a_facility_without_head_and_tail_says_so(
    api: API, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a file backend that keeps the seam's default (no head/tail, no checksum)
    (jp_root_dir / "a.txt").write_text("a\n")
    monkeypatch.setattr(LocalFiles, "head", FileBackend.head)
    monkeypatch.setattr(LocalFiles, "checksum", FileBackend.checksum)

    head = await expect_error(lines_of(api, "head", "a.txt"), 400)
    checksum = await expect_error(api(*FILES, "checksum", params={"path": "a.txt"}), 400)

    assert head["reason"] == checksum["reason"] == "not_supported"
    assert "first or last lines" in head["message"]
    assert "checksum" in checksum["message"]


# -- checksum ------------------------------------------------------------------------------------


async def test_checksum_is_the_sha256_of_the_bytes(api: API, jp_root_dir: Path) -> None:
    payload = os.urandom(3 * MiB + 5)
    (jp_root_dir / "blob.bin").write_bytes(payload)
    (jp_root_dir / "empty.bin").write_bytes(b"")

    blob = await api(*FILES, "checksum", params={"path": "blob.bin"})
    empty = await api(*FILES, "checksum", params={"path": "empty.bin"})

    assert blob == {"algorithm": "sha256", "checksum": hashlib.sha256(payload).hexdigest()}
    assert empty["checksum"] == hashlib.sha256(b"").hexdigest()


async def test_checksum_of_a_directory_or_missing_file(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "dir").mkdir()

    directory = await expect_error(api(*FILES, "checksum", params={"path": "dir"}), 400)
    missing = await expect_error(api(*FILES, "checksum", params={"path": "nope"}), 404)

    assert "is a directory" in directory["message"]
    assert missing["reason"] == "not_found"


# -- chown ---------------------------------------------------------------------------------------


async def chown(api: API, **body: Any) -> Any:
    return await api(*FILES, "chown", method="POST", body=body)


async def test_chown_to_ones_own_user_and_group(api: API, jp_root_dir: Path) -> None:
    # Given a file, and the names of the server's own user and group
    (jp_root_dir / "a.txt").write_text("a")
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name

    # When the owner, the group, and both are set by name
    by_user = await chown(api, path="a.txt", owner=user)
    by_group = await chown(api, path="a.txt", group=group)
    both = await chown(api, path="a.txt", owner=user, group=group)

    # Then the entry names them
    assert (by_user["user"], by_group["group"]) == (user, group)
    assert (both["user"], both["group"]) == (user, group)


async def test_chown_mistakes_are_400(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")

    neither = await expect_error(chown(api, path="a.txt"), 400)
    empty = await expect_error(chown(api, path="a.txt", owner="", group=""), 400)
    not_text = await expect_error(chown(api, path="a.txt", owner=0), 400)
    unknown_user = await expect_error(chown(api, path="a.txt", owner="no-such-user-x"), 400)
    unknown_group = await expect_error(chown(api, path="a.txt", group="no-such-group-x"), 400)
    missing = await expect_error(chown(api, path="nope", group="root"), 404)

    assert "'owner', 'group' or both" in neither["message"]
    assert "'owner', 'group' or both" in empty["message"]
    assert "'owner' must be a string" in not_text["message"]
    assert "no user 'no-such-user-x'" in unknown_user["message"]
    assert "no group 'no-such-group-x'" in unknown_group["message"]
    assert missing["reason"] == "not_found"


async def test_giving_a_file_away_without_root_is_a_clear_403(
    api: API, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a file, and the kernel's refusal a server without root gets (simulated when root)
    target = jp_root_dir / "a.txt"
    target.write_text("a")
    before = target.stat()
    if os.geteuid() == 0:

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise PermissionError(1, "Operation not permitted")

        monkeypatch.setattr("hpc_jupyter.backends.local.files.os.chown", refuse)

    # When the client gives it to another user
    refused = await expect_error(chown(api, path="a.txt", owner="nobody"), 403)

    # Then the answer says why, and the file is unchanged
    assert refused["reason"] == "forbidden"
    assert "only root may give a file to another user" in refused["message"]
    assert target.stat().st_uid == before.st_uid


async def test_the_local_facility_declares_the_new_capabilities(api: API) -> None:
    facility = await api("facilities", "local")

    assert {"files.head_tail", "files.checksum", "files.chown"} <= set(facility["capabilities"])
