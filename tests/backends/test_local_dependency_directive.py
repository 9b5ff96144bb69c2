"""A local job's `#SBATCH --dependency` line: honoured as the request's `depends_on` would be."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hpc_jupyter.backends.local.dependencies import WAITING
from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.errors import ValidationError
from hpc_jupyter.models import Dependency, JobRequest, JobState


def _local(tmp_path: Path) -> LocalJobs:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", 4)


@pytest.mark.parametrize("flag", ["--dependency=", "-d "])
def test_a_scripts_dependency_line_makes_the_job_wait(tmp_path: Path, flag: str) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            # Given a held job, and a script that says it waits for it (as written for Slurm)
            first = await jobs.submit("localhost", JobRequest(script="true\n"))
            await jobs.hold("localhost", first.id)
            script = f"#!/bin/bash\n#SBATCH {flag}afterany:{first.id}\ntouch ran\n"

            # When it is submitted and the follower looks
            job = await jobs.submit("localhost", JobRequest(script=script))
            jobs._advance()

            # Then it waits for that job, as the request's `depends_on` would make it
            job = await jobs.get_job("localhost", job.id)
            assert (job.state, job.reason) == (JobState.PENDING, WAITING), job
            assert (job.depends_on, job.dependency) == ((first.id,), Dependency.AFTERANY)
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_the_requests_dependency_wins_over_the_scripts(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            first = await jobs.submit("localhost", JobRequest(script="true\n"))
            second = await jobs.submit("localhost", JobRequest(script="true\n"))
            script = f"#!/bin/bash\n#SBATCH --dependency=afterany:{first.id}\ntrue\n"
            job = await jobs.submit("localhost", JobRequest(script=script, depends_on=(second.id,)))
            assert (job.depends_on, job.dependency) == ((second.id,), Dependency.AFTEROK)
        finally:
            await jobs.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("singleton", "afterok, afterany or afternotok"),
        ("after:{id}", "afterok, afterany or afternotok"),
        ("afterok:{id}+10", "job numbers"),
        ("afterok:{id},afterany:{id}", "job numbers"),
        ("afterok:{id}?afterany:{id}", "job numbers"),
        ("afterok:", "job numbers"),
        ("afterok:999999", "has no job"),
    ],
)
def test_a_dependency_line_the_local_facility_cannot_honour_is_a_400(
    tmp_path: Path, line: str, words: str
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            first = await jobs.submit("localhost", JobRequest(script="true\n"))
            script = f"#!/bin/bash\n#SBATCH --dependency={line.format(id=first.id)}\ntrue\n"
            with pytest.raises(ValidationError, match=words):
                await jobs.submit("localhost", JobRequest(script=script))
            assert [job.id for job in await jobs.list_jobs("localhost")] == [first.id]
        finally:
            await jobs.close()

    asyncio.run(scenario())
