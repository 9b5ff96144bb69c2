"""Submit with foresight, and a facility's status, in a real browser against a real JupyterLab.

The submit dialog on a facility with `status` (here `local`: its machine's health and its
queue) shows what the request would cost in node hours as the time limit changes, and the
facility's warning for a partition it does not have (`unknown_partition`), in its own words;
the job is still submitted. The panel's "Facility status" tab shows the parts the facility
reports (systems, partitions) and says "not reported" for the ones it cannot give (notices,
allocations), never an empty table. A finished job's details say how it went (its
efficiency, where the facility declares `jobs.efficiency`), a timeout marked as such.

Written to be extended to other facilities (a FirecREST double with a maintenance ahead, an
IRI double with allocations): `facility_lab` starts Lab on any facility configuration, and
the `SubmitDialog` page object reads the estimate and the warnings by their code.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py for the
launch rules). Screenshots go to artifacts/browser/foresight-*.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.browser.lab_server import (
    SECOND,
    Browser,
    RunningLab,
    jupyter_lab,
    open_browser,
    open_panel,
    screenshot,
)
from tests.firecrest.fake_firecrest import reservation

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
LABEXTENSION = ROOT / "hpc_jupyter" / "labextension" / "package.json"

SCRIPT = """#!/bin/bash
#SBATCH --job-name=foresight
#SBATCH --nodes=1
#SBATCH --time=02:00:00
echo "Hello from foresight"
"""

QUICK = """#!/bin/bash
#SBATCH --job-name=quick
#SBATCH --time=00:05:00
echo "Hello from quick"
"""

LATE = """#!/bin/bash
#SBATCH --job-name=late
#SBATCH --time=00:03
sleep 60
"""


def facility_lab(
    tmp_path: Path, facilities: Mapping[str, Any], files: Mapping[str, str]
) -> AbstractContextManager[RunningLab]:
    """JupyterLab with hpc-jupyter's `facilities`, its root holding `files` (name: text)."""
    if not LABEXTENSION.exists():
        pytest.fail("The labextension is not built: run `make labextension` (or make install).")
    root = tmp_path / "root"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    config = {"data_dir": str(tmp_path / "hpc-data"), "facilities": dict(facilities)}
    return jupyter_lab(tmp_path, root, config)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with open_browser() as opened:
        yield opened


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"foresight-{name}")


class SubmitDialog:
    """The "Submit to HPC facility…" dialog of a script, opened from Lab's file browser."""

    def __init__(self, page: Any, script: str) -> None:
        from playwright.sync_api import expect

        self.page, self.script = page, script
        if not page.locator("#filebrowser").is_visible():  # a click on its open tab closes it
            page.locator(".jp-SideBar .lm-TabBar-tab[title^='File Browser']").click()
        item = page.locator(".jp-DirListing-item", has_text=script)
        expect(item).to_be_visible(timeout=30 * SECOND)
        item.click()
        item.click(button="right")
        page.locator(".lm-Menu-itemLabel", has_text="Submit to HPC facility…").click()
        self.dialog = page.locator(".jp-Dialog")
        expect(self.dialog.locator(".hpc-SubmitForm")).to_be_visible(timeout=30 * SECOND)
        self.check = self.dialog.locator(".hpc-SubmitCheck")

    def field(self, name: str) -> Any:
        return self.dialog.locator(f"input[name='{name}']")

    def choose_facility(self, name: str) -> None:
        self.dialog.locator("select[name='facility']").select_option(name)

    def type_partition(self, name: str) -> None:
        """A partition by name, through the choice list's "Other…" when there is one."""
        choice = self.dialog.locator("select[name='partition-choice']")
        if choice.is_visible():
            choice.select_option(label="Other…")
        self.field("partition").fill(name)

    def set_time(self, text: str) -> None:
        self.field("time").fill(text)

    def expect_estimate(self, text: str | re.Pattern[str]) -> None:
        """The estimate line, once the (debounced) check of the request has answered."""
        from playwright.sync_api import expect

        expect(self.check).to_have_attribute("data-state", "checked", timeout=30 * SECOND)
        expect(self.check.locator(".hpc-SubmitCheck-estimate")).to_have_text(
            text, timeout=30 * SECOND
        )

    def warning(self, code: str) -> Any:
        """The warning with `code` (e.g. unknown_partition, maintenance_ahead)."""
        return self.check.locator(f".hpc-SubmitCheck-warning[data-code='{code}']")

    def submit(self) -> str:
        """Press Submit; the new job's id, from the notification."""
        from playwright.sync_api import expect

        self.dialog.locator(".jp-mod-accept").click()
        submitted = re.compile(rf"Submitted {re.escape(self.script)} as job")
        toast = self.page.locator(".Toastify__toast", has_text=submitted)
        expect(toast.first).to_be_visible(timeout=30 * SECOND)
        found = re.search(r"as job (\S+) on", toast.first.inner_text())
        assert found, toast.first.inner_text()
        return found.group(1)


