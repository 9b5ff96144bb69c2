"""A facility's jobs: read through the job watcher, written through the backend, then published."""

from __future__ import annotations

import builtins
import dataclasses
import logging

from ..array_jobs import is_whole_array
from ..backends.base import JobBackend
from ..efficiency import efficiency, outcome_of
from ..errors import CapabilityError, HPCError, NotFound, ValidationError
from ..inputs import check_job_id, shown
from ..ledger import SubmissionLedger
from ..models import (
    Capability,
    Efficiency,
    Job,
    JobRequest,
    OutputChunk,
    Partition,
    Submission,
    check_stream,
)
from ..payload import Payload
from ..records import SubmissionRecords
from ..registry import FacilityRegistry
from ..watcher import JobWatcher

DEFAULT_OUTPUT_CHUNK = 256 * 1024
MAX_OUTPUT_CHUNK = 4 * 1024 * 1024
MAX_EFFICIENCIES = 2000
"""Finished jobs whose efficiency is kept (it never changes), the oldest dropped first."""
log = logging.getLogger(__name__)
ACTIONS = ("hold", "release", "requeue")
"""What a job's place in the queue can be changed by (`act`)."""


class JobService:
    """Jobs of every facility. Each write tells the job watcher, so listeners hear of it at once.

    `system` is as the request gave it: None (or empty) means the facility's default system.
    """

    def __init__(
        self,
        registry: FacilityRegistry,
        watcher: JobWatcher,
        submissions: SubmissionLedger,
        records: SubmissionRecords | None = None,
    ) -> None:
        self.registry = registry
        self.watcher = watcher
        self.submissions = submissions
        self.records = records
        """The server's records of how jobs were submitted (None: none kept)."""
        self._efficiencies: dict[tuple[str, str, str], Efficiency] = {}

    async def list_payload(self, facility: str, system: str | None) -> Payload:
        """The user's jobs, or the last good listing marked stale, as JSON bytes and their ETag.

        The job watcher's listing, serialized once per change of it, however many ask.
        """
        resolved = await self.registry.resolve_system(facility, system)
        return await self.watcher.jobs_payload(facility, resolved)

    async def get(self, facility: str, system: str | None, job_id: str) -> Job:
        """One job; once it has ended, with its `efficiency` where the facility's accounting tells.

        A finished job's efficiency never changes: it is asked of the facility once. A whole
        array has none (each task has its own figures; the facility would answer one task's).
        """
        check_job_id(job_id)
        resolved = await self.registry.resolve_system(facility, system)
        job = await self.watcher.job(facility, resolved, job_id)
        backend = self.registry.get(facility).jobs
        if (
            backend is None
            or not job.state.is_final
            or is_whole_array(job)
            or Capability.JOBS_EFFICIENCY not in backend.capabilities
        ):
            return job
        return await self._with_efficiency(facility, resolved, job, backend)

    async def _with_efficiency(
        self, facility: str, system: str, job: Job, backend: JobBackend
    ) -> Job:
        """A finished job with its efficiency: kept once known, asked of the facility until."""
        key = (facility, system, job.id)
        known = self._efficiencies.get(key)
        if known is None:
            try:
                known = await backend.efficiency(system, job)
            except HPCError as err:  # the job is still right; say why its figures are missing
                log.info("efficiency of job %s on %s: %s", job.id, facility, err.message)
                ended = efficiency(outcome_of(job.state, job.exit_code), "none")
                missing = (
                    f"{ended.summary} How it used its resources is not known: the facility's "
                    f"accounting could not be read ({err.message.rstrip('.')}); try again later."
                )
                return dataclasses.replace(
                    job, efficiency=dataclasses.replace(ended, summary=missing)
                )
            if known is None:
                return job
            self._efficiencies[key] = known
            while len(self._efficiencies) > MAX_EFFICIENCIES:
                del self._efficiencies[next(iter(self._efficiencies))]
        return dataclasses.replace(job, efficiency=known)

    async def submit(
        self, facility: str, system: str | None, request: JobRequest, key: str | None
    ) -> Job:
        """Submit a job once per Idempotency-Key (`key`); a repeat answers the first job.

        An accepted submission is recorded (`records`), and the job answered with its origin;
        a repeat records nothing new.
        """
        entry = self.registry.get(facility)
        backend = entry.require_jobs()
        _check_can(facility, entry.capabilities, request)
        resolved = await self.registry.resolve_system(facility, system)
        records = self.records
        if records is not None:
            request = dataclasses.replace(request, origin=records.relative(request.origin))

        async def start() -> Job:
            job = await backend.submit(resolved, request)
            if records is not None:
                records.add(facility, resolved, job.id, request)
                job = dataclasses.replace(job, origin=request.origin)
            self.watcher.changed(facility, resolved, job)  # only a new job is news
            return job

        return await self.submissions.submit(facility, resolved, key, request, start)

    async def submission(self, facility: str, system: str | None, job_id: str) -> Submission:
        """How job `job_id` was submitted: this server's record (a task's: its array's), else
        the facility's script.

        `NotFound` when there is neither (a job submitted elsewhere, on a facility that keeps
        no copy of its script, or one it has forgotten).
        """
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        resolved = await self.registry.resolve_system(facility, system)
        recorded = await self._recorded(facility, resolved, job_id)
        if recorded is not None:
            return recorded
        try:
            script = await backend.batch_script(resolved, job_id)
        except NotFound:  # the facility knows no such job: neither does anyone here
            script = None
        if script is None or not script.strip():
            raise NotFound(f"There is no record of how job {job_id} was submitted.")
        return Submission(facility, resolved, job_id, JobRequest(script=script), recorded=False)

    async def _recorded(self, facility: str, system: str, job_id: str) -> Submission | None:
        """This server's record of how `job_id` was submitted: its own, else its array's (a
        task was submitted with its array); None when there is none."""
        if self.records is None:
            return None
        for submitted in dict.fromkeys((job_id, job_id.split("_")[0])):  # `A_i`: A's
            recorded = self.records.get(facility, system, submitted)
            if recorded is not None:
                return recorded
        # On Slurm a started task has an id of its own; its job tells its array's.
        try:
            job = await self.watcher.job(facility, system, job_id, record=True)
        except NotFound:
            return None
        if job.array_job_id is None or job.array_job_id == job_id:
            return None
        return self.records.get(facility, system, job.array_job_id)

    async def cancel(self, facility: str, system: str | None, job_id: str) -> Job:
        """Cancel a job; answers it as the facility then shows it."""
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        resolved = await self.registry.resolve_system(facility, system)
        job = await backend.cancel_job(resolved, job_id)
        self.watcher.changed(facility, resolved, job)
        return job

    async def act(self, facility: str, system: str | None, job_id: str, action: str) -> Job:
        """Hold, release or requeue a job (one of `ACTIONS`)."""
        if action not in ACTIONS:  # the route admits only these; another caller might not
            known = ", ".join(ACTIONS)
            raise ValidationError(f"Unknown job action {shown(action)}; known: {known}.")
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        resolved = await self.registry.resolve_system(facility, system)
        operation = {
            "hold": backend.hold,
            "release": backend.release,
            "requeue": backend.requeue,
        }[action]
        job = await operation(resolved, job_id)
        self.watcher.changed(facility, resolved, job)
        return job

    async def read_output(
        self,
        facility: str,
        system: str | None,
        job_id: str,
        stream: str,
        offset: int,
        length: int | None,
    ) -> OutputChunk:
        """A job's `stdout` or `stderr` from `offset`, at most `MAX_OUTPUT_CHUNK` bytes of it."""
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        resolved = await self.registry.resolve_system(facility, system)
        log_stream = check_stream(stream)  # the one check of both: backends take them as valid
        if offset < 0:
            raise ValidationError("offset must not be negative.")
        length = min(length or DEFAULT_OUTPUT_CHUNK, MAX_OUTPUT_CHUNK)
        if backend.output_from_known_job:  # the watcher's fresh listing, else the facility
            job = await self.watcher.job(facility, resolved, job_id, record=True)  # its own log
            if job.stdout is None or job.stderr is None:  # a record that kept no log paths
                recorded = await self._recorded(facility, resolved, job_id)
                if recorded is not None:  # sent from here: its logs went where it asked
                    job = backend.with_submitted_logs(job, recorded.request)
            return await backend.read_known_output(resolved, job, log_stream, offset, length)
        return await backend.read_output(resolved, job_id, log_stream, offset, length)

    async def partitions(self, facility: str, system: str | None) -> builtins.list[Partition]:
        """The partitions (queues) jobs can be submitted to."""
        backend = self.registry.get(facility).require_jobs()
        resolved = await self.registry.resolve_system(facility, system)
        return await backend.partitions(resolved)


def _check_can(facility: str, can: frozenset[Capability], request: JobRequest) -> None:
    """Refuse an array or a dependency where the facility has none, before anything is sent."""
    if request.array is not None and Capability.JOBS_ARRAYS not in can:
        raise CapabilityError(
            f"{facility} runs no job arrays: submit one job per task instead (hpc.sweep does)."
        )
    if request.depends_on and Capability.JOBS_DEPENDENCIES not in can:
        raise CapabilityError(
            f"{facility} cannot make a job wait for another: submit it when the other has ended."
        )
