"""A facility outage, seen from the Lab side panel in a real browser: never shown as "no jobs".

A FirecREST facility (the v2 double of tests/firecrest, served from a thread) lists a running
job, then goes down: the jobs section keeps the row, dimmed, under a warning that says since
when the listing fails, why, and how old the rows are (the server's stale listing); when the
facility is back the warning goes and the job's new state shows. A facility that is down
from the start shows its error, never "No jobs", until it is back and the user checks again;
so does one the server knows but never listed before it went down, at every refresh (where
the server once answered an empty listing as a fresh one). No response the browser gets
holds the facility's client secret.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py).
Screenshots go to artifacts/browser/outage-*.png.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.firecrest_thread import CLIENT_SECRET, ThreadedFirecrest
from tests.browser.lab_server import (
    SECOND,
    Browser,
    RunningLab,
    has_class,
    jupyter_lab,
    open_browser,
    screenshot,
    wait_for,
)

pytestmark = pytest.mark.browser

FACILITY = "alps"
UNREACHABLE = f"FirecREST ({FACILITY}) cannot be reached."
"""What the server says of the facility while its double is down."""
NO_TOKEN = f"The token service of facility '{FACILITY}' cannot be reached."
"""What it says when it never got a token: the token service is the double too."""
JOBS = f"/hpc/api/facilities/{FACILITY}/jobs"
"""The route the panel lists the facility's jobs with."""
UPDATED = re.compile(r"^Updated \d{2}:\d{2}:\d{2}$")
"""The jobs section's line over a current listing (en-GB, today)."""


@pytest.fixture
def double(tmp_path: Path) -> Iterator[ThreadedFirecrest]:
    """The FirecREST double, up; fails the test on a request off FirecREST's spec."""
    served = ThreadedFirecrest(tmp_path / "remote")
    try:
        yield served
    finally:
        served.close()


def start_lab(tmp_path: Path, double: ThreadedFirecrest) -> AbstractContextManager[RunningLab]:
    """JupyterLab with one FirecREST facility on the double, listed every second."""
    root = tmp_path / "root"
    root.mkdir()
    facility = double.facility(timeout=5, poll_interval=1.0)
    return jupyter_lab(
        tmp_path, root, {"data_dir": str(tmp_path / "hpc-data"), "facilities": {FACILITY: facility}}
    )


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"outage-{name}")


def clock(seconds: float, now: datetime.datetime) -> str:
    """A time as the panel shows it (clockTime in en-GB, UTC): with its date if not today."""
    when = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    if when.date() == now.date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%d/%m/%Y, %H:%M:%S")


@pytest.fixture
def browser() -> Iterator[Browser]:
    with open_browser() as opened:
        yield opened


