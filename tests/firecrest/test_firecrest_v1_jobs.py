"""Jobs of a FirecREST v1 facility (`api_version: 1`) through the real server, on the v1 double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.firecrest.double_fixtures import ON_V1
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "alps", "jobs")
HOME = "/home/hpcuser"
LOGIN = "#!/bin/bash -l\necho hi\n"


pytestmark = ON_V1


async def test_submit_runs_in_the_work_directory_with_fields_and_env(
    api: API, fake_v1: FakeFirecrestV1
) -> None:
    # Given a work directory and a request with fields beyond the script
    fake_v1.local(f"{HOME}/run").mkdir()
    body = {
        "script": LOGIN,
        "name": "my job",
        "time_limit": 600,
        "workdir": f"{HOME}/run",
        "stdout": "out-%j.txt",
        "env": {"MYVAR": "from-hpc"},
    }

    # When it is submitted
    job = await api(*JOBS, method="POST", body=body)

    # Then sbatch ran the script from the work directory, with the fields as #SBATCH lines,
    # and the script file FirecREST v1 needed there is gone again
    sent = fake_v1.jobs[job["id"]].script
    assert sent.startswith('#!/bin/bash -l\n#SBATCH --job-name="my job"\n')
    assert "#SBATCH --time=00:10:00" in sent
    (script,) = fake_v1.submitted_scripts
    assert script.startswith(f"{HOME}/run/.hpc-jupyter-job-")
    assert not fake_v1.local(script).exists()
    assert job["state"] == "RUNNING"
    assert job["name"] == "my job"
    assert job["workdir"] == f"{HOME}/run"
    assert job["stdout"] == f"{HOME}/run/out-{job['id']}.txt"
    assert fake_v1.local(job["stdout"]).read_text() == f"hello from {job['id']}\nMYVAR=from-hpc\n"
    assert job["reason"] is None


async def test_submit_refusals_are_clear(api: API) -> None:
    # When scripts are submitted without a login shell, to a missing directory, to a
    # partition Slurm does not have
    plain = await api(*JOBS, method="POST", body={"script": "#!/bin/bash\necho hi\n"})
    nowhere = await expect_error(
        api(*JOBS, method="POST", body={"script": LOGIN, "workdir": f"{HOME}/nope"}), 404
    )
    partition = await expect_error(
        api(*JOBS, method="POST", body={"script": LOGIN, "partition": "gpu"}), 400
    )

    # Then the first runs and says what is missing, the others say why they were refused
    assert "#!/bin/bash -l" in plain["reason"]
    assert "does not exist" in nowhere["message"]
    assert "Invalid partition name specified" in partition["message"]


async def test_without_accounting_active_jobs_still_list(
    api: API, fake_v1: FakeFirecrestV1
) -> None:
    # Given a cluster whose sacct fails, and a running job
    fake_v1.accounting = False
    job = await api(*JOBS, method="POST", body={"script": LOGIN})

    # When the jobs are listed and an unknown one asked for
    listing = await api(*JOBS)
    missing = await expect_error(api(*JOBS, "999999"), 404)

    # Then squeue's view stands alone, and the unknown job is a 404
    assert [j["id"] for j in listing["jobs"]] == [job["id"]]
    assert "999999" in missing["message"]


async def test_unknown_job_cannot_be_cancelled(api: API) -> None:
    got = await expect_error(api(*JOBS, "999999", method="DELETE"), 404)
    assert got["reason"] == "not_found"


@pytest.mark.parametrize("version", ["v1.16.6", "not defined"])
async def test_partitions_come_from_scontrol(
    api: API, fake_v1: FakeFirecrestV1, version: str
) -> None:
    # Given a deployment that states its version, or one whose build left it undefined
    fake_v1.version = version

    # When the partitions are listed
    listed = await api("facilities", "alps", "partitions")

    # Then they come from v1's compute service either way (a v1.16 feature)
    assert [(p["name"], p["default"], p["nodes"]) for p in listed["partitions"]] == [
        ("normal", True, 2),
        ("debug", False, 2),
    ]
