"""Where jobs came from, in the Lab panel, in a real browser against a real JupyterLab.

Two jobs submitted from two notebooks (as their kernels would: with an origin): the panel's
"This notebook" filter shows the job of the notebook in the current tab, a job's details say
"Submitted from <notebook> (cell ...)" and the link opens that notebook (the filter then
follows it), and "Resubmit..." opens the submit dialog with the recorded script and options;
the edited script and time go to the facility, with the panel as origin and the old job as
`resubmit_of`. Screenshots go to artifacts/browser/provenance-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser.lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    RunningLab,
    jupyter_lab,
    open_browser,
    open_panel,
    require_browser,
    screenshot,
)

ROOT = Path(__file__).resolve().parent.parent.parent
LABEXTENSION = ROOT / "hpc_jupyter" / "labextension" / "package.json"
JOBS = ("facilities", "local", "jobs")
SCRIPT = "#!/bin/bash\n#SBATCH --job-name=from-{name}\necho from {name}\n"

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[RunningLab]:
    """JupyterLab with the local facility and two notebooks, one in a folder."""
    require_browser()
    if not LABEXTENSION.exists():
        pytest.fail("The labextension is not built: run `make labextension` (or make install).")
    root = tmp_path / "root"
    (root / "runs").mkdir(parents=True)
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for path in (root / "alpha.ipynb", root / "runs" / "beta.ipynb"):
        nbformat.write(nbformat.v4.new_notebook(metadata={"kernelspec": kernel}), path)
    hpc_config = {
        "data_dir": str(tmp_path / "hpc-data"),
        "facilities": {"local": {"kind": "local"}},
    }
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield running


def submit(lab: RunningLab, name: str, notebook: str, cell: str) -> str:
    """Submit as a notebook's kernel does; the new job's id."""
    body = {
        "script": SCRIPT.format(name=name),
        "time_limit": 300,
        "env": {"WHO": name},
        "origin": {"via": "magic", "notebook": notebook, "cell": cell},
    }
    response = lab.api("POST", *JOBS, json=body)
    assert response.status_code == 201, response.text
    job_id: str = response.json()["id"]
    return job_id


def test_the_panel_filters_by_notebook_and_resubmits(lab: RunningLab) -> None:
    from playwright.sync_api import sync_playwright

    alpha = submit(lab, "alpha", "alpha.ipynb", "cell-alpha-1")
    beta = submit(lab, "beta", "runs/beta.ipynb", "cell-beta-7")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            again = _drive(page, lab, alpha, beta)
        except BaseException:
            screenshot(page, "provenance-failure")
            raise
        finally:
            browser.close()

    # Then the resubmission went to the facility with the edits, the rest as recorded
    submission = lab.api("GET", *JOBS, again, "submission").json()
    request = submission["request"]
    assert request["script"] == SCRIPT.format(name="beta") + "echo edited\n"
    assert request["time_limit"] == 7 * 60
    assert request["env"] == {"WHO": "beta"}
    assert request["origin"] == {
        "via": "panel",
        "notebook": None,
        "cell": None,
        "resubmit_of": beta,
    }


def _drive(page: Any, lab: RunningLab, alpha: str, beta: str) -> str:
    from playwright.sync_api import expect

    # Given Lab with alpha.ipynb in the current tab, and the HPC panel
    page.goto(f"{lab.url}lab/tree/alpha.ipynb?token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel", timeout=60 * SECOND)
    panel = open_panel(page)
    jobs = panel.locator(".hpc-RemoteJobs")
    row_alpha = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{alpha}']")
    row_beta = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{beta}']")
    expect(row_alpha).to_be_visible(timeout=30 * SECOND)
    expect(row_beta).to_be_visible()

    # When "This notebook" is ticked, only alpha's job is left
    mine = jobs.locator("input.hpc-RemoteJobs-thisNotebook")
    expect(mine).to_be_enabled(timeout=30 * SECOND)
    mine.check()
    expect(row_beta).to_have_count(0)
    expect(row_alpha).to_be_visible()
    screenshot(page, "provenance-1-this-notebook")

    # Its details tell where it came from
    row_alpha.locator(".hpc-RemoteJobs-name").click()
    origin = row_alpha.locator("dd[data-field='origin']")
    expect(origin).to_have_text("alpha.ipynb (cell cell-alp)")

    # Unticked, every job is back; beta's details link to its notebook, which opens
    mine.uncheck()
    expect(row_beta).to_be_visible()
    row_beta.locator(".hpc-RemoteJobs-name").click()
    link = row_beta.locator("a.hpc-RemoteJobs-origin")
    expect(link).to_have_text("runs/beta.ipynb (cell cell-bet)")
    link.click()
    current = page.locator(".jp-mod-current.lm-TabBar-tab")
    expect(current.first).to_contain_text("beta.ipynb", timeout=30 * SECOND)
    # and "This notebook" now means beta
    mine.check()
    expect(row_alpha).to_have_count(0, timeout=30 * SECOND)
    expect(row_beta).to_be_visible()

    # Resubmit... opens the submit dialog with the recorded script and options
    row_beta.locator(".hpc-RemoteJobs-resubmit").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text(f"Resubmit job {beta}", timeout=30 * SECOND)
    script = dialog.locator("textarea[name='script']")
    expect(script).to_have_value(SCRIPT.format(name="beta"))
    expect(dialog.locator("input[name='name']")).to_have_value("from-beta")
    expect(dialog.locator("input[name='time']")).to_have_value("00:05:00")
    script.fill(SCRIPT.format(name="beta") + "echo edited\n")
    dialog.locator("input[name='time']").fill("7")
    screenshot(page, "provenance-2-resubmit")
    dialog.locator(".jp-mod-accept").click()
    toast = page.locator(".Toastify__toast", has_text=re.compile(r"as job \S+ on local"))
    expect(toast.first).to_be_visible(timeout=30 * SECOND)
    found = re.search(r"as job (\S+) on local", toast.first.inner_text())
    assert found is not None
    again = found.group(1)
    assert again not in (alpha, beta)
    return again


def test_a_notebook_renamed_in_lab_keeps_its_jobs(lab: RunningLab) -> None:
    from playwright.sync_api import expect

    alpha = submit(lab, "alpha", "alpha.ipynb", "cell-alpha-1")
    beta = submit(lab, "beta", "runs/beta.ipynb", "cell-beta-7")
    with open_browser() as browser:
        page = browser.page
        try:
            # Given alpha.ipynb in the current tab and "This notebook" showing its job
            page.goto(f"{lab.url}lab/tree/alpha.ipynb?token={lab.token}")
            page.wait_for_selector(".jp-NotebookPanel", timeout=60 * SECOND)
            jobs = open_panel(page).locator(".hpc-RemoteJobs")
            row_alpha = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{alpha}']")
            row_beta = jobs.locator(f".hpc-RemoteJobs-item[data-job-id='{beta}']")
            expect(row_alpha).to_be_visible(timeout=30 * SECOND)
            mine = jobs.locator("input.hpc-RemoteJobs-thisNotebook")
            expect(mine).to_be_enabled(timeout=30 * SECOND)
            mine.check()
            expect(row_beta).to_have_count(0)

            # When the notebook is renamed in Lab (File > Rename Notebook...)
            page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
            page.locator(".lm-Menu-itemLabel", has_text="Rename Notebook").click()
            dialog = page.locator(".jp-Dialog")
            dialog.locator("input").fill("fit run 1.ipynb")
            dialog.locator(".jp-mod-accept").click()
            current = page.locator(".jp-mod-current.lm-TabBar-tab")
            expect(current.first).to_contain_text("fit run 1.ipynb", timeout=30 * SECOND)

            # Then its job is still "this notebook's", and says where it came from by the new name
            expect(row_alpha).to_be_visible()
            expect(row_beta).to_have_count(0)
            row_alpha.locator(".hpc-RemoteJobs-name").click()
            origin = row_alpha.locator("dd[data-field='origin']")
            expect(origin).to_have_text("fit run 1.ipynb (cell cell-alp)", timeout=30 * SECOND)
            screenshot(page, "provenance-3-renamed")
        except BaseException:
            screenshot(page, "provenance-rename-failure")
            raise

    # and the server's record of it names it so
    submission = lab.api("GET", *JOBS, alpha, "submission").json()
    assert submission["request"]["origin"]["notebook"] == "fit run 1.ipynb"
