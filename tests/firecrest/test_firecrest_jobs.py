"""Jobs of a `firecrest` facility through the real server, against the FirecREST double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hpc_jupyter.backends.firecrest.states import job_from_record, map_state
from hpc_jupyter.models import JobState
from tests.firecrest.double_fixtures import ON_BOTH
from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "alps", "jobs")
LOGIN = "#!/bin/bash -l\necho hi\n"


async def test_submit_passes_fields_as_directives_and_env(api: API, fake: FakeFirecrest) -> None:
    # Given a script with a login shebang and request fields beyond the script
    body = {
        "script": LOGIN,
        "name": "my job",
        "time_limit": 600,
        "nodes": 2,
        "workdir": "/home/hpcuser",
        "stdout": "out-%j.txt",
        "env": {"MYVAR": "from-hpc"},
    }

    # When it is submitted
    job = await api(*JOBS, method="POST", body=body)

    # Then FirecREST got them as #SBATCH lines after the shebang, and the job is described
    sent = fake.jobs[job["id"]].script
    assert sent.startswith('#!/bin/bash -l\n#SBATCH --job-name="my job"\n')
    assert "#SBATCH --time=00:10:00" in sent
    assert "#SBATCH --nodes=2" in sent
    assert job["state"] == "RUNNING"
    assert job["name"] == "my job"
    assert job["stdout"] == f"/home/hpcuser/out-{job['id']}.txt"
    assert job["reason"] is None


async def test_submit_without_login_shell_says_so(api: API) -> None:
    # When a script with a plain bash shebang is submitted
    job = await api(*JOBS, method="POST", body={"script": "#!/bin/bash\necho hi\n"})

    # Then the answer explains the missing login environment
    assert "#!/bin/bash -l" in job["reason"]


@ON_BOTH
async def test_list_get_output_and_cancel(api: API, double: FakeFirecrest) -> None:
    # Given two submitted jobs, one of which finishes
    first = await api(*JOBS, method="POST", body={"script": LOGIN, "env": {"A": "1"}})
    second = await api(*JOBS, method="POST", body={"script": LOGIN})
    double.finish_job(first["id"])

    # When the jobs are listed, the finished one read and followed, the other cancelled
    listing = await api(*JOBS)
    done = await api(*JOBS, first["id"])
    output = await api(*JOBS, first["id"], "output", params={"offset": "0"})
    later = await api(*JOBS, first["id"], "output", params={"offset": str(output["offset"])})
    cancelled = await api(*JOBS, second["id"], method="DELETE")
    again = await expect_error(api(*JOBS, second["id"], method="DELETE"), 409)

    # Then states, output and errors are in the project's words (on v1: squeue gives the
    # active job, sacct the finished one, whose output path was kept from squeue)
    states = {job["id"]: job["state"] for job in listing["jobs"]}
    assert states == {first["id"]: "COMPLETED", second["id"]: "RUNNING"}
    assert done["state"] == "COMPLETED"
    assert done["exit_code"] == 0
    assert output["data"] == f"hello from {first['id']}\nA=1\n"
    assert later == {"data": "", "offset": output["offset"], "complete": True}
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["raw_state"] == "CANCELLED by 1001"
    assert "already ended" in again["message"]


async def test_unknown_job_is_not_found(api: API) -> None:
    # When a job FirecREST does not know is asked for and cancelled
    got = await expect_error(api(*JOBS, "999999"), 404)

    # Then both are a 404
    assert got["reason"] == "not_found"
    assert "999999" in got["message"]
    await expect_error(api(*JOBS, "999999", method="DELETE"), 404)


def test_states_map_from_real_records() -> None:
    # Given the recorded job records of the live server
    from tests.firecrest.fake_firecrest import sample

    running = sample("40")["body"]["jobs"][0]
    cancelled = sample("44")["body"]["jobs"][0]

    # When they are read
    job = job_from_record(running, "alps", "localcluster")
    gone = job_from_record(cancelled, "alps", "localcluster")

    # Then state, times and nodes are ours
    assert job.state is JobState.RUNNING
    assert job.nodes == 1
    assert job.start_time == 1795343696
    assert job.partition == "debug"
    assert gone.state is JobState.CANCELLED
    assert map_state("BOOT_FAIL") is JobState.NODE_FAIL
    assert map_state("weird") is JobState.UNKNOWN


async def test_partitions_come_from_the_status_api(api: API, fake: FakeFirecrest) -> None:
    # Given the recorded partition, and one more whose state is a list of flags
    recorded = {
        "name": "debug",
        "state": "UP",
        "default": None,  # FirecREST v2 does not say which is the default
        "max_time": None,
        "nodes": 1,
    }

    # When the client lists partitions, by default and on a named system
    listed = await api("facilities", "alps", "partitions")
    fake.partitions = [
        {"name": "normal", "cpus": 64, "totalNodes": 12, "partition": ["UP"]},
        {"name": "xfer", "cpus": None, "totalNodes": None, "partition": ["DOWN", "DRAIN"]},
    ]
    again = await api("facilities", "alps", "partitions", params={"system": "localcluster"})
    facility = await api("facilities", "alps")

    # Then they are the project's partitions, asked of FirecREST's status API
    assert listed == {"partitions": [recorded]}
    assert [(p["name"], p["state"], p["nodes"]) for p in again["partitions"]] == [
        ("normal", "UP", 12),
        ("xfer", "DOWN,DRAIN", None),
    ]
    assert "jobs.partitions" in facility["capabilities"]
    assert ("GET", "/status/localcluster/partitions") in {(m, p) for m, p, _ in fake.requests}


async def test_partitions_of_an_unknown_system_are_not_found(api: API) -> None:
    body = await expect_error(
        api("facilities", "alps", "partitions", params={"system": "mars"}), 404
    )
    assert "mars" in body["message"]


@ON_BOTH
async def test_an_array_reaches_sbatch_as_a_directive_after_the_scripts_own(
    api: API, double: FakeFirecrest
) -> None:
    # Given a FirecREST facility (v2 or v1), which declares arrays
    described = await api("facilities", "alps")
    script = "#!/bin/bash -l\n#SBATCH --array=0-99\necho $SLURM_ARRAY_TASK_ID\n"

    # When a script is submitted as an array of four, two at a time
    job = await api(*JOBS, method="POST", body={"script": script, "array": "0-3%2"})

    # Then the script FirecREST got asks for it last in its directives, where sbatch reads it
    sent = double.jobs[job["id"]].script
    assert "jobs.arrays" in described["capabilities"]
    assert sent.startswith("#!/bin/bash -l\n#SBATCH --array=0-99\n#SBATCH --array=0-3%2\n")
    assert sent.endswith("echo $SLURM_ARRAY_TASK_ID\n")
