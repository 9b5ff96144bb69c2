"""What every Slurm facility kind does alike: merging live jobs with history, cancel, logs."""

from __future__ import annotations

import abc
import asyncio
import re

from ...errors import CapabilityError, Conflict, NotFound, PermissionDenied, ValidationError
from ...models import Capability, Job, JobState, OutputChunk
from ..base import FileBackend, JobBackend
from ..logs import read_log

JOB_ID = re.compile(r"^\d{1,10}(_\d{1,10})?$")


def check_job_id(job_id: str) -> str:
    """A job id fit to put in a URL or a command: digits, or `ARRAYID_TASK`."""
    if not isinstance(job_id, str) or not JOB_ID.match(job_id):
        raise ValidationError(
            f"{job_id!r} is not a Slurm job id (digits, or 123_4 for an array task)."
        )
    return job_id


NEVER_STARTS = {
    "PartitionConfig": "asks for more than the partition can ever offer (nodes, CPUs or memory)",
    "PartitionNodeLimit": "asks for a node count outside the partition's limits",
    "PartitionTimeLimit": "asks for a longer time limit than the partition allows",
    "BadConstraints": "asks for node features (--constraint) no node has",
}
"""Pending reasons Slurm gives at submission to a job that can never start as it is."""


class SlurmJobs(JobBackend):
    """One user's jobs on one Slurm cluster; subclasses say how to ask the cluster."""

    capabilities = JobBackend.capabilities | {Capability.JOBS_PARTITIONS}

    def __init__(self, facility: str, user: str, files: FileBackend | None) -> None:
        self.facility = facility
        self.user = user
        self.files = files

    @abc.abstractmethod
    async def current_jobs(self, system: str) -> list[Job]:
        """The user's jobs that slurmctld still knows (running, and recently ended)."""

    @abc.abstractmethod
    async def current_job(self, system: str, job_id: str) -> Job | None:
        """One job slurmctld knows, of any user; None when it has forgotten it."""

    @abc.abstractmethod
    async def finished_jobs(self, system: str) -> list[Job]:
        """The user's finished jobs from accounting; empty without accounting."""

    @abc.abstractmethod
    async def finished_job(self, system: str, job_id: str) -> Job:
        """One job from accounting; `NotFound` when it has no record."""

    @abc.abstractmethod
    async def kill(self, job_id: str) -> None:
        """Ask Slurm to cancel a job."""

    async def withdraw_if_impossible(self, job: Job) -> Job:
        """Cancel a job just submitted that Slurm says can never start, and say why (400)."""
        why = NEVER_STARTS.get(job.reason or "") if job.state is JobState.PENDING else None
        if why is None:
            return job
        await self.kill(job.id)
        raise ValidationError(
            f"The job {why}; Slurm would keep it pending forever, so it was withdrawn "
            f"(job {job.id}, reason {job.reason})."
        )

    async def list_jobs(self, system: str) -> list[Job]:
        jobs = await self.current_jobs(system)
        known = {job.id for job in jobs}
        jobs += [job for job in await self.finished_jobs(system) if job.id not in known]
        return sorted(jobs, key=_newest_first)

    async def get_job(self, system: str, job_id: str) -> Job:
        check_job_id(job_id)
        job = await self.current_job(system, job_id)
        return job if job is not None else await self.finished_job(system, job_id)

    async def cancel_job(self, system: str, job_id: str) -> Job:
        job = await self.get_job(system, job_id)
        if job.state.is_final:
            raise Conflict(f"Job {job_id} has already ended ({job.state.value}).")
        if job.user and job.user != self.user:
            raise PermissionDenied(
                f"Job {job_id} belongs to {job.user}; only its owner can cancel it."
            )
        await self.kill(job_id)
        for _ in range(30):  # slurmctld records the cancellation at once, but reports it late
            job = await self.get_job(system, job_id)
            if job.state.is_final:
                break
            await asyncio.sleep(0.1)
        return job

    async def read_output(
        self, system: str, job_id: str, stream: str, offset: int, max_bytes: int
    ) -> OutputChunk:
        if stream not in ("stdout", "stderr"):
            raise ValidationError("stream must be 'stdout' or 'stderr'.")
        job = await self.get_job(system, job_id)
        path = job.stdout if stream == "stdout" else job.stderr
        if self.files is None:
            raise CapabilityError(
                f"Facility {self.facility!r} has no file access configured, so job logs "
                "cannot be read; set its `files` option."
            )
        if not path:
            raise NotFound(
                f"Slurm no longer says where job {job_id} wrote its {stream} "
                "(its accounting record does not keep it)."
            )
        return await read_log(self.files, system, path, offset, max_bytes, job.state.is_final)


def _newest_first(job: Job) -> tuple[int, int]:
    array = job.array_job_id or job.id.split("_")[0]
    task = job.array_task_id or ""
    return (-int(array or 0), -int(task) if task.isdigit() else 1)
