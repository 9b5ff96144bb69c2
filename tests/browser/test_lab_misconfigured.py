"""A misconfigured facility, seen from the Lab side panel in a real browser.

A server configured with a mistake (`max_running: 0`) next to a good local facility: the
panel starts on the good one, which lists its files and shows a job submitted meanwhile.
The bad one is in the facility picker; choosing it shows what is wrong, naming the key, and
that the server's configuration must change (no "Check again", no files or jobs sections,
no call to its routes); choosing the good one again, it works as before.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py).
Screenshots go to artifacts/browser/misconfigured-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab_server import (
    SECOND,
    Browser,
    RunningLab,
    jupyter_lab,
    open_browser,
    screenshot,
)

pytestmark = pytest.mark.browser

BAD, GOOD = "cluster", "local"


@pytest.fixture
def browser() -> Iterator[Browser]:
    with open_browser() as opened:
        yield opened


@pytest.fixture
def lab(tmp_path: Path, browser: Browser) -> Iterator[RunningLab]:
    """JupyterLab with a misconfigured facility listed first, and a good local one."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "notes.txt").write_text("hello\n")
    facilities = {BAD: {"kind": "local", "max_running": 0}, GOOD: {"kind": "local"}}
    hpc_config = {"data_dir": str(tmp_path / "hpc-data"), "facilities": facilities}
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield running


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"misconfigured-{name}")


def test_a_misconfigured_facility_says_which_key_and_the_good_one_works(
    lab: RunningLab, browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = browser.page
    listed = lab.api("GET", "facilities").json()["facilities"]
    message = next(f for f in listed if f["name"] == BAD)["auth"]["message"]
    assert "key 'max_running'" in message
    try:
        panel = browser.open_lab(lab)
        picker = panel.locator(".hpc-Panel-facility")
        auth = panel.locator(".hpc-Panel-auth")
        files = panel.locator(".hpc-RemoteFiles")
        jobs = panel.locator(".hpc-RemoteJobs")

        # Given the panel open: the picker says which facility is misconfigured, and the
        # panel starts on the good facility, though the bad one is first
        expect(picker.locator("option")).to_have_text(
            [f"{BAD} (local, misconfigured)", f"{GOOD} (local)"]
        )
        expect(picker).to_have_value(GOOD, timeout=30 * SECOND)
        expect(auth).to_have_attribute("data-status", "none")
        expect(files.locator(".hpc-RemoteFiles-item[data-name='notes.txt']")).to_be_visible(
            timeout=30 * SECOND
        )
        # and a job submitted to it (as from a notebook) shows in its jobs section
        script = "#!/bin/bash\n#SBATCH --job-name=fine\necho fine\n"
        submitted = lab.api("POST", "facilities", GOOD, "jobs", json={"script": script})
        assert submitted.status_code == 201, submitted.text
        job_id = submitted.json()["id"]
        row = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")
        expect(row).to_have_attribute("data-state", "COMPLETED", timeout=60 * SECOND)
        _shot(page, "1-good-facility")

        # When the user chooses the misconfigured facility
        picker.select_option(BAD)

        # Then the panel shows what is wrong, naming the key, and nothing to click or list
        expect(auth).to_have_attribute("data-status", "misconfigured")
        expect(panel.locator(".hpc-Panel-authText")).to_have_text(message)
        expect(panel.locator(".hpc-Panel-recheck")).to_be_hidden()
        expect(files).to_be_hidden()
        expect(jobs).to_be_hidden()
        _shot(page, "2-misconfigured-facility")

        # When the user chooses the good facility again, it works as before
        picker.select_option(GOOD)
        expect(auth).to_have_attribute("data-status", "none")
        expect(files.locator(".hpc-RemoteFiles-item[data-name='notes.txt']")).to_be_visible(
            timeout=30 * SECOND
        )
        expect(row).to_have_attribute("data-state", "COMPLETED", timeout=30 * SECOND)
    except BaseException:
        _shot(page, "failure")
        raise

    # and the panel never called a route of the misconfigured facility
    bad_calls = [url for url, _ in browser.responses if f"/hpc/api/facilities/{BAD}/" in url]
    assert bad_calls == []
    server_errors = [(url, status) for url, status in browser.responses if status >= 500]
    assert server_errors == []
