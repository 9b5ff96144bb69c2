"""The three panels in JupyterLab in a real browser: notebooks/panels.ipynb, run and clicked.

Debian's chromium driven by Playwright (see lab_server.py for the launch rules). Screenshots go
to artifacts/browser/.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    jupyter_lab,
    require_browser,
    screenshot,
)

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOK = ROOT / "notebooks" / "panels.ipynb"
pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A JupyterLab with hpc-jupyter on a fresh root holding panels.ipynb: (url, token)."""
    require_browser()
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / "panels.ipynb")
    with jupyter_lab(tmp_path, root, {"data_dir": str(tmp_path / "hpc-data")}) as running:
        yield running.url, running.token


def _button(scope: Any, label: str) -> Any:
    """The widget button labelled `label` (by its text: an icon's glyph is not part of it)."""
    text = re.compile(rf"^\s*{re.escape(label)}\s*$")
    return scope.locator("button.jupyter-button", has_text=text)


def _shot(page: Any, name: str) -> None:
    screenshot(page, name, full_page=True)


def test_the_panels_render_and_respond_in_jupyterlab(lab: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, token = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        try:
            _drive(page, url, token, expect)
        except BaseException:
            _shot(page, "failure")
            raise
        finally:
            browser.close()


def _drive(page: Any, url: str, token: str, expect: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # Given JupyterLab with panels.ipynb open and its kernel started
    page.goto(f"{url}lab/tree/panels.ipynb?token={token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=60 * SECOND)
    # A fresh Lab may ask which kernel to start; the notebook's own (Python 3) is preselected.
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    with contextlib.suppress(PlaywrightTimeout):
        accept.click(timeout=15 * SECOND)
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    expect(idle.first).to_be_attached(timeout=60 * SECOND)

    # When every cell runs (Run > Run All Cells)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

    # Then the three panels render
    files = page.locator(".hpc-jupyter-files").first
    monitor = page.locator(".hpc-jupyter-monitor").first
    form = page.locator(".hpc-jupyter-submit").first
    for panel in (files, monitor, form):
        panel.scroll_into_view_if_needed(timeout=90 * SECOND)
        expect(panel).to_be_visible(timeout=90 * SECOND)
    expect(files.locator("select option", has_text="notes.txt")).to_have_count(1)
    _shot(page, "1-panels-rendered")

    # The file browser: choosing a file previews it, Up goes to the home directory
    files.scroll_into_view_if_needed()
    listing = files.locator(".hpc-jupyter-listing select")
    value = files.locator("select option", has_text="notes.txt").get_attribute("value")
    listing.select_option(value=value)
    preview = files.locator("textarea").first
    expect(preview).to_have_value(re.compile(r"^line 0: the quick brown fox"), timeout=30 * SECOND)
    _shot(page, "2-file-previewed")
    _button(files, "Up").click()
    expect(files.locator("input[type='text']").first).to_have_value(".", timeout=30 * SECOND)
    expect(files.locator("select option", has_text="panels-demo/")).to_have_count(1)

    # The submit form: Submit runs the template job, shown in the monitor under the form
    form.scroll_into_view_if_needed()
    _button(form, "Submit").click()
    form_status = form.locator(".hpc-jupyter-status").first  # the monitor below has its own
    expect(form_status).to_contain_text("Submitted job", timeout=30 * SECOND)
    status_text = form_status.inner_text()
    job_id = re.search(r"Submitted job (\S+)", status_text).group(1)  # type: ignore[union-attr]
    embedded = form.locator(".hpc-jupyter-monitor")
    completed = embedded.locator(".hpc-jupyter-jobs").get_by_text("COMPLETED", exact=True)
    expect(completed.first).to_be_visible(timeout=60 * SECOND)
    expect(embedded.locator("textarea")).to_have_value(
        re.compile(r"Hello from"), timeout=30 * SECOND
    )
    _shot(page, "3-job-submitted-and-completed")

    # The job monitor: Refresh lists the job; clicking its id follows its log
    monitor.scroll_into_view_if_needed()
    _button(monitor, "Refresh").click()
    job_button = _button(monitor, job_id)
    expect(job_button).to_be_visible(timeout=30 * SECOND)
    job_button.click()
    expect(monitor.locator("textarea")).to_have_value(
        re.compile(r"Hello from"), timeout=30 * SECOND
    )
    expect(monitor).to_contain_text("Last updated")
    _shot(page, "4-monitor-log")
