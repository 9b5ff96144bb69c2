"""A job submitted with sbatch, not through the server: its submission is Slurm's copy of the
script, slurm-cli's `scontrol write batch_script` on real Slurm 22.05 (while slurmctld knows the
job). test_submission_copy_rest.py checks slurmrestd's on 24.11."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.helpers import expect_error
from tests.slurm_fixtures import Cluster, slurm_cli_facility

API = Callable[..., Awaitable[Any]]
SCRIPT = (
    "#!/bin/bash\n#SBATCH --job-name=elsewhere\necho 'submitted without the server'\nsleep 60\n"
)


@pytest.fixture
def hpc_facilities(slurm_cluster: Cluster) -> dict[str, Any]:
    return {"cli": slurm_cli_facility(slurm_cluster)}


async def submission_of(api: API, jobs: tuple[str, ...], job_id: str) -> Any:
    """The job's submission, once the facility has it (accounting takes a moment)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await api(*jobs, job_id, "submission")
        except HTTPClientError as err:
            if err.code != 404 or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


async def elsewhere_has_slurms_copy(api: API, cluster: Cluster, jobs: tuple[str, ...]) -> None:
    """A job submitted with sbatch answers Slurm's copy of its script."""
    # Given a job the user submitted with sbatch, not through the server
    path = cluster.home / "provenance-elsewhere.sh"
    path.write_text(SCRIPT)
    path.chmod(0o644)
    job_id = cluster.run_as(cluster.user, "sbatch", "--parsable", str(path))
    try:
        # When its submission is asked for
        submission = await submission_of(api, jobs, job_id)
        listed = {job["id"]: job for job in (await api(*jobs))["jobs"]}
        unknown = await expect_error(api(*jobs, "99999999", "submission"), 404)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.run_as(cluster.user, "scancel", job_id)

    # Then it is the facility's copy, not a record, and the job has no origin
    assert submission["recorded"] is False
    assert submission["request"] == {
        "script": SCRIPT,
        "env": {},
        "depends_on": [],
        "dependency": "afterok",
    }
    assert submission["submitted_at"] is None
    assert listed[job_id]["origin"] is None
    assert unknown["message"] == "There is no record of how job 99999999 was submitted."


async def through_the_server_has_its_record(api: API, jobs: tuple[str, ...]) -> None:
    """A job submitted through the server answers its record, with its origin."""
    origin = {"via": "api", "notebook": "slurm.ipynb", "cell": "c9", "resubmit_of": None}
    job = await api(
        *jobs, method="POST", body={"script": SCRIPT, "origin": origin, "time_limit": 60}
    )
    try:
        submission = await api(*jobs, job["id"], "submission")
        listed = {job["id"]: job for job in (await api(*jobs))["jobs"]}
    finally:
        with contextlib.suppress(HTTPClientError):  # it may have ended already
            await api(*jobs, job["id"], method="DELETE")

    assert job["origin"] == listed[job["id"]]["origin"] == origin
    assert submission["recorded"] is True
    assert submission["request"]["origin"] == origin


async def test_a_job_submitted_elsewhere_has_slurms_copy_of_its_script(
    api: API, slurm_cluster: Cluster
) -> None:
    await elsewhere_has_slurms_copy(api, slurm_cluster, ("facilities", "cli", "jobs"))


async def test_a_job_submitted_through_the_server_has_its_record(api: API) -> None:
    await through_the_server_has_its_record(api, ("facilities", "cli", "jobs"))
