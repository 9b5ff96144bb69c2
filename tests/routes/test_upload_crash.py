"""An upload cut off by a killed server: its temporary file is swept at the next start, and never
listed. Runs real `jupyter server` processes, one killed with SIGKILL mid-upload."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

MiB = 1024 * 1024
HOUR = 3600


@dataclass(frozen=True)
class Server:
    """A `jupyter server` process with hpc-jupyter."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    log: Path

    def get(self, tail: str, **params: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}hpc/api/{tail}",
            params=params,
            headers={"Authorization": f"token {self.token}"},
            timeout=30,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


@contextmanager
def jupyter_server(work: Path, root: Path) -> Iterator[Server]:
    """Run `python -m jupyter_server` serving `root`, hpc-jupyter's data under `work`."""
    config = work / "config"
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"hpc_jupyter": True}},
                "HPCJupyterApp": {"data_dir": str(work / "data")},
            }
        )
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",  # CI containers run as root
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    log_path = work / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(process, f"http://127.0.0.1:{port}/", token, log_path)
        try:

            def answers() -> bool:
                if process.poll() is not None:
                    raise AssertionError("the server ended:\n" + log_path.read_text())
                try:
                    return server.get("info").status_code == 200
                except httpx.TransportError:
                    return False

            _wait(answers, "the server to answer")
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


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

    # Given a server receiving a 200 MiB upload, slowly: 8 MiB of it have arrived
    with jupyter_server(work, root) as server:
        head = (
            "PUT /hpc/api/facilities/local/files/content?path=big/data.bin HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: token {server.token}\r\n"
            "Content-Type: application/octet-stream\r\n"
            f"Content-Length: {200 * MiB}\r\n\r\n"
        )
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(head.encode())
            for _ in range(8):
                client.sendall(os.urandom(MiB))
            _wait(
                lambda: any(p.stat().st_size >= 4 * MiB for p in leftovers(root / "big")),
                "the upload's temporary file to fill",
            )
            # While the upload runs, its temporary file is not listed
            listed = server.get("facilities/local/files", path="big").json()["entries"]
            assert listed == []

            # When the server is killed mid-upload
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=30)

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
    with jupyter_server(work, root) as server:
        # Then the stale temporary file goes (swept in the background), and no temporary
        # file is ever listed
        _wait(lambda: not stale.exists(), "the stale temporary file to be swept")
        assert server.get("facilities/local/files", path="big").json()["entries"] == []
        names = [entry["name"] for entry in server.get("facilities/local/files").json()["entries"]]
        assert sorted(names) == [".mine.hpc-upload-notours", "big", "link"]
        # while what is not ours, not old, or not under the root is left alone
        assert fresh.read_bytes() == b"in flight"
        assert lookalike.read_bytes() == b"mine"
        assert behind_link.read_bytes() == b"not under the root"
