"""A real `jupyter server` (or `jupyter lab`) process with hpc-jupyter, for tests of start-up,
logging and restarts: its whole output is kept, and it can be stopped, killed and started again.
"""

from __future__ import annotations

import json
import os
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


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One Jupyter server process: `url`, `token`, `api()` calls and its `output()`."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, token: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.token = token
        self.log = log

    def api(self, method: str, *parts: str, **kwargs: Any) -> httpx.Response:
        """Call /hpc/api/<parts> with the server's token; any status is returned."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(
            method,
            self.url + "hpc/api/" + "/".join(parts),
            headers=headers,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )

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
) -> Iterator[ServerProcess]:
    """Run `python -m <app>` on 127.0.0.1 serving `work/root`, hpc-jupyter configured with
    `hpc_config` (its config file); stopped on exit. Its output goes to `work/<name>.log`.
    """
    config = work / "config"
    # Enabled the way installing the package enables it (a file in jupyter_server_config.d);
    # this is also what makes traitlets log the configuration at debug level.
    (config / "jupyter_server_config.d").mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.d" / "hpc_jupyter.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"hpc_jupyter": True}}})
    )
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"HPCJupyterApp": dict(hpc_config)})
    )
    root = work / "root"
    root.mkdir(exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        **(env or {}),
    }
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
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}/", token, log_path)
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
