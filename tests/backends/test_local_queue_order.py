"""The local facility's queue: pending jobs start oldest first, however many wait behind them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hpc_jupyter.backends.local.dependencies import WAITING
from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.models import Dependency, JobRequest, JobState


def _local(tmp_path: Path, max_running: int) -> LocalJobs:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", max_running)


def test_a_job_starts_before_a_larger_array_submitted_after_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=1)
        # Given a job, then an array of 1,000 tasks, all pending, one slot to run in
        old = await jobs.submit("localhost", JobRequest(script="sleep 5\n", name="old"))
        try:
            await jobs.submit("localhost", JobRequest(script="true\n", array="0-999"))

            # When the follower looks at the store
            jobs._advance()

            # Then the older job took the slot, as Slurm's queue would give it
            assert (await jobs.get_job("localhost", old.id)).state is JobState.RUNNING
        finally:
            await jobs.cancel_job("localhost", old.id)
            await jobs.close()

    asyncio.run(scenario())


def test_a_waiting_job_is_released_however_many_jobs_wait_behind_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=1)
        try:
            # Given a job that waits for a cancelled one (afternotok: met), then a held array of
            # 1,000 tasks submitted after it
            first = await jobs.submit("localhost", JobRequest(script="true\n"))
            await jobs.cancel_job("localhost", first.id)
            waiting = await jobs.submit(
                "localhost",
                JobRequest(
                    script="true\n",
                    depends_on=(first.id,),
                    dependency=Dependency.AFTERNOTOK,
                ),
            )
            assert (await jobs.get_job("localhost", waiting.id)).reason == WAITING
            array = await jobs.submit("localhost", JobRequest(script="true\n", array="0-999"))
            await jobs.hold("localhost", array.id)

            # When the follower looks at the store
            jobs._advance()

            # Then the waiting job's dependency was decided, and it started
            job = await jobs.get_job("localhost", waiting.id)
            assert job.reason != WAITING and job.state is not JobState.PENDING, job
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_the_tasks_of_an_array_that_waits_are_released_together(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=1)
        try:
            # Given an array of three waiting for a job, and a job waiting for another job
            first = await jobs.submit("localhost", JobRequest(script="true\n"))
            other = await jobs.submit("localhost", JobRequest(script="true\n"))
            await jobs.hold("localhost", other.id)
            array = await jobs.submit(
                "localhost", JobRequest(script="true\n", array="0-2", depends_on=(first.id,))
            )
            alone = await jobs.submit(
                "localhost", JobRequest(script="true\n", depends_on=(other.id,))
            )

            # When the first job is cancelled and the follower looks once
            await jobs.cancel_job("localhost", first.id)
            jobs._advance()

            # Then every task of the array is decided (never met: afterok on a cancelled job),
            # and the job that waits for another still waits
            tasks = [job for job in await jobs.list_jobs("localhost") if job.array_job_id]
            assert [task.reason for task in tasks] == ["DependencyNeverSatisfied"] * 3
            assert all(task.array_job_id == array.id for task in tasks)
            assert (await jobs.get_job("localhost", alone.id)).reason == WAITING
        finally:
            await jobs.close()

    asyncio.run(scenario())
