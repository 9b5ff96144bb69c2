"""A sweep from a kernel started by the server, as JupyterLab starts one: submit, wait, collect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebook_runner import output_text, run_in_server_kernel

pytestmark = pytest.mark.kernel

CELLS = [
    "import hpc_jupyter\nhpc = hpc_jupyter.connect()",
    (
        "script = '#!/bin/bash\\necho $((N * N)) > sq-$N-$SLURM_ARRAY_TASK_ID.txt\\n'\n"
        "sweep = hpc.sweep(script, {'N': [2, 3, 4]}, max_running=2)\n"
        "tasks = sweep.wait(timeout=60, poll=0.3)\n"
        "rows = sweep.collect('sq-{N}-{index}.txt')\n"
        "import json\n"
        "print('ROWS', json.dumps(rows))"
    ),
    "monitor = sweep.widget(poll=0.3)\nmonitor",
    "sweep",
]


async def test_a_sweep_in_a_server_kernel_collects_each_tasks_result(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # When a notebook sweeps N over three values in a kernel the server started
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "sweep.ipynb")

    # Then each task wrote its square, and collect read them back in task order
    printed = output_text(notebook.cells[1])
    rows = json.loads(printed.split("ROWS ", 1)[1])
    assert [(row["index"], row["N"], row["value"]) for row in rows] == [
        (0, "2", 4),
        (1, "3", 9),
        (2, "4", 16),
    ]
    assert {row["state"] for row in rows} == {"COMPLETED"}
    assert (jp_root_dir / "sq-3-1.txt").read_text() == "9\n"
    # and the widget and the sweep itself displayed as tables of the tasks
    widget_output = notebook.cells[2].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in widget_output
    assert "3 COMPLETED" in output_text(notebook.cells[3])
