"""Another real `jupyter server` with hpc-jupyter, as a subprocess: for tests of two servers."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import hpc_jupyter

PACKAGE_PARENT = str(Path(hpc_jupyter.__file__).resolve().parent.parent)
"""Where the hpc_jupyter under test lives: the subprocess imports the same code."""


@dataclass(frozen=True)
class SecondServer:
    """A running `jupyter server` and how to call its /hpc/api."""

    url: str
    token: str
    log: Path

    async def call(self, *parts: str, method: str = "GET", body: Any = None) -> httpx.Response:
        """One request to /hpc/api/...; the response whatever its status."""
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.request(
                method,
                f"{self.url}hpc/api/{'/'.join(parts)}",
                headers={"Authorization": f"token {self.token}"},
                content=None if body is None else json.dumps(body),
            )

    async def api(self, *parts: str, method: str = "GET", body: Any = None) -> Any:
        """The decoded JSON answer of a request that must succeed."""
        response = await self.call(*parts, method=method, body=body)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None


def free_port() -> int:
    """A TCP port nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def second_server(
    work: Path, root: Path, data_dir: Path, facilities: Mapping[str, Any] | None = None
) -> Iterator[SecondServer]:
    """Run `jupyter server` serving `root` with hpc-jupyter's data in `data_dir`.

    Its config and runtime files live under `work`. The process is stopped on exit, also when
    the test failed, and killed if it does not stop in time.
    """
    config = work / "config"
    config.mkdir(parents=True)
    hpc = {"data_dir": str(data_dir), **({"facilities": dict(facilities)} if facilities else {})}
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {"hpc_jupyter": True},
                    "allow_unauthenticated_access": False,
                },
                "HPCJupyterApp": hpc,
            }
        )
    )
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "PYTHONPATH": os.pathsep.join(
            p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p
        ),
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
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer = httpx.get(
                        f"{url}hpc/api/facilities", params={"token": token}, timeout=2
                    )
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "The second server did not start:\n" + log_path.read_text()
                    )
                time.sleep(0.2)
            yield SecondServer(url, token, log_path)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it is still there after 20 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
