"""A job array as one job: the state of array `A` from the states of its tasks.

A submit answers an array by its id `A` (as sbatch does), while a listing shows the array's
records (local: every task `A_i`; Slurm: the tasks that have started and one pending record for
the rest). Whoever follows `A` (the job watcher's events, the kernel's job monitor, the Lab
panel) follows this summary of the records listed with `array_job_id` `A`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from .models import Job, JobState


def array_state(states: Iterable[JobState]) -> JobState:
    """Running while any task runs, pending while any waits (or runs in another not-final
    state), else ended as its tasks did: completed only if every one did, else the first other
    way a task ended, in the order given."""
    listed = list(states)
    if JobState.RUNNING in listed:
        return JobState.RUNNING
    if any(not state.is_final for state in listed):
        return (
            JobState.PENDING
            if JobState.PENDING in listed
            else next(state for state in listed if not state.is_final)
        )
    return next((state for state in listed if state is not JobState.COMPLETED), JobState.COMPLETED)


def is_whole_array(job: Job) -> bool:
    """Whether `job` stands for a whole array (its id `A`, as `summary` sums it up, or Slurm's
    record of its pending tasks), not for one task of it or a job of its own."""
    return job.array_job_id == job.id and not (job.array_task_id or "").isdigit()


def array_summaries(jobs: Iterable[Job]) -> dict[str, Job]:
    """Each array listed in `jobs`, by its id `A`, as one job summing up its records."""
    arrays: dict[str, list[Job]] = {}
    for job in jobs:
        if job.array_job_id:
            arrays.setdefault(job.array_job_id, []).append(job)
    return {array_id: summary(array_id, records) for array_id, records in arrays.items()}


def summary(array_id: str, records: list[Job]) -> Job:
    """Array `array_id` as one job, from its records (at least one), in task order."""
    ordered = sorted(records, key=_task_order)
    state = array_state(job.state for job in ordered)
    final = state.is_final
    codes = [job.exit_code for job in ordered if job.exit_code]
    ends = [job.end_time for job in ordered if job.end_time is not None]
    starts = [job.start_time for job in ordered if job.start_time is not None]
    first = ordered[0]
    return dataclasses.replace(
        first,
        id=array_id,
        state=state,
        raw_state=state.value,
        start_time=min(starts) if starts else None,
        end_time=max(ends) if final and ends else None,
        exit_code=(codes[0] if codes else 0) if final else None,
        reason=first.reason if state is JobState.PENDING else None,
        array_job_id=array_id,
        array_task_id=None,
    )


def _task_order(job: Job) -> tuple[int, str]:
    task = job.array_task_id or ""
    return (int(task), "") if task.isdigit() else (-1, task)
