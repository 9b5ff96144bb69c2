"""`JobBackend.cancel_job`, the template remote kinds cancel through, on an in-memory scheduler."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from hpc_jupyter.backends.base import JobBackend
from hpc_jupyter.errors import Conflict, NotFound
from hpc_jupyter.models import Job, JobRequest, JobState, LogStream, OutputChunk


class _Scheduler(JobBackend):
    """One job; a cancel turns it into `after` (None: the scheduler forgets it)."""

    def __init__(self, state: JobState, after: JobState | None) -> None:
        self.job: Job | None = Job(id="7", name="run", state=state, raw_state=state.value)
        self.after = after
        self.sent: list[str] = []

    async def _send_cancel(self, system: str, job_id: str, job: Job) -> None:
        self.sent.append(job_id)
        if self.after is None:
            self.job = None
        elif self.job is not None:
            self.job = dataclasses.replace(self.job, state=self.after, raw_state=self.after.value)

    async def get_job(self, system: str, job_id: str) -> Job:
        if self.job is None or self.job.id != job_id:
            raise NotFound(f"No job {job_id}.")
        return self.job

    async def submit(self, system: str, request: JobRequest) -> Job:
        raise NotImplementedError

    async def list_jobs(self, system: str) -> list[Job]:
        raise NotImplementedError

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        raise NotImplementedError


def _cancel(scheduler: _Scheduler, job_id: str = "7") -> Job:
    return asyncio.run(scheduler.cancel_job("s", job_id))


def test_a_job_that_has_ended_is_refused_and_nothing_is_sent() -> None:
    scheduler = _Scheduler(JobState.COMPLETED, after=JobState.CANCELLED)
    with pytest.raises(Conflict, match=r"Job 7 has already ended \(COMPLETED\)"):
        _cancel(scheduler)
    assert scheduler.sent == []


def test_a_job_the_scheduler_still_runs_says_the_cancel_was_asked() -> None:
    # The scheduler cancels asynchronously: right after, the job may still be running
    job = _cancel(_Scheduler(JobState.RUNNING, after=JobState.RUNNING))
    assert (job.state, job.reason) == (JobState.RUNNING, "Cancel requested")


def test_a_job_cancelled_at_once_is_answered_as_the_scheduler_shows_it() -> None:
    scheduler = _Scheduler(JobState.PENDING, after=JobState.CANCELLED)
    job = _cancel(scheduler)
    assert (job.state, job.reason) == (JobState.CANCELLED, None)
    assert scheduler.sent == ["7"]


def test_a_job_gone_right_after_the_cancel_reads_as_cancelled() -> None:
    # Left the queue, with no accounting to say how it ended
    job = _cancel(_Scheduler(JobState.RUNNING, after=None))
    assert (job.id, job.state, job.raw_state) == ("7", JobState.CANCELLED, "CANCELLED")


def test_an_unknown_job_is_not_found_and_nothing_is_sent() -> None:
    scheduler = _Scheduler(JobState.RUNNING, after=JobState.CANCELLED)
    with pytest.raises(NotFound):
        _cancel(scheduler, "8")
    assert scheduler.sent == []
