"""What every Slurm facility kind does alike: merging live jobs with history, cancel, hold, logs."""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import re
import time
from collections.abc import Callable

from ...errors import (
    CapabilityError,
    Conflict,
    FacilityError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ...inputs import shown
from ...models import (
    Capability,
    Job,
    JobRequest,
    JobState,
    LogStream,
    OutputChunk,
    Partition,
)
from ...timefmt import format_duration
from ..base import FileBackend, JobBackend
from ..logs import read_log
from .outputs import submitted_logs

JOB_ID = re.compile(r"([0-9]{1,10})(?:_([0-9]{1,10}))?", re.ASCII)  # \d would take any digit
MAX_JOB_NUMBER = 0xFFFFFFFD
"""The largest job or array task id: Slurm's ids are 32 bits, the two largest values reserved."""


def check_job_id(job_id: str) -> str:
    """A job id fit to put in a URL or a command: digits, or `ARRAYID_TASK`.

    Malformed is a `ValidationError`; digits Slurm never gives as an id (0, a leading zero,
    beyond 32 bits) are `NotFound` here, where Slurm would answer with an error of its own.
    """
    found = JOB_ID.fullmatch(job_id) if isinstance(job_id, str) else None
    if found is None:
        raise ValidationError(
            f"{shown(job_id)} is not a Slurm job id (digits, or 123_4 for an array task)."
        )
    job, task = found.groups()
    if not _canonical(job, first=1) or (task is not None and not _canonical(task, first=0)):
        raise NotFound(f"Slurm knows no job {shown(job_id, 30)}: its job ids start at 1.")
    return job_id


def _canonical(number: str, first: int) -> bool:
    """Whether `number` is written as Slurm writes an id it gives (no leading zero), in range."""
    return str(int(number)) == number and first <= int(number) <= MAX_JOB_NUMBER


HELD_REASONS = frozenset({"JobHeldUser", "JobHeldAdmin"})
"""Pending reasons of a held job (priority 0 until released)."""

REQUEUEABLE = frozenset({JobState.RUNNING, JobState.SUSPENDED})
"""States a job can be requeued from through hpc-jupyter."""

NEVER_STARTS = {
    "PartitionConfig": "asks for more than the partition can ever offer (nodes, CPUs or memory)",
    "PartitionNodeLimit": "asks for a node count outside the partition's limits",
    "PartitionTimeLimit": "asks for a longer time limit than the partition allows",
    "BadConstraints": "asks for node features (--constraint) no node has",
}
"""Pending reasons Slurm gives at submission to a job that can never start as it is."""

SETTLE_SECONDS = 5.0
"""How long a job just submitted that is PENDING with no reason yet is looked at again:
24.11 and 26.05 give a job that can never start its reason (PartitionTimeLimit...) 0.5-2 s
after the submit; a job that can start starts (or gets a reason) as quickly."""

PARTITIONS_MAX_AGE = 60.0
"""Seconds the partitions' limits are reused for checking submissions."""

HISTORY_MAX_AGE = 120.0
"""Seconds a listing of finished jobs from accounting is reused. A finished job stays in
slurmctld's own listing (with its final state) for MinJobAge, and accounting is asked again
as soon as slurmctld forgets a job, so reuse never hides a job; it spares slurmdbd a query
on every poll."""


class SlurmJobs(JobBackend):
    """One user's jobs on one Slurm cluster; subclasses say how to ask the cluster."""

    capabilities = JobBackend.capabilities | {
        Capability.JOBS_PARTITIONS,
        Capability.JOBS_ARRAYS,
        Capability.JOBS_DEPENDENCIES,
    }

    def __init__(self, facility: str, user: str, files: FileBackend | None) -> None:
        self.facility = facility
        self.user = user
        self.files = files
        self.history_max_age = HISTORY_MAX_AGE
        self._history: dict[str, tuple[float, list[Job]]] = {}
        self._current_ids: dict[str, set[str]] = {}
        self._partitions: dict[str, tuple[float, list[Partition]]] = {}

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

    async def control(self, action: str, job_id: str) -> None:
        """Ask Slurm to `hold`, `release` or `requeue` a job (a subclass that can declares
        `Capability.JOBS_HOLD` / `Capability.JOBS_REQUEUE`)."""
        raise CapabilityError(f"Facility {self.facility!r} cannot {action} jobs.")

    async def hold(self, system: str, job_id: str) -> Job:
        job = await self._own_job(system, job_id, "hold")
        if job.state is not JobState.PENDING:
            raise Conflict(f"Job {job_id} is {job.state.value}: only a pending job can be held.")
        if job.reason in HELD_REASONS:
            return job
        await self.control("hold", job_id)
        return await self._settle(system, job_id, lambda job: job.reason in HELD_REASONS)

    async def release(self, system: str, job_id: str) -> Job:
        job = await self._own_job(system, job_id, "release")
        if job.state is not JobState.PENDING or job.reason not in HELD_REASONS:
            raise Conflict(f"Job {job_id} is not held ({_describe(job)}): nothing to release.")
        if job.reason == "JobHeldAdmin":
            raise PermissionDenied(
                f"Job {job_id} was held by an administrator; only an administrator can release it."
            )
        await self.control("release", job_id)
        return await self._settle(system, job_id, lambda job: job.reason not in HELD_REASONS)

    async def requeue(self, system: str, job_id: str) -> Job:
        job = await self._own_job(system, job_id, "requeue")
        if job.state not in REQUEUEABLE:
            raise Conflict(
                f"Job {job_id} is {job.state.value}: only a running or suspended job can be "
                "requeued."
            )
        await self.control("requeue", job_id)
        return await self._settle(system, job_id, lambda job: job.state is not JobState.RUNNING)

    async def _own_job(self, system: str, job_id: str, action: str) -> Job:
        check_job_id(job_id)
        needed = Capability.JOBS_REQUEUE if action == "requeue" else Capability.JOBS_HOLD
        if needed not in self.capabilities:
            raise CapabilityError(f"Facility {self.facility!r} cannot {action} jobs.")
        return await self._own_active_job(system, job_id, action)

    async def _own_active_job(self, system: str, job_id: str, action: str) -> Job:
        """The job, if it has not ended and is the user's own; else why `action` cannot be done."""
        job = await self.get_job(system, job_id)
        if job.state.is_final:
            raise Conflict(f"Job {job_id} has already ended ({job.state.value}).")
        _check_owner(job, self.user, action)
        return job

    async def _settle(self, system: str, job_id: str, done: Callable[[Job], bool]) -> Job:
        """The job once Slurm reports the change (it records it at once, reports it late)."""
        job = await self.get_job(system, job_id)
        for _ in range(30):
            if done(job):
                break
            await asyncio.sleep(0.1)
            job = await self.get_job(system, job_id)
        else:
            raise FacilityError(
                f"Slurm accepted the request for job {job_id} but still reports it as "
                f"{_describe(job)}."
            )
        return job

    async def just_submitted(self, system: str, stand_in: Job) -> Job:
        """The job just submitted as Slurm reports it, withdrawn if it can never start.

        `stand_in` (the job as submitted) when Slurm has already forgotten it: a very short
        job on a busy controller, without accounting to fall back on.
        """
        deadline = time.monotonic() + SETTLE_SECONDS
        try:
            job = await self.get_job(system, stand_in.id)
            while job.state is JobState.PENDING and not job.reason:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
                job = await self.get_job(system, stand_in.id)
            return await self.withdraw_if_impossible(job)
        except NotFound:
            return stand_in

    async def check_time_limit(
        self, system: str, partition: str | None, seconds: int, qos: str | None
    ) -> None:
        """Refuse, before submitting, a time limit over the partition's MaxTime when the
        partition and its limit are known (Slurm would accept the job and never start it).

        Not with a QOS, which may lift the partition's limit; not for a list of partitions.
        """
        if qos or (partition and "," in partition):
            return
        cached = self._partitions.get(system)
        if cached is None or time.monotonic() - cached[0] > PARTITIONS_MAX_AGE:
            cached = (time.monotonic(), await self.partitions(system))
            self._partitions[system] = cached
        found = [
            known
            for known in cached[1]
            if (known.name == partition if partition else known.default is True)
        ]
        limit = found[0].max_time if found else None
        if limit is not None and seconds > limit:
            raise ValidationError(
                f"The job asks for a time limit of {format_duration(seconds)}, longer than "
                f"partition {found[0].name!r} allows ({format_duration(limit)}): Slurm would "
                "keep it pending forever."
            )

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
        forgotten = bool(self._current_ids.get(system, set()) - known)
        self._current_ids[system] = known
        finished = await self._finished(system, fresh=forgotten)
        jobs += [job for job in finished if job.id not in known]
        return sorted(jobs, key=_newest_first)

    async def _finished(self, system: str, fresh: bool) -> list[Job]:
        """Finished jobs from accounting, reused for `history_max_age` unless `fresh`."""
        cached = self._history.get(system)
        if fresh or cached is None or time.monotonic() - cached[0] > self.history_max_age:
            cached = (time.monotonic(), await self.finished_jobs(system))
            self._history[system] = cached
        return cached[1]

    async def get_job(self, system: str, job_id: str) -> Job:
        check_job_id(job_id)
        job = await self.current_job(system, job_id)
        return job if job is not None else await self.finished_job(system, job_id)

    async def cancel_job(self, system: str, job_id: str) -> Job:
        """The cancel and its confirmation: the job read before, the DELETE (`kill`), and the
        job read again until Slurm reports it ended (it records a cancel at once but reports it
        late); that last read is the answer, with no further read of the job."""
        job = await self.get_job(system, job_id)
        if job.state.is_final:
            raise Conflict(f"Job {job_id} has already ended ({job.raw_state}); nothing to cancel.")
        _check_owner(job, self.user, "cancel")
        await self.kill(job_id)
        cancelled = job
        for attempt in range(30):
            if attempt:
                await asyncio.sleep(0.1)
            try:
                cancelled = await self.get_job(system, job_id)
            except NotFound:  # it left the queue, and no accounting says how
                return dataclasses.replace(job, state=JobState.CANCELLED, raw_state="CANCELLED")
            if cancelled.state.is_final:
                return cancelled
        return dataclasses.replace(cancelled, reason="Cancel requested")

    output_from_known_job = True

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        job = await self.get_job(system, job_id)
        return await self.read_known_output(system, job, stream, offset, max_bytes)

    def with_submitted_logs(self, job: Job, request: JobRequest) -> Job:
        return submitted_logs(job, request)

    async def read_known_output(
        self, system: str, job: Job, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        job_id = job.id
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


def _check_owner(job: Job, user: str, action: str) -> None:
    if job.user and job.user != user:
        raise PermissionDenied(
            f"Job {job.id} belongs to {job.user}; only its owner can {action} it."
        )


def _describe(job: Job) -> str:
    return f"{job.state.value}, {job.reason}" if job.reason else job.state.value


def _newest_first(job: Job) -> tuple[int, int]:
    array = job.array_job_id or job.id.split("_")[0]
    task = job.array_task_id or ""
    return (-int(array or 0), -int(task) if task.isdigit() else 1)
