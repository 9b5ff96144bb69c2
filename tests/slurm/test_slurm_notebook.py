"""A notebook submits to each real Slurm release through the magics and the server extension."""

from __future__ import annotations

from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel
from tests.slurm_fixtures import Cluster, slurmrestd_facility

pytestmark = pytest.mark.kernel

CELLS = [
    "%load_ext hpc_jupyter",
    "%hpc_use slurm",
    "%%hpc_submit --name nb-slurm\n#!/bin/bash\n"
    'echo "hello from $(id -un) in Slurm job $SLURM_JOB_ID"',
    "job = _\n%hpc_wait {job.id}",
    "%hpc_log {job.id}",
    "%hpc_jobs",
]


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {"slurm": slurmrestd_facility(slurm_release)}


async def test_magics_submit_wait_and_read_a_slurm_job(hpc_server: Any, jp_fetch: Any) -> None:
    # Given a notebook that uses the Slurm facility through the magics
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])

    # When it runs in a kernel started by the server
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "slurm.ipynb")

    # Then the job ran as the Slurm user and its log came back through the server
    outputs = [output_text(cell) for cell in notebook.cells]
    assert "hpc-jupyter:" not in "".join(outputs), outputs  # no error line from a magic
    assert "COMPLETED" in outputs[3]
    assert "hello from hpcuser in Slurm job" in outputs[4]
    assert "nb-slurm" in outputs[5]
