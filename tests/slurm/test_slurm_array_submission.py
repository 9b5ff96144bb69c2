"""The submission of an array's task on real Slurm, where a started task has an id of its own."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

ORIGIN = {"via": "panel", "notebook": "runs/sweep.ipynb"}


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {
        "slurmrestd": slurmrestd_facility(slurm_release),
        "slurm-cli": slurm_cli_facility(slurm_release),
    }


@pytest.mark.parametrize("kind", ["slurmrestd", "slurm-cli"])
async def test_a_task_with_an_id_of_its_own_answers_its_arrays_recorded_submission(
    api: Any, slurm_release: Cluster, kind: str
) -> None:
    # Given an array submitted through the server, and a task of it that Slurm gave an id of
    # its own (the listing shows it as that id, with the array's origin)
    script = "#!/bin/bash\n#SBATCH --job-name=sub\n#SBATCH --output=/dev/null\nsleep 1\n"
    array = await api(
        "facilities",
        kind,
        "jobs",
        method="POST",
        body={"script": script, "array": "0-1", "origin": ORIGIN},
    )
    task: dict[str, Any] | None = None
    deadline = time.monotonic() + 60
    while task is None:
        assert time.monotonic() < deadline, "no task of the array got an id of its own"
        await asyncio.sleep(0.3)
        listed = (await api("facilities", kind, "jobs"))["jobs"]
        mine = [job for job in listed if job["array_job_id"] == array["id"]]
        task = next((job for job in mine if job["id"] != array["id"]), None)
    assert task["origin"]["notebook"] == ORIGIN["notebook"], task

    # When its submission is asked for
    submission = await api("facilities", kind, "jobs", task["id"], "submission")

    # Then it is the array's, as recorded: the array option and the origin, not a bare script
    assert submission["recorded"] is True, submission
    assert submission["job_id"] == array["id"]
    assert submission["request"]["array"] == "0-1"
    assert submission["request"]["origin"]["notebook"] == ORIGIN["notebook"]
