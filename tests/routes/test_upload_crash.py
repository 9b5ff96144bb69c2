"""An upload cut off by a killed server: its temporary file is swept at the next start, and never
listed. Runs real `jupyter server` processes, one killed with SIGKILL mid-upload."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.server_process import ServerProcess, jupyter_server

MiB = 1024 * 1024
HOUR = 3600


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def listing(server: ServerProcess, **params: str) -> list[dict[str, Any]]:
    """The entries the server lists in a folder of the local facility."""
    answer = server.api("GET", "facilities", "local", "files", params=params)
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def leftovers(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.hpc-upload-*"))


def make_old(path: Path) -> None:
    stamp = time.time() - 2 * HOUR
    os.utime(path, (stamp, stamp), follow_symlinks=False)


def test_a_killed_upload_is_swept_at_the_next_start_and_never_listed(tmp_path: Path) -> None:
    root, work = tmp_path / "root", tmp_path / "work"
    root.mkdir()
    work.mkdir()
    (root / "big").mkdir()
    config = {"data_dir": str(work / "data")}

    # Given a server receiving a 200 MiB upload, slowly: 8 MiB of it have arrived
    with jupyter_server(work, config, root=root, name="killed") as server:
        head = (
            "PUT /hpc/api/facilities/local/files/content?path=big/data.bin HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: token {server.token}\r\n"
            "Content-Type: application/octet-stream\r\n"
            f"Content-Length: {200 * MiB}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(head.encode())
            for _ in range(8):
                client.sendall(os.urandom(MiB))
            _wait(
                lambda: any(p.stat().st_size >= 4 * MiB for p in leftovers(root / "big")),
                "the upload's temporary file to fill",
            )
            # While the upload runs, its temporary file is not listed
            listed = listing(server, path="big")
            assert listed == []

            # When the server is killed mid-upload
            server.kill()

    # Then its temporary file stays behind (nothing could remove it)
    (stale,) = leftovers(root / "big")
    make_old(stale)
    # beside a fresh one (another server's upload in flight), a user's look-alike file,
    # and an old leftover-like file behind a link that leads out of the root
    fresh = root / ".other.txt.hpc-upload-0123456789ab"
    fresh.write_bytes(b"in flight")
    lookalike = root / ".mine.hpc-upload-notours"
    lookalike.write_bytes(b"mine")
    make_old(lookalike)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    behind_link = elsewhere / ".x.hpc-upload-abcdefabcdef"
    behind_link.write_bytes(b"not under the root")
    make_old(behind_link)
    (root / "link").symlink_to(elsewhere)

    # When a server starts again on the same root
    with jupyter_server(work, config, root=root, name="restarted") as server:
        # Then the stale temporary file goes (swept in the background), and no temporary
        # file is ever listed
        _wait(lambda: not stale.exists(), "the stale temporary file to be swept")
        assert listing(server, path="big") == []
        names = [entry["name"] for entry in listing(server)]
        assert sorted(names) == [".mine.hpc-upload-notours", "big", "link"]
        # while what is not ours, not old, or not under the root is left alone
        assert fresh.read_bytes() == b"in flight"
        assert lookalike.read_bytes() == b"mine"
        assert behind_link.read_bytes() == b"not under the root"
