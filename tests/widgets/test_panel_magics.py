"""%hpc_files, %hpc_monitor and %hpc_submit_form open the panels; errors are one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.api import HPC
from hpc_jupyter.client import set_default_client
from hpc_jupyter.widgets import FileBrowser, JobMonitor, SubmitForm, tracking
from tests.helpers import run


@pytest.fixture
def ip(hpc: HPC) -> Iterator[Any]:
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")  # a fresh HPCMagics for every test
    previous = set_default_client(hpc.client)
    yield shell
    set_default_client(previous)


async def test_hpc_files_opens_a_browser(ip: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "runs").mkdir()
    (jp_root_dir / "runs" / "a.txt").write_text("a")

    browser = await run(ip.run_line_magic, "hpc_files", '"runs"')

    assert isinstance(browser, FileBrowser)
    assert browser.path == "runs" and [e.name for e in browser.entries] == ["a.txt"]
    bundle = ip.display_formatter.format(browser)[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle


async def test_hpc_monitor_and_submit_form(ip: Any, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\necho from the form\n")

    monitor = await run(ip.run_line_magic, "hpc_monitor", "")
    form = await run(ip.run_line_magic, "hpc_submit_form", str(script))
    try:
        assert isinstance(monitor, JobMonitor) and monitor.picker.all and monitor.live
        assert isinstance(form, SubmitForm)
        assert form.script.value == "#!/bin/bash\necho from the form\n"

        # a job submitted with %%hpc_submit belongs to this notebook: the monitor announces it
        handle = await run(ip.run_cell_magic, "hpc_submit", "--name magic", "#!/bin/bash\ntrue")
        assert tracking.is_tracked("local", handle.id)
    finally:
        await run(monitor.close)


async def test_panel_magics_report_errors_in_one_line(
    ip: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # a directory that is not there: the browser opens, saying so, so the user can go on
    browser = await run(ip.run_line_magic, "hpc_files", "no/such/dir")
    assert browser.status.errors[-1].startswith("Listing failed: ")
    assert "no/such/dir" in browser.status.errors[-1]
    # nothing to show: one line
    assert await run(ip.run_line_magic, "hpc_submit_form", "missing.sh") is None
    assert await run(ip.run_line_magic, "hpc_monitor", "-s cluster") is None
    assert await run(ip.run_line_magic, "hpc_files", "-f mars") is None
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "hpc-jupyter: No local script 'missing.sh'."
    assert err[1] == "hpc-jupyter: --system needs --facility."
    assert err[2].startswith("hpc-jupyter: ") and "mars" in err[2]
    assert len(err) == 3
