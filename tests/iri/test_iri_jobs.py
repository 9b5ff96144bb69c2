"""Jobs of an `iri` facility through the real server and the Python API, against the IRI double."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import hpc_jupyter
from hpc_jupyter.backends.iri.states import job_from_record, map_state
from hpc_jupyter.client import HPCClient, set_default_client
from hpc_jupyter.models import JobState
from tests.helpers import expect_error
from tests.iri.fake_iri import HOME, FakeIRI, FakeJob, sample

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "alcf", "jobs")
PBS_SCRIPT = """#!/bin/bash -l
#PBS -N from-pbs
#PBS -l select=2:system=polaris
#PBS -l walltime=00:30:00
#PBS -l filesystems=home:eagle
#PBS -q debug-scaling
#PBS -o /home/iriuser/pbs.out
echo hello
"""


async def test_submit_turns_pbs_directives_into_a_job_spec(api: API, fake: FakeIRI) -> None:
    # Given a PBS script and request fields that override some directives
    body = {"script": PBS_SCRIPT, "name": "my-run", "env": {"MYVAR": "1"}}

    # When it is submitted
    job = await api(*JOBS, method="POST", body=body)

    # Then the IRI job runs the script with bash, with the directives as fields
    spec = fake.jobs[job["id"]].spec
    assert spec["executable"] == "/bin/bash"
    assert spec["arguments"] == ["-c", PBS_SCRIPT]
    assert spec["name"] == "my-run"
    assert spec["directory"] == HOME
    assert spec["environment"] == {"MYVAR": "1"}
    assert spec["stdout_path"] == "/home/iriuser/pbs.out"
    assert spec["stderr_path"].startswith(f"{HOME}/my-run-")
    assert spec["resources"] == {"node_count": 2}
    assert spec["attributes"] == {
        "duration": 1800,
        "queue_name": "debug-scaling",
        "account": "proj123",
        "custom_attributes": {"filesystems": "home:eagle"},
    }
    # ... and the job is described in the project's words
    assert job["state"] == "PENDING"
    assert job["raw_state"] == "queued"
    assert job["name"] == "my-run"
    assert job["stdout"] == "/home/iriuser/pbs.out"


async def test_sbatch_directives_fill_the_same_fields(api: API, fake: FakeIRI) -> None:
    # Given a Slurm script (as at NERSC)
    script = (
        "#!/bin/bash\n#SBATCH -N 3\n#SBATCH --time=10\n#SBATCH --mem=4G\n#SBATCH -A m42\nhostname\n"
    )

    # When it is submitted
    job = await api(*JOBS, method="POST", body={"script": script})

    # Then nodes, time, memory and account come from #SBATCH, the queue from the facility
    spec = fake.jobs[job["id"]].spec
    assert spec["resources"] == {"node_count": 3, "memory": 4 * 1024**3}
    assert spec["attributes"]["duration"] == 600
    assert spec["attributes"]["account"] == "m42"
    assert spec["attributes"]["queue_name"] == "debug"


async def test_a_non_shell_script_is_refused_before_submitting(api: API, fake: FakeIRI) -> None:
    # When a Python script is submitted
    refused = await expect_error(
        api(*JOBS, method="POST", body={"script": "#!/usr/bin/env python3\nprint(1)\n"}), 400
    )

    # Then it is refused with the reason, and nothing reached the facility
    assert "/bin/bash" in refused["message"]
    assert fake.jobs == {}


async def test_get_output_cancel_and_errors(api: API, fake: FakeIRI) -> None:
    # Given two submitted jobs, one of which finishes
    first = await api(*JOBS, method="POST", body={"script": "#!/bin/bash\necho hi\n"})
    second = await api(*JOBS, method="POST", body={"script": "#!/bin/bash\nsleep 600\n"})
    fake.finish_job(first["id"], output="hi\n")

    # When the finished one is read and followed, the other cancelled, then both cancelled again
    done = await api(*JOBS, first["id"])
    output = await api(*JOBS, first["id"], "output", params={"offset": "0"})
    cancelled = await api(*JOBS, second["id"], method="DELETE")
    again = await expect_error(api(*JOBS, second["id"], method="DELETE"), 409)
    unknown = await expect_error(api(*JOBS, "job_999"), 404)

    # Then states, output and errors are in the project's words
    assert done["state"] == "COMPLETED"
    assert done["exit_code"] == 0
    assert output == {"data": "hi\n", "offset": 3, "complete": True}
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["raw_state"] == "canceled"
    assert "already ended" in again["message"]
    assert unknown["reason"] == "not_found"
    assert any(m == "DELETE" and "/compute/cancel/" in p for m, p, _ in fake.requests)


class TestPaging:
    @pytest.fixture
    def hpc_facilities(self, iri_options: dict[str, Any]) -> dict[str, Any]:
        return {"alcf": iri_options | {"page_size": 3}}

    async def test_job_lists_are_read_page_by_page(self, api: API, fake: FakeIRI) -> None:
        # Given seven jobs, two of them finished
        for number in range(7):
            job = FakeJob(f"job_{number}", {"name": f"j{number}"})
            fake.jobs[job.id] = job
        fake.finish_job("job_0")
        fake.finish_job("job_1", exit_code=3)

        # When the jobs are listed
        listing = await api(*JOBS)

        # Then all seven came, in three pages, finished ones included (historical)
        assert [job["id"] for job in listing["jobs"]] == [f"job_{n}" for n in range(7)]
        states = {job["id"]: job["state"] for job in listing["jobs"]}
        assert states["job_0"] == "COMPLETED" and states["job_1"] == "FAILED"
        pages = [p for m, p, _ in fake.requests if m == "POST" and "/compute/status/" in p]
        assert len(pages) == 3


def test_recorded_records_map_to_our_states() -> None:
    # Given the recorded job list of the reference implementation
    records = sample("17")["body"]

    # When they are read
    jobs = [job_from_record(record, "alcf", "polaris") for record in records]

    # Then PSI-J's states are ours, and an unfinished job reports no exit code
    assert [job.state for job in jobs[:6]] == [
        JobState.PENDING,
        JobState.PENDING,
        JobState.PENDING,
        JobState.PENDING,
        JobState.PENDING,
        JobState.RUNNING,
    ]
    assert jobs[5].exit_code is None
    assert jobs[5].account == "account1"
    assert map_state("failed", "PBS: job killed: walltime 3600 exceeded") is JobState.TIMEOUT
    assert map_state("canceled") is JobState.CANCELLED
    assert map_state("weird") is JobState.UNKNOWN


async def test_python_api_files_and_jobs(kernel_env: Any, fake: FakeIRI) -> None:
    # Given a kernel connected to the server, and a text file on the storage
    (fake.root / "notes.txt").write_text("hello, iri\n")
    with HPCClient() as client:
        previous = set_default_client(client)  # what `connect()` finds by discovery
        try:
            hpc = await asyncio.to_thread(hpc_jupyter.connect, "alcf")
        finally:
            set_default_client(previous)

        # When it works with files and jobs through the Python API
        made = await asyncio.to_thread(hpc.mkdir, f"{HOME}/runs", True)
        listing = await asyncio.to_thread(hpc.ls, HOME)
        part = await asyncio.to_thread(hpc.read_text, f"{HOME}/notes.txt", 7, 3)
        mode = await asyncio.to_thread(hpc.chmod, f"{HOME}/notes.txt", "600")
        job = await asyncio.to_thread(hpc.submit, "#!/bin/bash\necho hi\n", name="api")
        listed = await asyncio.to_thread(hpc.jobs)
        cancelled = await asyncio.to_thread(hpc.cancel, job.id)

    # Then the facility did it all
    assert made.path == f"{HOME}/runs"
    assert {e.name for e in listing} >= {"runs", "notes.txt"}
    assert part == "iri"
    assert mode.permissions == "-rw-------"
    assert job.id in {j.id for j in listed}
    assert cancelled.state is JobState.CANCELLED
