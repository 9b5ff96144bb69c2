"""Filesystem failures of the local facility as clear 4xx answers, on real small filesystems
(a full one, a read-only one, another device) mounted inside the root. Needs the right to
mount (root with CAP_SYS_ADMIN); skipped where that is missing."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[Any]]
FILES = ("facilities", "local", "files")


def _mount(target: Path, *options: str) -> bool:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", *options, "tmpfs", str(target)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def small_fs(jp_root_dir: Path) -> Iterator[Path]:
    """`small/`: a 64 KiB filesystem of its own under the root."""
    target = jp_root_dir / "small"
    target.mkdir()
    if os.geteuid() != 0 or not _mount(target, "-o", "size=64k"):
        pytest.skip("mounting a tmpfs needs root with CAP_SYS_ADMIN")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


async def refused(call: Awaitable[Any], status: int) -> str:
    body = await expect_error(call, status)
    assert len(body["message"]) < 300
    message: str = body["message"]
    return message


async def test_a_full_filesystem_is_413_and_leaves_nothing(jp_fetch: Fetch, small_fs: Path) -> None:
    # When a client uploads 1 MiB to a filesystem of 64 KiB
    message = await refused(
        jp_fetch(
            "hpc",
            "api",
            *FILES,
            "content",
            method="PUT",
            body=b"x" * (1024 * 1024),
            params={"path": "small/big.bin"},
            headers={"Content-Type": "application/octet-stream"},
        ),
        413,
    )

    # Then it learns there is no space, and neither the file nor a temporary one remains
    assert "space" in message
    assert os.listdir(small_fs) == []


async def test_a_move_to_another_filesystem_is_400(
    api: API, jp_root_dir: Path, small_fs: Path
) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    body = {"source": "a.txt", "target": "small/a.txt"}
    message = await refused(api(*FILES, "move", method="POST", body=body), 400)
    assert "another filesystem" in message
    assert (jp_root_dir / "a.txt").read_text() == "a"


async def test_a_read_only_filesystem_is_403(api: API, small_fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    message = await refused(api(*FILES, "mkdir", method="POST", body={"path": "small/d"}), 403)
    assert "read-only" in message
