"""Running a notebook in a kernel started by the test server, as JupyterLab starts one."""

from __future__ import annotations

import json
from typing import Any

from nbclient import NotebookClient


def output_text(cell: Any) -> str:
    """Everything a cell printed or displayed, as text (plain and HTML)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
            parts.append(output["data"].get("text/html", ""))
    return "".join(parts)


async def run_in_server_kernel(
    server: Any, jp_fetch: Any, notebook: Any, path: str, timeout: int = 120
) -> None:
    """Start a kernel through POST /api/sessions for `path` and execute `notebook` in it."""
    session = {"path": path, "type": "notebook", "kernel": {"name": "python3"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    kernel_id = json.loads(response.body)["kernel"]["id"]
    kernel = server.kernel_manager.get_kernel(kernel_id)
    kernel_client = kernel.client()
    kernel_client.start_channels()
    try:
        await kernel_client.wait_for_ready(timeout=60)
        client = NotebookClient(notebook, km=kernel, timeout=timeout, allow_errors=False)
        client.kc = kernel_client
        await client.async_execute()
    finally:
        kernel_client.stop_channels()
