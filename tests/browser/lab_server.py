"""What the browser tests share: Debian's chromium for Playwright, and a real JupyterLab.

Debian's chromium (`/usr/bin/chromium`, installed by `make browser`) is driven by Playwright
with `executable_path`; Playwright's own browser download is never used. Without chromium a
browser test is skipped locally and fails in CI (`CI=true`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from server_process import ServerProcess, jupyter_server

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


RunningLab = ServerProcess
"""A JupyterLab started by `jupyter_lab`: its `url`, `token` and `log`."""


@contextmanager
def jupyter_lab(
    work: Path,
    root: Path,
    hpc_config: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Run `python -m jupyterlab` with hpc-jupyter configured by `hpc_config`, serving `root`.

    Its config, runtime, workspaces and settings live under `work`, its output in
    `work/lab.log`. The process is stopped on exit.
    """
    lab = [
        f"--LabApp.workspaces_dir={work / 'workspaces'}",
        f"--LabApp.user_settings_dir={work / 'settings'}",
    ]
    with jupyter_server(
        work, hpc_config, lab, env, app="jupyterlab", name="lab", root=root
    ) as running:
        yield running


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
