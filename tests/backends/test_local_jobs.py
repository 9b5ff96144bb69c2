"""The local facility's jobs, step by step, on real job processes and a real job store."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from hpc_jupyter.backends.local.jobs import HELD, LAUNCH_GRACE, NEVER_STARTED, LocalJobs
from hpc_jupyter.backends.local.launch import start_process
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.backends.local.store import Claim, JobRecord
from hpc_jupyter.backends.local.usage import read_usage
from hpc_jupyter.errors import ValidationError
from hpc_jupyter.models import Job, JobRequest, JobState


class _EndsBetweenTheLooks(LocalJobs):
    """The job's wrapper writes its exit status and exits between the follower's two looks.

    The job really ran and ended; its exit file is hidden for the first look only and back
    in place when the follower finds the process gone, as when the wrapper finishes there.
    """

    hidden: Path | None = None

    def _alive(self, record: JobRecord) -> bool:
        if self.hidden is not None:
            self.hidden.rename(self._job_dir(record.id) / "exit_code")
            self.hidden = None
        return super()._alive(record)


def test_a_job_ending_between_the_two_looks_is_completed_not_failed(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _EndsBetweenTheLooks("local", "localhost", RootedPaths(tmp_path), tmp_path, 1)
        try:
            job = await jobs.submit("localhost", JobRequest(script="#!/bin/bash\ntrue\n"))
            jobs._advance()  # starts it
            record = jobs._record(int(job.id))
            exit_file = jobs._job_dir(record.id) / "exit_code"
            deadline = time.monotonic() + 30
            while not exit_file.exists() or jobs._alive(record):
                assert time.monotonic() < deadline, "the job did not end"
                await asyncio.sleep(0.05)
            jobs.hidden = exit_file.rename(exit_file.with_name("exit_code.hidden"))

            jobs._advance()

            ended = await jobs.get_job("localhost", job.id)
            assert (ended.state, ended.exit_code) == (JobState.COMPLETED, 0), ended
        finally:
            await jobs.close()

    asyncio.run(scenario())


# -- helpers for the tests below -------------------------------------------------------------


def _local(tmp_path: Path, root: Path | None = None) -> LocalJobs:
    root = root or tmp_path / "root"
    root.mkdir(exist_ok=True)
    return LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", 2)


async def _until_final(jobs: LocalJobs, job_id: str, timeout: float = 30) -> Job:
    """Step the follower until the job has ended."""
    deadline = time.monotonic() + timeout
    while not (job := await jobs.get_job("localhost", job_id)).state.is_final:
        assert time.monotonic() < deadline, job
        jobs._advance()
        await asyncio.sleep(0.05)
    return job


# -- reading output --------------------------------------------------------------------------


def test_an_offset_beyond_two_to_the_63_reads_nothing_and_fails_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            job = await jobs.submit("localhost", JobRequest(script="echo some output\n"))
            await _until_final(jobs, job.id)
            for offset in (2**63 - 1, 2**63, 2**64, 10**30):
                chunk = await jobs.read_output("localhost", job.id, "stdout", offset, 1024)
                assert (chunk.data, chunk.offset, chunk.complete) == ("", offset, True)
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_script_that_is_not_utf8_text_is_refused_before_it_is_recorded(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            with pytest.raises(ValidationError, match="not valid text"):
                await jobs.submit("localhost", JobRequest(script="echo \ud800\n"))
            assert await jobs.list_jobs("localhost") == []
            assert not (tmp_path / "data" / "jobs").exists()
        finally:
            await jobs.close()

    asyncio.run(scenario())


# -- a store made before jobs remembered their root ------------------------------------------

_OLD_SCHEMA = """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
    user TEXT NOT NULL, partition TEXT, account TEXT, nodes INTEGER, workdir TEXT NOT NULL,
    stdout TEXT NOT NULL, stderr TEXT NOT NULL, time_limit INTEGER,
    env TEXT NOT NULL DEFAULT '{}', submit_time REAL NOT NULL, start_time REAL, end_time REAL,
    exit_code INTEGER, pid INTEGER, pid_start TEXT
);
"""


def _old_store(data: Path, rows: list[tuple[str, str]]) -> None:
    """A job store as the previous release wrote it: pending jobs (work dir, script)."""
    data.mkdir(parents=True)
    db = sqlite3.connect(data / "jobs.sqlite")
    db.executescript(_OLD_SCHEMA)
    for number, (workdir, script) in enumerate(rows, start=1):
        out = f"{workdir}/slurm-{number}.out"
        db.execute(
            "INSERT INTO jobs (name, state, reason, user, nodes, workdir, stdout, stderr,"
            " submit_time) VALUES ('old', 'PENDING', 'Resources', 'me', 1, ?, ?, ?, ?)",
            (workdir, out, out, time.time()),
        )
        (data / "jobs" / str(number)).mkdir(parents=True)
        (data / "jobs" / str(number) / "script.sh").write_text(script)
    db.commit()
    db.close()


def test_an_old_store_is_migrated_and_its_jobs_go_to_the_root_that_holds_them(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        here, there = (tmp_path / "here").resolve(), (tmp_path / "there").resolve()
        here.mkdir()
        there.mkdir()
        _old_store(tmp_path / "data", [(str(there), "touch ran\n"), (str(here), "touch ran\n")])

        # When a server starts in "here" on a store made before roots were remembered
        jobs = _local(tmp_path, here)
        try:
            # Then both old jobs are listed, the one of another folder with absolute paths
            listed = {job.id: job for job in await jobs.list_jobs("localhost")}
            assert listed["1"].workdir == str(there)
            assert listed["1"].stdout == str(there / "slurm-1.out")
            assert listed["1"].reason is not None and str(there) in listed["1"].reason
            assert (listed["2"].workdir, listed["2"].stdout) == (".", "slurm-2.out")

            # and this server runs the job of its own folder only
            done = await _until_final(jobs, "2")
            assert done.state is JobState.COMPLETED
            assert (here / "ran").exists()
            assert (await jobs.get_job("localhost", "1")).state is JobState.PENDING
            assert not (there / "ran").exists()
        finally:
            await jobs.close()

        # And a server started in "there" adopts and runs the other one
        jobs = _local(tmp_path, there)
        try:
            assert (await _until_final(jobs, "1")).state is JobState.COMPLETED
            assert (there / "ran").exists()
        finally:
            await jobs.close()

    asyncio.run(scenario())


# -- a server that stops between claiming a job and recording its process --------------------


class _StopsAfterStarting(LocalJobs):
    """Starts the job's real process, then stops before recording its pid (a killed server)."""

    def _launch(self, record: JobRecord) -> None:
        start_process(self._job_dir(record.id), record, dict(os.environ))


