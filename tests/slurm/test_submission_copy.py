"""A job submitted with sbatch, not through the server: its submission is Slurm's copy of the
script (slurm-cli, `scontrol write batch_script`), on real Slurm 22.05."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.helpers import expect_error
from tests.slurm_fixtures import Cluster, slurm_cli_facility

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "cli", "jobs")
SCRIPT = "#!/bin/bash\n#SBATCH --job-name=elsewhere\necho 'submitted without the server'\n"


@pytest.fixture
def hpc_facilities(slurm_cluster: Cluster) -> dict[str, Any]:
    return {"cli": slurm_cli_facility(slurm_cluster)}


async def test_a_job_submitted_elsewhere_has_slurms_copy_of_its_script(
    api: API, slurm_cluster: Cluster
) -> None:
    # Given a job the user submitted with sbatch (held, so slurmctld keeps it)
    path = slurm_cluster.home / "provenance-elsewhere.sh"
    path.write_text(SCRIPT)
    path.chmod(0o644)
    job_id = slurm_cluster.run_as(slurm_cluster.user, "sbatch", "--parsable", "--hold", str(path))
    try:
        # When its submission is asked for
        submission = await api(*JOBS, job_id, "submission")
        listed = {job["id"]: job for job in (await api(*JOBS))["jobs"]}
        unknown = await expect_error(api(*JOBS, "99999999", "submission"), 404)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            slurm_cluster.run_as(slurm_cluster.user, "scancel", job_id)

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


async def test_a_job_submitted_through_the_server_has_its_record(api: API) -> None:
    origin = {"via": "api", "notebook": "slurm.ipynb", "cell": "c9", "resubmit_of": None}
    job = await api(
        *JOBS, method="POST", body={"script": SCRIPT, "origin": origin, "time_limit": 60}
    )
    try:
        submission = await api(*JOBS, job["id"], "submission")
    finally:
        with contextlib.suppress(HTTPClientError):  # it may have ended already
            await api(*JOBS, job["id"], method="DELETE")

    assert job["origin"] == origin
    assert submission["recorded"] is True
    assert submission["request"]["origin"] == origin
