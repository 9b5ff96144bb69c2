"""What the browser tests share: Debian's chromium for Playwright, and a real JupyterLab.

Debian's chromium (`/usr/bin/chromium`, installed by `make browser`) is driven by Playwright
with `executable_path`; Playwright's own browser download is never used. Without chromium a
browser test is skipped locally and fails in CI (`CI=true`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.server_process import ServerProcess, jupyter_server

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


def has_class(name: str) -> re.Pattern[str]:
    """Matches a class attribute that holds `name`, among others (for `to_have_class`)."""
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def wait_for(page: Any, condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Let the page run (its events arrive meanwhile) until `condition()`, or fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not after {timeout} s: {what}")
        page.wait_for_timeout(100)


class Browser:
    """Chromium on one page, in en-GB and UTC (so times read as 17:05:09), recording every
    response the page got: to find a secret in, or to count the calls of a route."""

    def __init__(self, playwright: Any) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.bodies: list[str] = []
        self.responses: list[tuple[str, int]] = []
        """(the URL's path, the status) of each response, in order."""
        self.page = self.new_page()

    def new_page(self) -> Any:
        """A page in a context of its own (cookies not shared: another user's browser), its
        responses recorded with the first page's."""
        context = self.browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="en-GB", timezone_id="UTC"
        )
        page = context.new_page()
        page.on("response", self._response)
        return page

    def _response(self, response: Any) -> None:
        self.bodies.append(response_text(response))
        self.responses.append((response.url.split("?", 1)[0], response.status))

    def statuses(self, path_end: str) -> list[int]:
        """The status of each response so far to a URL whose path ends with `path_end`."""
        return [status for url, status in self.responses if url.endswith(path_end)]

    def answers(self, path_end: str) -> list[tuple[int, str]]:
        """The status and the start of the body of each response to a URL ending `path_end`."""
        return [
            (status, body[:300])
            for (url, status), body in zip(self.responses, self.bodies, strict=True)
            if url.endswith(path_end)
        ]

    def open_lab(self, lab: ServerProcess) -> Any:
        """Lab loaded, its HPC panel open: the panel."""
        self.page.goto(f"{lab.url}lab?token={lab.token}")
        self.page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
        # Lab focuses its main area's widget once started: the restored one, or the Launcher
        # it opens ~0.8 s after its splash has gone (measured). Wait for it, so that focus
        # does not land after a test's own (a field focused for the keyboard).
        self.page.wait_for_function(
            "() => document.querySelector('#jp-main-dock-panel')?.contains(document.activeElement)",
            timeout=60 * SECOND,
        )
        return open_panel(self.page)

    def seen(self, secret: str) -> list[str]:
        """The start of every response that held `secret`."""
        return [body[:200] for body in self.bodies if secret in body]


@contextmanager
def open_browser() -> Iterator[Browser]:
    """A `Browser` (skipped, or failed in CI, without chromium), closed on exit."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        opened = Browser(playwright)
        try:
            yield opened
        finally:
            opened.browser.close()