def test_the_submit_dialog_estimates_warns_and_still_submits(
    tmp_path: Path, browser: Browser
) -> None:
    from playwright.sync_api import expect

    with facility_lab(tmp_path, {"local": {"kind": "local"}}, {"big.sh": SCRIPT}) as lab:
        page = browser.page
        try:
            browser.open_lab(lab)
            # Given the dialog of a script asking for 1 node for 2 hours, on `local`
            dialog = SubmitDialog(page, "big.sh")
            expect(dialog.dialog.locator("select[name='facility']")).to_have_value("local")
            # (local tells no allocations: the account stays a text field, no empty choice)
            expect(dialog.field("account")).to_be_visible()
            expect(
                dialog.dialog.locator(".hpc-SubmitForm-account .jp-select-wrapper")
            ).to_be_hidden()
            # Then it shows the estimate of the script's own request
            dialog.expect_estimate("Estimated use: 2 node hours.")
            # When the time limit changes, the estimate follows
            dialog.set_time("4:00:00")
            dialog.expect_estimate("Estimated use: 4 node hours.")
            # (none but this machine's own load, when the tests themselves keep it busy)
            expect(
                dialog.check.locator(".hpc-SubmitCheck-warning:not([data-code='system_degraded'])")
            ).to_have_count(0)
            # When the partition is one the facility does not have, it warns in its words
            dialog.type_partition("nosuch")
            unknown = dialog.warning("unknown_partition")
            expect(unknown).to_have_text(
                "This facility has no partition nosuch (it has: local).", timeout=30 * SECOND
            )
            dialog.expect_estimate("Estimated use: 4 node hours.")
            _shot(page, "1-warning")
            # Then the user can still submit
            job_id = dialog.submit()
            assert job_id
            # and the check asked the facility's status once, however often the request changed
            assert len(browser.statuses("/facilities/local/status")) == 1
            assert set(browser.statuses("/facilities/local/jobs/check")) == {200}
            assert 201 in browser.statuses("/facilities/local/jobs")
        except BaseException:
            _shot(page, "failure")
            raise


def test_the_status_tab_shows_what_the_facility_reports_and_what_it_does_not(
    tmp_path: Path, browser: Browser
) -> None:
    from playwright.sync_api import expect

    with facility_lab(tmp_path, {"local": {"kind": "local"}}, {}) as lab:
        page = browser.page
        try:
            panel = browser.open_lab(lab)
            # Given the panel on `local`, a facility with `status`
            expect(panel.locator("select.hpc-Panel-facility")).to_have_value(
                "local", timeout=30 * SECOND
            )
            # When the user opens its status
            panel.locator(".hpc-Panel-status").click()
            view = page.locator(".hpc-StatusView")
            expect(view).to_be_visible(timeout=30 * SECOND)
            part = lambda name: view.locator(f".hpc-StatusView-part[data-part='{name}']")  # noqa: E731
            # Then the parts it reports are tables, with where they came from
            expect(part("systems")).to_have_attribute("data-state", "reported", timeout=30 * SECOND)
            expect(part("systems").locator("td").first).to_have_text("localhost")
            expect(part("systems").locator(".hpc-Health")).to_have_text(
                re.compile("^(up|degraded|down|unknown)$")
            )
            expect(part("partitions").locator("td").first).to_have_text("local (default)")
            expect(part("partitions")).to_contain_text("From the local queue")
            # and the parts it cannot give say so, with no table
            for name in ("notices", "allocations"):
                expect(part(name)).to_have_attribute("data-state", "not-reported")
                expect(part(name).locator(".hpc-StatusView-missing")).to_have_text("not reported")
                expect(part(name).locator("table")).to_have_count(0)
            _shot(page, "2-status")
            # The panel still lists the facility
            open_panel(page)
        except BaseException:
            _shot(page, "failure")
            raise


