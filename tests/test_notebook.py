"""The quickstart notebook runs in a kernel started by the server, through the magics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "quickstart.ipynb"

pytestmark = pytest.mark.kernel


async def test_quickstart_runs_in_a_server_kernel(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # When the quickstart notebook runs in a kernel started by the server, as JupyterLab does
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "quickstart.ipynb")

    # Then it submitted, waited and read the job's log through the magics
    outputs = {index: output_text(cell) for index, cell in enumerate(notebook.cells)}
    everything = "\n".join(outputs.values())
    assert "hpc-jupyter:" not in everything, everything  # no error line from a magic
    log_cell = next(c for c in notebook.cells if c.source.startswith("%hpc_log"))
    assert "sum: 31" in output_text(log_cell)
    assert "done on" in output_text(log_cell)
    assert "COMPLETED" in everything
    assert "hello from the Python API" in everything
    assert "CANCELLED" in everything
    assert (jp_root_dir / "quickstart-input.txt").exists()  # the kernel ran in the root dir
    assert (jp_root_dir / "runs" / "input.txt").read_text() == "3 1 4 1 5 9 2 6\n"
    # and the kernel never saw a credential other than its own scoped token
    assert hpc_server.identity_provider.token not in everything
