"""%hpc_submit --after and --after-type, and what a waiting job shows, in a real kernel started
by the server, on the local facility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel

pytestmark = pytest.mark.kernel

CELLS = [
    "%load_ext hpc_jupyter",
    "%%hpc_submit -f local --name first\n#!/bin/bash\nsleep 2\nexit 3\n",
    "first = _\n"
    "%hpc_submit -f local --after {first.id} --after-type afternotok --name rescue job.sh",
    "rescue = _\n%hpc_submit -f local --after {first.id} --name next job.sh",
    "after = _\nafter",
    "print(rescue.wait(timeout=60).state.value, first.state.value)\n%hpc_job -f local {after.id}",
    "print(repr(after.refresh() and after))\n%hpc_cancel -f local {after.id}",
    "%hpc_submit -f local --after-type afterany job.sh",
    "%hpc_submit -f local --after 1,,2 job.sh",
    "import hpc_jupyter\n"
    "hpc = hpc_jupyter.connect('local')\n"
    "last = hpc.submit('#!/bin/bash\\ntrue\\n', depends_on=[first, rescue],\n"
    "                  dependency='afterany')\n"
    "print(last.wait(timeout=60).state.value, last.info.depends_on == (first.id, rescue.id))",
]


async def test_a_chain_from_magics_shows_what_it_waits_for(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # Given a script next to the notebook
    (jp_root_dir / "job.sh").write_text("#!/bin/bash\necho after\n")

    # When a notebook submits a failing job, one to run if it fails and one if it succeeds
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "chain.ipynb")
    cells = notebook.cells
    first_id = output_text(cells[1]).splitlines()[1].split()[0]  # under the header

    # Then the job waiting for it says so, in text and HTML
    waiting = output_text(cells[4])
    assert f"Waits for {first_id} (afterok): waiting for job {first_id}." in waiting, waiting
    assert "Dependency" in waiting
    # And once it has failed, the rescue ran and the other can never start
    shown = output_text(cells[5])
    assert shown.startswith("COMPLETED FAILED\n"), shown
    assert f"Waits for {first_id} (afterok): its dependency can no longer be met" in shown
    assert "DependencyNeverSatisfied" in shown
    assert f", after {first_id}>" in output_text(cells[6])
    assert "CANCELLED" in output_text(cells[6])
    # And bad options are one line each, before anything is sent
    assert "--after-type needs --after" in output_text(cells[7])
    assert "--after takes job ids separated by commas" in output_text(cells[8])
    # And the Python API takes handles to wait for
    assert output_text(cells[9]) == "COMPLETED True\n"
