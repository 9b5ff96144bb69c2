"""Job arrays on the local facility: real task processes, a real store, Slurm's variables."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hpc_jupyter.backends.arrays import parse_array
from hpc_jupyter.backends.local.jobs import HELD, LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.backends.local.store import JobStore
from hpc_jupyter.errors import Conflict, ValidationError
from hpc_jupyter.models import Capability, Job, JobRequest, JobState

_ENV_SCRIPT = (
    "#!/bin/bash\n"
    "echo $SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT"
    " $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_MAX\n"
)


def _local(tmp_path: Path, max_running: int = 4) -> LocalJobs:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", max_running)


async def _tasks(jobs: LocalJobs, array: Job) -> list[Job]:
    listed = await jobs.list_jobs("localhost")
    mine = [job for job in listed if job.array_job_id == array.id]
    return sorted(mine, key=lambda job: int(job.array_task_id or 0))


async def _until_final(jobs: LocalJobs, job_id: str, timeout: float = 30) -> Job:
    deadline = time.monotonic() + timeout
    while not (job := await jobs.get_job("localhost", job_id)).state.is_final:
        assert time.monotonic() < deadline, job
        jobs._advance()
        await asyncio.sleep(0.05)
    return job


def test_the_local_facility_declares_arrays(tmp_path: Path) -> None:
    assert Capability.JOBS_ARRAYS in LocalJobs.capabilities


def test_an_array_runs_each_task_with_slurms_variables_and_output_patterns(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            array = await jobs.submit(
                "localhost", JobRequest(script=_ENV_SCRIPT, array="1,3,5-6", name="env")
            )
            assert (array.array_job_id, array.array_task_id) == (array.id, "1,3,5-6")
            tasks = await _tasks(jobs, array)
            assert [job.id for job in tasks] == [f"{array.id}_{i}" for i in (1, 3, 5, 6)]

            ended = await _until_final(jobs, array.id)

            assert ended.state is JobState.COMPLETED
            root = tmp_path / "root"
            for index in (1, 3, 5, 6):
                task = await jobs.get_job("localhost", f"{array.id}_{index}")
                assert task.state is JobState.COMPLETED
                assert task.stdout == f"slurm-{array.id}_{index}.out"
                text = (root / f"slurm-{array.id}_{index}.out").read_text()
                assert text.split() == [array.id, str(index), "4", "1", "6"]
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_the_request_array_overrides_the_directive_and_patterns_name_the_files(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        script = "#!/bin/bash\n#SBATCH --array=0-99\n#SBATCH --output=out/%x-%A.%a.txt\necho hi\n"
        (tmp_path / "root" / "out").mkdir()
        try:
            array = await jobs.submit(
                "localhost", JobRequest(script=script, array="0-1", name="pat")
            )
            assert len(await _tasks(jobs, array)) == 2
            await _until_final(jobs, array.id)
            for index in (0, 1):
                path = tmp_path / "root" / "out" / f"pat-{array.id}.{index}.txt"
                assert path.read_text() == "hi\n"
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_throttle_lets_only_that_many_tasks_run_at_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=4)
        try:
            array = await jobs.submit(
                "localhost", JobRequest(script="#!/bin/bash\nsleep 0.3\n", array="0-4%2")
            )
            most = 0
            deadline = time.monotonic() + 30
            while not (await jobs.get_job("localhost", array.id)).state.is_final:
                assert time.monotonic() < deadline
                jobs._advance()
                running = [
                    job for job in await _tasks(jobs, array) if job.state is JobState.RUNNING
                ]
                most = max(most, len(running))
                await asyncio.sleep(0.02)
            assert most == 2
            states = {job.state for job in await _tasks(jobs, array)}
            assert states == {JobState.COMPLETED}
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_cancelling_the_array_cancels_every_task_and_one_task_alone(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=2)
        try:
            array = await jobs.submit(
                "localhost", JobRequest(script="#!/bin/bash\nsleep 30\n", array="0-3")
            )
            jobs._advance()  # two tasks start, two wait
            alone = await jobs.cancel_job("localhost", f"{array.id}_3")
            assert (alone.id, alone.state) == (f"{array.id}_3", JobState.CANCELLED)

            cancelled = await jobs.cancel_job("localhost", array.id)

            assert cancelled.state is JobState.CANCELLED
            states = [job.state for job in await _tasks(jobs, array)]
            assert states == [JobState.CANCELLED] * 4
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_holding_the_array_holds_every_pending_task_until_it_is_released(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path, max_running=1)
        try:
            # Given an array of three, held as a whole before any task starts
            array = await jobs.submit(
                "localhost", JobRequest(script="#!/bin/bash\ntrue\n", array="0-2")
            )
            held = await jobs.hold("localhost", array.id)
            jobs._advance()  # nothing starts while held
            while_held = await _tasks(jobs, array)

            # When one task is released alone, then the rest with the array
            one = await jobs.release("localhost", f"{array.id}_1")
            with pytest.raises(Conflict, match=f"Job {array.id}_1 is not held"):
                await jobs.release("localhost", f"{array.id}_1")
            released = await jobs.release("localhost", array.id)
            ended = await _until_final(jobs, array.id)

            # Then every task waited while held, and all ran once released
            assert (held.state, held.reason) == (JobState.PENDING, HELD)
            assert {(job.state, job.reason) for job in while_held} == {(JobState.PENDING, HELD)}
            assert (one.id, one.reason) == (f"{array.id}_1", "Resources")
            assert released.state is JobState.PENDING
            assert ended.state is JobState.COMPLETED
            with pytest.raises(Conflict, match=f"No task of job array {array.id} is pending"):
                await jobs.hold("localhost", array.id)
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_failing_task_fails_the_array_as_a_whole(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        script = '#!/bin/bash\n[ "$SLURM_ARRAY_TASK_ID" != 1 ]\n'
        try:
            array = await jobs.submit("localhost", JobRequest(script=script, array="0-2"))
            ended = await _until_final(jobs, array.id)
            assert (ended.state, ended.exit_code) == (JobState.FAILED, 1)
            states = [job.state for job in await _tasks(jobs, array)]
            assert states == [JobState.COMPLETED, JobState.FAILED, JobState.COMPLETED]
        finally:
            await jobs.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("0-1000", "more than 1000 tasks"),
        ("0-999999999", "to at most 4000000"),
        ("5-1", "a range goes up"),
        ("0-9%0", "after %"),
        ("x", "not a list of task indexes"),
    ],
)
def test_a_bad_or_too_large_array_is_refused_before_anything_is_recorded(
    tmp_path: Path, spec: str, words: str
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            with pytest.raises(ValidationError, match=words):
                await jobs.submit(
                    "localhost", JobRequest(script=f"#!/bin/bash\n#SBATCH -a {spec}\n")
                )
            assert await jobs.list_jobs("localhost") == []
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_array_indexes_are_read_as_slurm_reads_them() -> None:
    assert parse_array("0-6:3,10%2").indexes == (0, 3, 6, 10)
    assert parse_array("0-6:3,10%2").throttle == 2
    assert parse_array("0-999").count == 1000


def test_overlapping_ranges_count_each_task_once_against_the_limit() -> None:
    # Slurm takes the union of the ranges: 1,000 distinct tasks are within its default limit
    assert parse_array("0-999,500-999").count == 1000
    assert parse_array("0-9,0-9,0-9", max_tasks=10).count == 10
    with pytest.raises(ValidationError, match="more than 10 tasks"):
        parse_array("0-9,5-10", max_tasks=10)
    # ... and more ranges than tasks allowed are refused before any is read (bounded work)
    with pytest.raises(ValidationError, match="more than 10 tasks"):
        parse_array(",".join(["0-9"] * 11), max_tasks=10)


def test_a_store_made_before_arrays_is_migrated_and_keeps_its_jobs(tmp_path: Path) -> None:
    from tests.backends.test_local_jobs import _old_store

    async def scenario() -> None:
        root = (tmp_path / "root").resolve()
        root.mkdir()
        _old_store(tmp_path / "data", [(str(root), "touch old-ran\n")])

        # When a server of this release opens it, runs the old job, then an array
        jobs = _local(tmp_path)
        try:
            old = await _until_final(jobs, "1")
            array = await jobs.submit("localhost", JobRequest(script="true\n", array="0-1"))
            ended = await _until_final(jobs, array.id)
            tasks = await _tasks(jobs, array)
        finally:
            await jobs.close()

        # Then the old job is as it was (not a task), and the array's tasks follow it
        assert (old.id, old.state, old.array_job_id) == ("1", JobState.COMPLETED, None)
        assert (root / "old-ran").exists()
        assert array.id == "2" and ended.state is JobState.COMPLETED
        assert [task.id for task in tasks] == ["2_0", "2_1"]

    asyncio.run(scenario())


def test_two_servers_sharing_the_store_keep_an_arrays_throttle_together(tmp_path: Path) -> None:
    async def scenario() -> None:
        first, second = _local(tmp_path), _local(tmp_path)
        try:
            # Given an array of four, one task at a time, followed by two servers of one root
            array = await first.submit(
                "localhost", JobRequest(script="#!/bin/bash\nsleep 0.3\n", array="0-3%1")
            )
            most = 0
            deadline = time.monotonic() + 30
            while not (await first.get_job("localhost", array.id)).state.is_final:
                assert time.monotonic() < deadline
                # When both look at the store, turn by turn
                first._advance()
                second._advance()
                running = [j for j in await _tasks(first, array) if j.state is JobState.RUNNING]
                most = max(most, len(running))
                await asyncio.sleep(0.02)

            # Then never more than one task ran, and all of them completed
            assert most == 1
            assert {job.state for job in await _tasks(second, array)} == {JobState.COMPLETED}
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


def test_a_large_array_counts_as_one_entry_against_the_listing_cap(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            # Given a job, then an array of 1,000 tasks (the listing's cap), both pending
            old = await jobs.submit("localhost", JobRequest(script="true\n", name="old"))
            array = await jobs.submit("localhost", JobRequest(script="true\n", array="0-999"))

            # When the jobs are listed
            listed = await jobs.list_jobs("localhost")

            # Then the array is listed whole, and the older job still is
            ids = [job.id for job in listed]
            assert len(ids) == 1001 and old.id in ids, len(ids)
            assert ids[:2] == [f"{array.id}_999", f"{array.id}_998"]
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_listing_stops_at_whole_entries_once_it_has_enough_records(tmp_path: Path) -> None:
    # Given, oldest first: a job, an array of 3 tasks, a job, an array of 2 tasks, a job
    store = JobStore(tmp_path / "jobs.sqlite", str(tmp_path))
    common = {
        "name": "n",
        "state": "PENDING",
        "user": "u",
        "workdir": str(tmp_path),
        "stdout": "o",
        "stderr": "o",
        "submit_time": 0.0,
    }
    try:
        first = store.insert(lambda _: {}, **common).id
        store.insert_array(lambda _: {}, [{"array_task_id": i} for i in range(3)], **common)
        store.insert(lambda _: {}, **common)
        store.insert_array(lambda _: {}, [{"array_task_id": i} for i in range(2)], **common)
        store.insert(lambda _: {}, **common)

        def entries(**caps: int) -> list[int]:
            return sorted(record.id for record in store.listing(**caps))

        every = list(range(first, first + 8))
        # Then entries count arrays as one, and are never cut inside an array
        assert entries() == every
        assert entries(entries=4) == every[1:]
        assert entries(entries=2) == every[5:]
        assert entries(rows=3) == every[5:]  # the third newest record is in the newer array
        assert entries(rows=5) == every[1:]  # ... the fifth in the older one: listed whole
        assert entries(rows=8) == every
    finally:
        store.close()