def test_an_outage_keeps_the_jobs_under_a_stale_warning_until_the_facility_is_back(
    tmp_path: Path, double: ThreadedFirecrest, browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = browser.page
    # Given a running job at a facility that answers
    job_id = double.add_job("sim")
    before = time.time()
    with start_lab(tmp_path, double) as lab:
        try:
            panel = browser.open_lab(lab)
            status = panel.locator(".hpc-RemoteJobs-status")
            jobs = panel.locator(".hpc-RemoteJobs-list")
            row = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")
            empty = jobs.locator(".hpc-RemoteJobs-empty")

            # The panel lists it, as current
            expect(row).to_have_attribute("data-state", "RUNNING", timeout=30 * SECOND)
            expect(status).to_have_text(UPDATED, timeout=30 * SECOND)
            expect(panel.locator(".hpc-Panel-auth")).to_have_attribute("data-status", "ok")
            _shot(page, "1-up")

            # When the facility goes down (and the job ends there meanwhile)
            down_at = time.time()
            double.down()
            double.call(lambda: double.fake.finish_job(job_id))

            # Then the jobs section warns that the listing is stale: as of when, failing since
            # when, and why; the row stays as it was last listed, and "No jobs" is never said
            # (the panel hears of an outage from its fallback poll: no event tells of one)
            expect(status).to_have_class(has_class("hpc-mod-warning"), timeout=60 * SECOND)
            stale = lab.api("GET", "facilities", FACILITY, "jobs").json()["stale"]
            assert before <= stale["listed_at"] <= down_at <= stale["failed_at"] <= time.time()
            now = datetime.datetime.now(datetime.timezone.utc)
            expect(status).to_have_text(
                f"Showing jobs as of {clock(stale['listed_at'], now)}: listing them again "
                f"has failed since {clock(stale['failed_at'], now)}: {UNREACHABLE}"
            )
            expect(status).to_be_visible()
            expect(row).to_have_attribute("data-state", "RUNNING")
            expect(row).to_be_visible()
            expect(jobs).to_have_class(has_class("hpc-mod-stale"))
            expect(empty).to_have_count(0)
            _shot(page, "2-stale")

            # and it stays so while the panel lists the jobs again
            seen = len(browser.statuses(JOBS))
            wait_for(page, lambda: len(browser.statuses(JOBS)) >= seen + 2, 30, "two more listings")
            # stale listings (the same one again: 304), not errors
            assert set(browser.statuses(JOBS)[seen:]) <= {200, 304}
            expect(status).to_have_class(has_class("hpc-mod-warning"))
            expect(row).to_have_attribute("data-state", "RUNNING")
            expect(empty).to_have_count(0)

            # When the facility is back
            double.up()

            # Then the listing is current again: no warning, the job as it is now
            expect(row).to_have_attribute("data-state", "COMPLETED", timeout=30 * SECOND)
            expect(status).to_have_text(UPDATED, timeout=30 * SECOND)
            expect(status).not_to_have_class(has_class("hpc-mod-warning"))
            expect(jobs).not_to_have_class(has_class("hpc-mod-stale"))
            _shot(page, "3-back")
        except BaseException:
            _shot(page, "failure")
            raise

    assert browser.bodies
    assert browser.seen(CLIENT_SECRET) == [], "the client secret reached the browser"


def test_a_facility_down_from_the_start_shows_its_error_never_no_jobs(
    tmp_path: Path, double: ThreadedFirecrest, browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = browser.page
    # Given a facility with a running job, down before the Lab starts
    job_id = double.add_job("sim")
    double.down()
    with start_lab(tmp_path, double) as lab:
        try:
            panel = browser.open_lab(lab)
            auth = panel.locator(".hpc-Panel-auth")
            status = panel.locator(".hpc-RemoteJobs-status")
            jobs = panel.locator(".hpc-RemoteJobs-list")

            # Then the panel says the facility cannot be used now, and why
            expect(auth).to_have_attribute("data-status", "error", timeout=30 * SECOND)
            expect(panel.locator(".hpc-Panel-authText")).to_have_text(
                f"Cannot use this facility now: {NO_TOKEN}"
            )
            expect(panel.locator(".hpc-Panel-recheck")).to_be_visible()
            # and the jobs section shows the error, with no rows and never "No jobs"
            expect(status).to_have_text(f"Could not list jobs: {NO_TOKEN}", timeout=30 * SECOND)
            expect(status).to_have_class(has_class("hpc-mod-error"))
            wait_for(page, lambda: len(browser.statuses(JOBS)) >= 2, 60, "a second listing")
            assert set(browser.statuses(JOBS)) == {502}, browser.answers(JOBS)
            expect(status).to_have_text(f"Could not list jobs: {NO_TOKEN}")
            expect(jobs.locator("li")).to_have_count(0)
            expect(panel).not_to_contain_text("No jobs")
            _shot(page, "4-down-from-the-start")

            # When the facility is up again (the user does not click "Check again")
            double.up()

            # Then the panel notices by itself at its next listing: logged in, job current
            expect(auth).to_have_attribute("data-status", "ok", timeout=30 * SECOND)
            expect(panel.locator(".hpc-Panel-recheck")).to_be_hidden()
            row = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")
            expect(row).to_have_attribute("data-state", "RUNNING", timeout=30 * SECOND)
            expect(status).to_have_text(UPDATED, timeout=30 * SECOND)
            expect(status).not_to_have_class(has_class("hpc-mod-error"))
            _shot(page, "5-up-after-check")
        except BaseException:
            _shot(page, "failure")
            raise

    assert browser.seen(CLIENT_SECRET) == [], "the client secret reached the browser"


def test_a_facility_never_listed_before_its_outage_shows_the_error_at_every_refresh(
    tmp_path: Path, double: ThreadedFirecrest, browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = browser.page
    double.add_job("sim")
    with start_lab(tmp_path, double) as lab:
        # Given a facility the server knows (a client asked for its systems and was given a
        # token) but whose jobs were never listed, and which then goes down
        described = lab.api("GET", "facilities", FACILITY)
        assert described.json()["auth"]["status"] == "ok", described.text
        double.down()
        try:
            # When the user opens the panel and asks for the jobs again and again
            panel = browser.open_lab(lab)
            status = panel.locator(".hpc-RemoteJobs-status")
            jobs = panel.locator(".hpc-RemoteJobs-list")
            expect(status).to_have_text(f"Could not list jobs: {UNREACHABLE}", timeout=30 * SECOND)
            refresh = panel.locator(".hpc-RemoteJobs-refresh")
            for _ in range(6):
                with page.expect_response(lambda response: JOBS in response.url):
                    refresh.click()

                # Then every answer is the error, shown as such: no rows, never "No jobs"
                expect(status).to_have_text(f"Could not list jobs: {UNREACHABLE}")
                expect(status).to_have_class(has_class("hpc-mod-error"))
                expect(jobs.locator("li")).to_have_count(0)
            assert len(browser.statuses(JOBS)) >= 7
            assert set(browser.statuses(JOBS)) == {502}, browser.answers(JOBS)
            expect(panel).not_to_contain_text("No jobs")
            _shot(page, "6-never-listed")
        except BaseException:
            _shot(page, "failure")
            raise
