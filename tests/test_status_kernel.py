"""%hpc_status, hpc.status(), hpc.check() and the submit form's warnings in a real kernel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel

pytestmark = pytest.mark.kernel

CELLS = [
    "%load_ext hpc_jupyter",
    "%hpc_status",
    "import hpc_jupyter\nhpc = hpc_jupyter.connect('local')\nhpc.status(refresh=True)",
    "hpc.check('#!/bin/bash\\n#SBATCH --time=90\\nsleep 1\\n', partition='nope')",
    "from hpc_jupyter.widgets import SubmitForm\n"
    "form = SubmitForm(hpc=hpc, check_delay=60)\n"
    "form.partition.value = 'nope'\n"
    "form.time_limit.value = '2:00:00'\n"
    "print('check:', form.foresight.check_now().node_hours, form.foresight.warnings[0])",
    "%hpc_status nowhere",
]


def _data(cell: Any, kind: str) -> str:
    return "".join(o.get("data", {}).get(kind, "") for o in cell.outputs)


async def test_status_and_checks_in_a_server_kernel(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # When a notebook asks for the local facility's status and checks a request
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "status.ipynb")
    _, magic, api, check, form, unknown = notebook.cells

    # Then %hpc_status shows the machine's health, its partition, and the parts it cannot tell
    plain = _data(magic, "text/plain")
    assert plain.startswith("Status of local (system localhost), as of "), plain
    assert "Systems:" in plain and "memory available" in plain
    assert "Partitions:" in plain and "local*" in plain and "unlimited" in plain
    assert "Incidents and maintenance: not reported by this facility." in plain
    assert "Allocations: not reported by this facility." in plain
    assert "hpc-systems" in _data(magic, "text/html")

    # hpc.status() shows the same as HTML: a table per part, why the others are absent
    page = _data(api, "text/html")
    assert page.startswith('<div class="hpc-jupyter hpc-status">'), page
    assert 'class="hpc-jupyter hpc-partitions"' in page
    assert "<i>not reported by this facility</i>" in page

    # hpc.check() reads the #SBATCH time and warns of the unknown partition (and of a busy
    # machine, when the machine running the tests is: its health is the local facility's)
    said = _data(check, "text/plain").splitlines()
    assert said[0] == "Estimate: 1.5 node hours (nodes times time limit).", said
    assert said[1] == "⚠ This facility has no partition nope (it has: local). [unknown_partition]"
    assert 'data-code="unknown_partition"' in _data(check, "text/html")

    # the submit form's check in the kernel warns of it too
    assert "check: 2.0 unknown_partition" in output_text(form)

    # and a facility the server does not have is one error line
    assert output_text(unknown).startswith("hpc-jupyter: "), output_text(unknown)
    assert "nowhere" in output_text(unknown)


EFFICIENCY_CELLS = [
    "%load_ext hpc_jupyter",
    "import hpc_jupyter\n"
    "hpc = hpc_jupyter.connect('local')\n"
    "job = hpc.submit('#!/bin/bash\\necho hi\\n', name='eff', time_limit=60)\n"
    "job.wait(timeout=60)\n"
    "print('told:', hpc.facility().can('jobs.efficiency'), job.efficiency is not None)",
    "%hpc_job {job.id}",
]


async def test_a_finished_jobs_efficiency_in_a_server_kernel(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # When a notebook runs a job to its end and shows it
    cells = [nbformat.v4.new_code_cell(c) for c in EFFICIENCY_CELLS]
    notebook = nbformat.v4.new_notebook(cells=cells)
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "efficiency.ipynb")
    _, ran, shown = notebook.cells

    # Then the handle has an efficiency exactly when the facility says it tells one
    told = output_text(ran).split("told:")[1].split()
    assert told[0] == told[1], told
    plain, page = _data(shown, "text/plain"), _data(shown, "text/html")
    assert "eff" in plain and "COMPLETED" in plain
    if told[0] == "True":
        # and %hpc_job shows it under the job: how it ended, then its figures
        assert "\nEfficiency: Completed." in plain, plain
        assert "Source " in plain
        assert 'class="hpc-jupyter hpc-efficiency"' in page
    else:
        assert "Efficiency" not in plain and "hpc-efficiency" not in page
