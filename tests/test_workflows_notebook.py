"""The workflows notebook runs in a kernel started by the server: executor, sweep, chain,
where each job came from and a resubmit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "workflows.ipynb"

pytestmark = pytest.mark.kernel


async def test_the_workflows_notebook_runs_in_a_server_kernel(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # When the workflows notebook runs in a kernel started by the server, as JupyterLab does
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "workflows.ipynb", timeout=300)

    # Then each part did what the notebook says
    everything = "\n".join(output_text(cell) for cell in notebook.cells)
    assert "hpc-jupyter:" not in everything, everything  # no error line from a magic
    assert "squares: [0, 1, 4, 9, 16]" in everything  # a map, results in order
    assert "raised: KeyError('remote boom')" in everything
    assert "Remote traceback" in everything and "in boom" in everything
    assert "cancelled: True" in everything
    assert "sweep squares: [4, 9, 16]" in everything  # 6 tasks, 3 values of N
    assert len(list((jp_root_dir / "sweep-out").glob("*.json"))) == 6
    assert "rescue: COMPLETED" in everything  # afternotok ran after prep failed
    assert "DependencyNeverSatisfied" in everything or "can no longer be met" in everything
    assert "CANCELLED" in everything
    # and the server knew where each job came from: this notebook, resubmitted from it
    assert "submitted from: workflows.ipynb via api" in everything
    assert "resubmitted: True hello again" in everything
    assert "jobs from this notebook: True True" in everything