def test_a_job_started_by_a_server_that_then_died_is_followed_by_the_next(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        dying = _StopsAfterStarting(
            "local", "localhost", RootedPaths(tmp_path / "root"), tmp_path / "data", 2
        )
        (tmp_path / "root").mkdir()
        job = await dying.submit("localhost", JobRequest(script="sleep 0.5\necho done\n"))
        dying._advance()  # claims it and starts its process, records no pid
        claimed = dying._record(int(job.id))
        assert (claimed.state, claimed.pid) == ("RUNNING", None)
        await dying.close()

        # When the next server follows the store
        jobs = _local(tmp_path)
        try:
            # Then it finds the job's process and follows it to its end
            done = await _until_final(jobs, job.id)
            assert (done.state, done.exit_code) == (JobState.COMPLETED, 0), done
            assert (tmp_path / "root" / f"slurm-{job.id}.out").read_text() == "done\n"
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_job_claimed_by_a_server_that_died_before_starting_it_fails_honestly(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            job = await jobs.submit("localhost", JobRequest(script="touch ran\n"))
            # A server claimed it a while ago and died before starting anything
            claim = jobs.store.claim(
                int(job.id), jobs.root, HELD, 4, time.time() - 2 * LAUNCH_GRACE
            )
            assert claim is Claim.CLAIMED

            jobs._advance()

            ended = await jobs.get_job("localhost", job.id)
            assert ended.state is JobState.FAILED
            assert ended.reason == NEVER_STARTED
            assert not (tmp_path / "root" / "ran").exists()
            # and its efficiency says it failed, without a run time it never had
            figures = await jobs.efficiency("localhost", ended)
            assert figures is not None
            assert (figures.outcome, figures.elapsed, figures.cpu_time) == ("failed", None, None)
        finally:
            await jobs.close()

    asyncio.run(scenario())


# -- two servers' followers on one store -----------------------------------------------------


def test_a_cancel_through_one_server_is_not_undone_by_the_other_finishing_the_job(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        first, second = _local(tmp_path), _local(tmp_path)
        try:
            job = await first.submit("localhost", JobRequest(script="true\n"))
            first._advance()  # starts it
            exit_file = first._job_dir(int(job.id)) / "exit_code"
            deadline = time.monotonic() + 30
            while not exit_file.exists():
                assert time.monotonic() < deadline, "the job did not end"
                await asyncio.sleep(0.05)
            # The first server's follower has read the job as RUNNING...
            seen = first._record(int(job.id))
            assert seen.state == "RUNNING"

            # ...when the user cancels it through the second server
            cancelled = await second.cancel_job("localhost", job.id)
            assert cancelled.state is JobState.CANCELLED

            # Then the first follower, going on with what it read, does not undo the cancel
            first._check_running(seen, time.time())
            for jobs in (first, second):
                assert (await jobs.get_job("localhost", job.id)).state is JobState.CANCELLED
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


# -- what a job used -------------------------------------------------------------------------


def test_a_job_whose_wrapper_finds_no_python_still_ends_with_its_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a server whose Python is gone by the time its jobs end (a venv rebuilt meanwhile),
    # as for a job started by an older server, whose wrapper recorded no usage
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gone" / "python3"))

    async def scenario() -> None:
        jobs = _local(tmp_path)
        try:
            ok = await jobs.submit("localhost", JobRequest(script="sleep 0.2\n"))
            bad = await jobs.submit("localhost", JobRequest(script="exit 3\n"))

            # Then each job still ends as its script did
            done, failed = await _until_final(jobs, ok.id), await _until_final(jobs, bad.id)
            assert (done.state, done.exit_code) == (JobState.COMPLETED, 0), done
            assert (failed.state, failed.exit_code) == (JobState.FAILED, 3), failed
            assert not (jobs._job_dir(int(ok.id)) / "usage").exists()

            # and its efficiency has what is known: how it ended and how long it ran
            figures = await jobs.efficiency("localhost", done)
            assert figures is not None
            assert figures.source == "local job record"
            assert figures.elapsed is not None and figures.elapsed >= 0.2
            assert (figures.cpu_time, figures.memory_used) == (None, None)
            assert figures.summary.startswith("Completed. Ran ")
            failing = await jobs.efficiency("localhost", failed)
            assert failing is not None
            assert failing.summary.startswith("Failed with exit code 3")
        finally:
            await jobs.close()

    asyncio.run(scenario())


def test_a_job_whose_work_dir_and_environment_shadow_python_still_gets_its_figures(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        jobs = _local(tmp_path)
        # Given a work dir with modules the recorder imports, and an environment pointing
        # Python at them, each of which would break it
        for module in ("json", "os", "resource", "sys"):
            (tmp_path / "root" / f"{module}.py").write_text("raise SystemExit(99)\n")
        env = {
            "PYTHONPATH": str(tmp_path / "root"),
            "PYTHONHOME": str(tmp_path / "nowhere"),
            "LD_PRELOAD": str(tmp_path / "nowhere.so"),
        }
        try:
            job = await jobs.submit("localhost", JobRequest(script="true\n", env=env))

            done = await _until_final(jobs, job.id)

            # Then the job ends as its script did, with what it used
            assert (done.state, done.exit_code) == (JobState.COMPLETED, 0), done
            figures = await jobs.efficiency("localhost", done)
            assert figures is not None and figures.source == "getrusage"
            assert figures.cpu_time is not None and figures.memory_used is not None
        finally:
            await jobs.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("text", ["", "{", "[]", '{"user": "1", "system": -1, "max_rss": true}'])
def test_a_damaged_usage_record_gives_no_figures_rather_than_an_error(
    tmp_path: Path, text: str
) -> None:
    (tmp_path / "usage").write_text(text)

    usage = read_usage(tmp_path)

    assert usage is None or (usage.cpu_time, usage.max_rss) == (None, None)
