"""Chains in the Lab panel, in a real browser against a real JupyterLab and the local facility.

A job that waits for a running one says so in its details ("Dependency: Waits for 12
(afterok)", "Pending reason: Waiting for job 12"); a job whose dependency failed says which job
ended how, and that it will never start. When the running job is cancelled, the job that waited
for it says so too, without a reload. Screenshots go to artifacts/browser/chains-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    RunningLab,
    jupyter_lab,
    open_panel,
    require_browser,
    screenshot,
)

ROOT = Path(__file__).resolve().parent.parent.parent
LABEXTENSION = ROOT / "hpc_jupyter" / "labextension" / "package.json"
JOBS = ("facilities", "local", "jobs")

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[RunningLab]:
    """JupyterLab with the local facility."""
    require_browser()
    if not LABEXTENSION.exists():
        pytest.fail("The labextension is not built: run `make labextension` (or make install).")
    root = tmp_path / "root"
    root.mkdir()
    hpc_config = {
        "data_dir": str(tmp_path / "hpc-data"),
        "facilities": {"local": {"kind": "local"}},
    }
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield running


def submit(lab: RunningLab, name: str, body: str, after: list[str] | None = None) -> str:
    """Submit a job (waiting `afterok` for `after`); its id."""
    request: dict[str, Any] = {
        "script": f"#!/bin/bash\n#SBATCH --job-name={name}\n{body}\n",
        "time_limit": 600,
    }
    if after:
        request |= {"depends_on": after, "dependency": "afterok"}
    response = lab.api("POST", *JOBS, json=request)
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    return job_id


def state(lab: RunningLab, job_id: str) -> str:
    found: str = lab.api("GET", *JOBS, job_id).json()["state"]
    return found


def test_the_panel_shows_what_a_job_waits_for_and_a_dependency_that_failed(
    lab: RunningLab,
) -> None:
    from playwright.sync_api import sync_playwright

    # Given a running job and one that waits for it, and a failed job and one that waited for it
    first = submit(lab, "first", "sleep 600")
    second = submit(lab, "second", "echo second", after=[first])
    broken = submit(lab, "broken", "exit 3")
    stuck = submit(lab, "stuck", "echo never", after=[broken])
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                _drive(page, lab, first, second, broken, stuck)
            except BaseException:
                screenshot(page, "chains-failure")
                raise
            finally:
                browser.close()
    finally:
        for job_id in (first, second, stuck):
            lab.api("DELETE", *JOBS, job_id)

    # and the job that waited never ran: cancelled by the test, never started by the facility
    assert state(lab, stuck) == "CANCELLED"
    assert lab.api("GET", *JOBS, stuck).json()["start_time"] is None


def _drive(page: Any, lab: RunningLab, first: str, second: str, broken: str, stuck: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{lab.url}lab?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
    panel = open_panel(page)
    jobs = panel.locator(".hpc-RemoteJobs")

    def row(job_id: str) -> Any:
        return jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")

    def field(job_id: str, name: str) -> Any:
        return row(job_id).locator(f"dd[data-field='{name}']")

    expect(row(first)).to_have_attribute("data-state", "RUNNING", timeout=30 * SECOND)
    expect(row(broken)).to_have_attribute("data-state", "FAILED", timeout=30 * SECOND)

    # When the user opens the waiting job's details
    row(second).locator(".hpc-RemoteJobs-name").click()

    # Then they say what it waits for, and why it is pending
    expect(row(second)).to_have_attribute("data-state", "PENDING")
    expect(field(second, "dependency")).to_have_text(f"Waits for {first} (afterok)")
    expect(field(second, "reason")).to_have_text(f"Waiting for job {first}")

    # and the job whose dependency failed says which job ended how, and that it never starts
    row(stuck).locator(".hpc-RemoteJobs-name").click()
    expect(field(stuck, "reason")).to_have_text(
        f"Its dependency can no longer be met: job {broken} ended FAILED", timeout=30 * SECOND
    )
    expect(field(stuck, "dependency")).to_have_text(f"Waits for {broken} (afterok)")
    screenshot(page, "chains-1-waiting-and-never")

    # When the running job is cancelled, the job that waited for it says so at the next listing
    assert lab.api("DELETE", *JOBS, first).status_code in (200, 202, 204)
    expect(row(first)).to_have_attribute("data-state", "CANCELLED", timeout=30 * SECOND)
    expect(field(second, "reason")).to_have_text(
        f"Its dependency can no longer be met: job {first} ended CANCELLED", timeout=30 * SECOND
    )
    screenshot(page, "chains-2-cancelled")
