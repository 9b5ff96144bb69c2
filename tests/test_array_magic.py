"""`%%hpc_submit --array` on the local facility, through a real server: one job per task."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.client import set_default_client
from hpc_jupyter.models import JobState

SCRIPT = "#!/bin/bash\necho task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT\n"


@pytest.fixture
def ip(kernel_env: Any) -> Iterator[Any]:
    """An IPython shell with the magics loaded, finding the server by itself."""
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")
    previous = set_default_client(None)
    yield shell
    client = set_default_client(previous)
    if client is not None:
        client.close()


async def test_the_submit_magic_runs_an_array_of_tasks(ip: Any, jp_root_dir: Path) -> None:
    # When a cell is submitted as an array of three tasks, one at a time
    handle = await asyncio.to_thread(
        ip.run_cell_magic, "hpc_submit", "--array 0-2%1 -o arr-%A_%a.out", SCRIPT
    )
    ended = await asyncio.to_thread(handle.wait, 60, 0.2)

    # Then each task ran with its index and wrote its own log
    assert ended.state is JobState.COMPLETED
    assert (ended.array_job_id, ended.array_task_id) == (handle.id, "0-2")
    for index in range(3):
        log = jp_root_dir / f"arr-{handle.id}_{index}.out"
        assert log.read_text() == f"task {index} of 3\n"