def _job_row(page: Any, job_id: str, state: str) -> Any:
    """The panel's row of `job_id`, once it shows `state`, expanded to its details."""
    from playwright.sync_api import expect

    panel = open_panel(page)
    row = panel.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")
    expect(row).to_have_attribute("data-state", state, timeout=90 * SECOND)
    row.locator(".hpc-RemoteJobs-name").click()
    return row


def test_a_finished_job_says_how_it_went(tmp_path: Path, browser: Browser) -> None:
    from playwright.sync_api import expect

    files = {"quick.sh": QUICK, "late.sh": LATE}
    with facility_lab(tmp_path, {"local": {"kind": "local"}}, files) as lab:
        capabilities = lab.api("GET", "facilities", "local").json()["capabilities"]
        if "jobs.efficiency" not in capabilities:
            pytest.skip("the local facility declares no jobs.efficiency on this branch")
        page = browser.page
        try:
            browser.open_lab(lab)
            # Given a job that completes and one that runs out of time
            quick = SubmitDialog(page, "quick.sh").submit()
            late = SubmitDialog(page, "late.sh").submit()
            # When the completed one's details open, they say how it went, in words and figures
            row = _job_row(page, quick, "COMPLETED")
            went = row.locator(".hpc-Efficiency")
            expect(went).to_have_attribute("data-state", "loaded", timeout=30 * SECOND)
            expect(went).to_have_attribute("data-outcome", "completed")
            expect(went.locator(".hpc-Efficiency-summary")).not_to_be_empty()
            expect(went.locator(".hpc-Efficiency-mark")).to_have_count(0)
            expect(went.locator("dd[data-field='time']")).to_have_text(
                re.compile(r"^\d+s of 5m 00s limit \(<?\d+%\)$")
            )
            _shot(page, "3-completed-efficiency")
            # and the one out of time is marked so, its run time against its limit
            row = _job_row(page, late, "TIMEOUT")
            went = row.locator(".hpc-Efficiency")
            expect(went).to_have_attribute("data-outcome", "timeout", timeout=30 * SECOND)
            expect(went.locator(".hpc-Efficiency-mark")).to_have_text("Out of time")
            expect(went.locator("dd[data-field='time']")).to_have_class(
                re.compile(r"\bhpc-mod-marked\b")
            )
            _shot(page, "4-timeout-efficiency")
            # (asked once per job, not at every redraw of the list)
            assert len(browser.statuses(f"/facilities/local/jobs/{late}")) == 1
        except BaseException:
            _shot(page, "failure")
            raise


def test_a_maintenance_ahead_is_notified_and_warned_before_a_long_job(
    tmp_path: Path, browser: Browser
) -> None:
    from playwright.sync_api import expect

    # Given a FirecREST facility where the user has a running job, with a maintenance
    # starting in an hour (a Slurm reservation named for it, as FirecREST reports them)
    double = ThreadedFirecrest(tmp_path / "remote")
    try:
        now = time.time()
        maint = reservation("maint_os_upgrade", now + 3600, now + 3 * 3600)
        double.call(lambda: double.fake.set_status(reservations=[maint]))
        double.add_job("running-there")
        facility = double.facility(timeout=5, poll_interval=1.0)
        with facility_lab(tmp_path, {"alps": facility}, {"big.sh": SCRIPT}) as lab:
            page = browser.page
            try:
                browser.open_lab(lab)
                # Then Lab tells of the maintenance, once, with a way to the status
                told = page.locator(".Toastify__toast", has_text="maint_os_upgrade")
                expect(told.first).to_be_visible(timeout=60 * SECOND)
                expect(told).to_have_count(1)
                expect(told.first.get_by_role("button", name="Show status")).to_be_visible()
                _shot(page, "4-maintenance-told")
                # When the user opens the submit dialog of a 2-hour script there
                dialog = SubmitDialog(page, "big.sh")
                expect(dialog.dialog.locator("select[name='facility']")).to_have_value("alps")
                dialog.expect_estimate(re.compile("2 node hours"))
                # Then it warns that the maintenance starts before the job could end
                ahead = dialog.warning("maintenance_ahead")
                expect(ahead).to_contain_text("maint_os_upgrade", timeout=30 * SECOND)
                # and not for a job that ends before it starts
                dialog.set_time("0:30:00")
                dialog.expect_estimate(re.compile("0.5 node hours"))
                expect(ahead).to_have_count(0, timeout=30 * SECOND)
                _shot(page, "5-maintenance-warned")
            except BaseException:
                _shot(page, "failure")
                raise
    finally:
        double.close()
