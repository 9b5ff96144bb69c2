"""The quickstart notebook runs in a kernel started by the server, through the magics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "quickstart.ipynb"

pytestmark = pytest.mark.kernel


def _text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
            parts.append(output["data"].get("text/html", ""))
    return "".join(parts)


async def test_quickstart_runs_in_a_server_kernel(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # Given a kernel started by the server for the notebook, as JupyterLab starts it
    session = {"path": "quickstart.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    kernel_id = json.loads(response.body)["kernel"]["id"]
    kernel = hpc_server.kernel_manager.get_kernel(kernel_id)
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    # When the quickstart notebook runs in it
    kernel_client = kernel.client()
    kernel_client.start_channels()
    try:
        await kernel_client.wait_for_ready(timeout=60)
        client = NotebookClient(notebook, km=kernel, timeout=120, allow_errors=False)
        client.kc = kernel_client
        await client.async_execute()
    finally:
        kernel_client.stop_channels()

    # Then it submitted, waited and read the job's log through the magics
    outputs = {index: _text(cell) for index, cell in enumerate(notebook.cells)}
    everything = "\n".join(outputs.values())
    assert "hpc-jupyter:" not in everything, everything  # no error line from a magic
    log_cell = next(c for c in notebook.cells if c.source.startswith("%hpc_log"))
    assert "sum: 31" in _text(log_cell)
    assert "done on" in _text(log_cell)
    assert "COMPLETED" in everything
    assert "hello from the Python API" in everything
    assert "CANCELLED" in everything
    assert (jp_root_dir / "quickstart-input.txt").exists()  # the kernel ran in the root dir
    assert (jp_root_dir / "runs" / "input.txt").read_text() == "3 1 4 1 5 9 2 6\n"
    # and the kernel never saw a credential other than its own scoped token
    assert hpc_server.identity_provider.token not in everything
