"""A real `jupyter server` (or `jupyter lab`) process with hpc-jupyter, for tests: the one way.

Started with its own config, root, data dir, token and port; ready once /hpc/api answers; its
whole output kept in a log; stopped gracefully (or killed like a crash) and always cleaned up.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

import hpc_jupyter

PACKAGE_PARENT = str(Path(hpc_jupyter.__file__).resolve().parent.parent)
"""Where the hpc_jupyter under test lives: the subprocess imports the same code."""

ONLY_HPC = {
    "jupyterlab": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "notebook_shim": False,
}
"""`extensions=` for a server with hpc-jupyter alone: less to start on CI's two cores."""


PORTS_PER_PROCESS = 2500
FIRST_PORT = 20000
"""Test processes side by side (pytest -n, `gwN`) each take ports from a range of their own,
below Linux's ephemeral ports (32768-60999) where a bind to port 0 lands: a port one picks is
never the one another picked a moment before, as two binds to port 0 can be."""
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_NEXT = itertools.count(random.randrange(PORTS_PER_PROCESS))


def free_port() -> int:
    """A TCP port nothing listens on now, from this test process's own range."""
    base = FIRST_PORT + (_WORKER % 4) * PORTS_PER_PROCESS
    for _ in range(PORTS_PER_PROCESS):
        port = base + next(_NEXT) % PORTS_PER_PROCESS
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {base} to {base + PORTS_PER_PROCESS - 1}")


class ServerProcess:
    """One Jupyter server process: where it is, calls to its /hpc/api, and its output."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, token: str, root: Path, log: Path
    ) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.token = token
        self.root = root
        self.log = log

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this server's token."""
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, *parts: str, **kwargs: Any) -> httpx.Response:
        """Call /hpc/api/<parts> with the server's token; any status is returned."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.request(
            method,
            self.url + "hpc/api/" + "/".join(parts),
            headers=headers,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )

    async def call(self, *parts: str, method: str = "GET", body: Any = None) -> Any:
        """The decoded JSON answer of a request that must succeed, without blocking the event
        loop (where the test's own in-process server runs): the `api` fixture's signature."""
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.request(
                method,
                self.url + "hpc/api/" + "/".join(parts),
                headers=self.headers,
                content=None if body is None else json.dumps(body),
            )
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop it as a user would (SIGTERM), wait, then end what it left running."""
        if self.process.poll() is None:
            self.process.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        self.kill()

    def kill(self) -> None:
        """Kill it and everything it started (SIGKILL to its process group), as a crash would."""
        with suppress(ProcessLookupError):  # nothing of the group is left
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def jupyter_server(
    work: Path,
    hpc_config: Mapping[str, Any],
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    app: str = "jupyter_server",
    name: str = "server",
    root: Path | None = None,
    extensions: Mapping[str, bool] | None = None,
    server_app: Mapping[str, Any] | None = None,
) -> Iterator[ServerProcess]:
    """Run `python -m <app>` on 127.0.0.1 serving `root` (default `work/root`), hpc-jupyter
    configured with `hpc_config` (its config file); stopped on exit, also when the test failed.

    `extensions` switches other server extensions on or off (`ONLY_HPC`), `server_app` adds
    ServerApp settings. Config and runtime files live under `work`, the output in
    `work/<name>.log`.
    """
    config = work / "config"
    # Enabled the way installing the package enables it (a file in jupyter_server_config.d);
    # this is also what makes traitlets log the configuration at debug level.
    (config / "jupyter_server_config.d").mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.d" / "hpc_jupyter.json").write_text(
        json.dumps(
            {"ServerApp": {"jpserver_extensions": {"hpc_jupyter": True, **(extensions or {})}}}
        )
    )
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": dict(server_app or {}), "HPCJupyterApp": dict(hpc_config)})
    )
    if root is None:
        root = work / "root"
        root.mkdir(exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "PYTHONPATH": os.pathsep.join(
            p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p
        ),
        **(env or {}),
    }
    # Where the test's own environment points a client at some server: the kernels of this
    # one must find this one.
    for variable in ("HPC_JUPYTER_URL", "HPC_JUPYTER_TOKEN", "JUPYTER_TOKEN"):
        environment.pop(variable, None)
    command = [
        sys.executable,
        "-m",
        app,
        "--no-browser",
        "--allow-root",  # CI containers run as root
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *args,
    ]
    log_path = work / f"{name}.log"
    with log_path.open("wb") as log:
        # A session of its own, so that `kill` ends whatever the server started with it.
        process = subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServerProcess(process, port, token, root, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if server.api("GET", "info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{app} did not start:\n{server.output()[-5000:]}")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
