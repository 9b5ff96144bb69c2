"""notebooks/panels.ipynb runs in a kernel started by the server and shows the three panels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent.parent / "notebooks" / "panels.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.kernel


def _widget_states(notebook: Any) -> list[dict[str, Any]]:
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    return [model["state"] for model in state.values()]


async def test_the_panels_notebook_runs(hpc_server: Any, jp_fetch: Any, jp_root_dir: Path) -> None:
    session = {"path": "panels.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    kernel = hpc_server.kernel_manager.get_kernel(json.loads(response.body)["kernel"]["id"])
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    kernel_client = kernel.client()
    kernel_client.start_channels()
    try:
        await kernel_client.wait_for_ready(timeout=60)
        client = NotebookClient(
            notebook, km=kernel, timeout=120, allow_errors=False, store_widget_state=True
        )
        client.kc = kernel_client
        await client.async_execute()
    finally:
        kernel_client.stop_channels()

    panels = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs)
    ]
    streams = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert "hpc-jupyter:" not in streams, streams  # no magic failed
    assert [cell.source for cell in panels] == [
        "%hpc_files panels-demo",
        "%hpc_monitor",
        "%hpc_submit_form",
        next(c.source for c in notebook.cells if c.source.startswith("from hpc_jupyter.widgets")),
    ]
    # The browser listed the demo directory: its rows are in the saved widget state
    labels = [
        label
        for state in _widget_states(notebook)
        if state.get("_model_name") == "SelectModel"
        for label in state.get("_options_labels", [])
    ]
    assert any("📄 notes.txt" in label for label in labels), labels
    assert any("📁 inputs/" in label for label in labels), labels
    assert (jp_root_dir / "panels-demo" / "notes.txt").exists()
