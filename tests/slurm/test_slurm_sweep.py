"""hpc.sweep on real Slurm (both kinds): ONE array job, each task with its own parameters."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.models import JobState
from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

SCRIPT = (
    "#!/bin/bash\n#SBATCH --job-name=sweep\n#SBATCH --output=/dev/null\n"
    'printf \'%s|%s\' "$((N * N))" "$WORD" > sweep-$TAG-$SLURM_ARRAY_TASK_ID.txt\n'
)


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {
        "slurmrestd": slurmrestd_facility(slurm_release),
        "slurm-cli": slurm_cli_facility(slurm_release),
    }


@pytest.mark.parametrize("kind", ["slurmrestd", "slurm-cli"])
async def test_a_sweep_is_one_array_whose_tasks_see_their_parameters(
    kernel_env: Any, slurm_release: Cluster, kind: str
) -> None:
    # Given a kernel connected to a Slurm facility, and awkward values
    tag = secrets.token_hex(4)
    words = ["two words", "it's $HOME", "semi;colon"]
    with HPCClient() as client:
        hpc = await asyncio.to_thread(connect, kind, client=client)

        # When three tasks are swept, at most two at once
        sweep = await asyncio.to_thread(
            hpc.sweep,
            SCRIPT,
            [{"N": n, "WORD": word, "TAG": tag} for n, word in zip((2, 3, 4), words, strict=True)],
            max_running=2,
        )
        tasks = await asyncio.to_thread(sweep.wait, 120, 1.0)
        rows = await asyncio.to_thread(sweep.collect, "sweep-{TAG}-{index}.txt")

    # Then one array job ran them, each task writing its own square and word
    assert sweep.array is not None and sweep.jobs == []
    assert [task.state for task in tasks] == [JobState.COMPLETED] * 3
    assert {task.job.array_job_id for task in tasks if task.job} == {sweep.array.id}
    assert [row["value"] for row in rows] == ["4|two words", "9|it's $HOME", "16|semi;colon"]
    for index in range(3):
        assert (slurm_release.home / f"sweep-{tag}-{index}.txt").exists()
