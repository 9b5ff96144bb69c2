"""What the browser tests share: Debian's chromium for Playwright, and a real JupyterLab.

Debian's chromium (`/usr/bin/chromium`, installed by `make browser`) is driven by Playwright
with `executable_path`; Playwright's own browser download is never used. Without chromium a
browser test is skipped locally and fails in CI (`CI=true`).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path(os.environ.get("HPC_JUPYTER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECOND = 1000  # Playwright counts milliseconds
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "artifacts" / "browser"
"""Where browser tests save screenshots (kept by CI as artifacts)."""


def require_browser() -> None:
    """Skip (or, in CI, fail) a test when chromium or Playwright is missing."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (`make browser`, or apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing:
        reason = "The browser test needs " + " and ".join(missing) + "."
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningLab:
    """A JupyterLab started by `jupyter_lab`."""

    url: str
    token: str
    log: Path


@contextmanager
def jupyter_lab(
    work: Path,
    root: Path,
    hpc_config: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> Iterator[RunningLab]:
    """Run `python -m jupyterlab` on 127.0.0.1 with hpc-jupyter configured by `hpc_config`.

    Its config, runtime, workspaces and settings live under `work`; it serves `root`. The
    process is stopped on exit.
    """
    config = work / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"hpc_jupyter": True}},
                "HPCJupyterApp": dict(hpc_config),
            }
        )
    )
    port, token = free_port(), secrets.token_hex(16)
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        **(env or {}),
    }
    environment.pop("HPC_JUPYTER_URL", None)
    environment.pop("HPC_JUPYTER_TOKEN", None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI containers run as root
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={work / 'workspaces'}",
        f"--LabApp.user_settings_dir={work / 'settings'}",
    ]
    log_path = work / "lab.log"
    log = log_path.open("wb")
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = httpx.get(f"{url}api/status", params={"token": token}, timeout=2)
                if status.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("JupyterLab did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        yield RunningLab(url, token, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def screenshot(page: Any, name: str, full_page: bool = False) -> None:
    """Save the page as ARTIFACTS/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def open_panel(page: Any) -> Any:
    """The HPC side panel, opened from its sidebar icon unless it shows already."""
    from playwright.sync_api import expect

    panel = page.locator("#hpc-jupyter-panel")
    if not panel.is_visible():
        page.locator(".jp-SideBar .lm-TabBar-tab[title='HPC facilities']").click()
    expect(panel).to_be_visible(timeout=30 * SECOND)
    return panel


def response_text(response: Any) -> str:
    """A response's headers and body as the browser got them, to look for secrets in."""
    try:
        return str(response.headers) + response.text()
    except Exception:  # a redirect or an aborted request has no body
        return str(response.headers)
