"""An array followed by its id on real Slurm (both kinds): it ends when all its tasks have."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.helpers import wait_until
from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

# The last task Slurm starts takes the array's own record `A`: it ends first here, while
# task 0 (which got an id of its own) still runs.
SCRIPT = (
    "#!/bin/bash\n#SBATCH --job-name=follow\n#SBATCH --output=/dev/null\n"
    "sleep $(( (2 - SLURM_ARRAY_TASK_ID) * 4 ))\n"
)


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {
        "slurmrestd": slurmrestd_facility(slurm_release),
        "slurm-cli": slurm_cli_facility(slurm_release),
    }


@pytest.mark.parametrize("kind", ["slurmrestd", "slurm-cli"])
async def test_an_array_followed_by_its_id_ends_when_all_its_tasks_have(
    api: Any, job_events: list[dict[str, Any]], slurm_release: Cluster, kind: str
) -> None:
    # Given an array submitted through the server, answered by its id `A`
    array = await api(
        "facilities", kind, "jobs", method="POST", body={"script": SCRIPT, "array": "0-2"}
    )
    array_id = array["id"]

    # When the events for `A` say it has ended
    def ended() -> bool:
        return any(e["job_id"] == array_id and e["state"] == "COMPLETED" for e in job_events)

    assert await wait_until(ended, timeout=90), [e for e in job_events if e["job_id"] == array_id]

    # Then every record of the array has ended too (none still running), and the job `A`
    # answers the whole array as ended
    listed = (await api("facilities", kind, "jobs"))["jobs"]
    records = [job for job in listed if job["array_job_id"] == array_id]
    assert len(records) == 3 and {job["state"] for job in records} == {"COMPLETED"}, records
    whole = await api("facilities", kind, "jobs", array_id)
    assert (whole["id"], whole["state"], whole["array_job_id"]) == (array_id, "COMPLETED", array_id)


@pytest.mark.parametrize("kind", ["slurmrestd", "slurm-cli"])
async def test_a_whole_array_is_not_given_the_efficiency_of_one_of_its_tasks(
    api: Any, slurm_release: Cluster, kind: str
) -> None:
    # Given an array of two that has ended, once accounting has the figures of its task
    # with an id of its own (the other holds the array's own record `A`)
    script = "#!/bin/bash\n#SBATCH --job-name=figures\n#SBATCH --output=/dev/null\ntrue\n"
    array = await api(
        "facilities", kind, "jobs", method="POST", body={"script": script, "array": "0-1"}
    )
    array_id = array["id"]
    task: dict[str, Any] = {}
    deadline = time.monotonic() + 90
    while task.get("efficiency") is None:
        assert time.monotonic() < deadline, task
        await asyncio.sleep(0.5)
        listed = (await api("facilities", kind, "jobs"))["jobs"]
        mine = [job for job in listed if job["array_job_id"] == array_id]
        other = next((job for job in mine if job["id"] != array_id), None)
        if len(mine) == 2 and other is not None and other["state"] == "COMPLETED":
            task = await api("facilities", kind, "jobs", other["id"])

    # When the whole array is asked for by its id, once all of it has ended (its other task
    # may end a moment after the one with figures)
    whole: dict[str, Any] = {}
    while whole.get("state") != "COMPLETED":
        assert time.monotonic() < deadline, whole
        await asyncio.sleep(0.5)
        whole = await api("facilities", kind, "jobs", array_id)

    # Then it is the array (ended), without one task's figures passed off as the array's
    assert (whole["id"], whole["state"]) == (array_id, "COMPLETED"), whole
    assert whole.get("efficiency") is None, whole["efficiency"]


@pytest.mark.parametrize("kind", ["slurmrestd", "slurm-cli"])
async def test_a_task_asked_for_as_a_t_is_that_task_with_its_own_figures(
    api: Any, slurm_release: Cluster, kind: str
) -> None:
    """squeue and sacct write a task's numbers as `{"set", "number"}` from 24.11 on, and sacct
    names a task `A_T` whatever its own id: slurm-cli answered 404, then no figures."""
    script = "#!/bin/bash\n#SBATCH --job-name=by-name\n#SBATCH --output=/dev/null\ntrue\n"
    array = await api(
        "facilities", kind, "jobs", method="POST", body={"script": script, "array": "0-1"}
    )
    name = f"{array['id']}_1"

    # When task 1 is asked for by its name `A_1` until accounting has its figures
    task: dict[str, Any] = {}
    deadline = time.monotonic() + 90
    while task.get("efficiency") is None:
        assert time.monotonic() < deadline, task
        await asyncio.sleep(0.5)
        task = await api("facilities", kind, "jobs", name)

    # Then it is that task, ended, with figures of its own
    assert (task["array_job_id"], task["array_task_id"]) == (array["id"], "1"), task
    assert task["state"] == "COMPLETED", task
    assert task["efficiency"]["elapsed"] is not None, task["efficiency"]
