"""A FirecREST v1 facility's jobs: submit, list, get, cancel and follow output via pyfirecrest."""

from __future__ import annotations

import dataclasses
import datetime
import io
import logging
import posixpath
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from ....errors import FacilityAuthError, HPCError, NotFound, ValidationError
from ....models import Capability, Job, JobRequest, JobState, LogStream, OutputChunk, Partition
from ...base import JobBackend
from ...logs import read_job_log
from ...slurm.jobs_base import NEVER_STARTS
from ..jobs import check_job_id
from ..script import (
    LOGIN_SHELL_NOTE,
    as_submitted,
    checked_request,
    uses_login_shell,
    with_directives,
)
from .connection import V1Connection
from .failures import translated_v1
from .files import V1Files
from .records import from_accounting, from_queue, output_path

log = logging.getLogger(__name__)

HISTORY_DAYS = 7
"""How far back the job list reaches into the scheduler's accounting."""
REMEMBERED = 2000
"""Jobs whose output paths are kept after they leave the queue (sacct does not report them)."""


class V1Jobs(JobBackend):
    """Slurm behind FirecREST v1's compute API: squeue for active jobs, sacct for the rest."""

    capabilities = JobBackend.capabilities | {
        Capability.JOBS_PARTITIONS,
        Capability.JOBS_ARRAYS,  # as an #SBATCH --array line (with_directives)
        Capability.JOBS_DEPENDENCIES,  # as `#SBATCH --dependency` (see ..script)
    }

    def __init__(self, connection: V1Connection, files: V1Files) -> None:
        self.connection = connection
        self.files = files
        self.facility = connection.facility
        self._seen: OrderedDict[tuple[str, str], Job] = OrderedDict()
        """The last squeue view of each job: its work directory and output paths."""

    async def _client(self, system: str) -> Any:
        await self.connection.system(system)
        return self.connection.client

    def _remember(self, system: str, job: Job) -> None:
        key = (system, job.id)
        self._seen[key] = job
        self._seen.move_to_end(key)
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

    def _with_paths(self, system: str, job: Job) -> Job:
        """A job from sacct, with the work directory and output paths squeue showed earlier."""
        seen = self._seen.get((system, job.id))
        if seen is None:
            return job
        return dataclasses.replace(
            job,
            workdir=job.workdir or seen.workdir,
            stdout=job.stdout or seen.stdout,
            stderr=job.stderr or seen.stderr,
        )

    async def submit(self, system: str, request: JobRequest) -> Job:
        workdir, directives = await checked_request(request, lambda: self.files.home(system))
        if not await self.files.is_directory(system, workdir):
            raise NotFound(f"The work directory {workdir!r} does not exist; create it first.")
        answer = await self._submit_in(system, workdir, with_directives(request), request.env)
        job_id = str(answer["jobid"])
        submitted = as_submitted(
            job_id,
            request,
            directives,
            self.facility,
            system,
            workdir,
            stdout=output_path(answer.get("job_file_out")),
            stderr=output_path(answer.get("job_file_err")),
        )
        self._remember(system, submitted)
        try:
            job = await self._withdraw_if_impossible(system, await self.get_job(system, job_id))
        except NotFound:  # already gone from the queue, and no accounting yet
            job = submitted
        note = None if uses_login_shell(request.script) else LOGIN_SHELL_NOTE
        return dataclasses.replace(job, reason=note) if note else job

    async def _submit_in(
        self, system: str, workdir: str, script: str, env: Mapping[str, str]
    ) -> dict[str, Any]:
        """sbatch the script from `workdir`, which v1 only does for a script already there.

        v1 runs an uploaded script from a directory of its own (`sbatch --chdir`, which a
        script's `#SBATCH --chdir` cannot override); a script given by path runs from its
        directory. So the script goes to a hidden file in `workdir`, removed once submitted
        (Slurm keeps its own copy).
        """
        client = await self._client(system)
        name = f".hpc-jupyter-job-{secrets.token_hex(6)}.sh"
        remote = posixpath.join(workdir, name)
        with translated_v1(self.facility):
            await client.simple_upload(system, io.BytesIO(script.encode()), workdir, name)
        try:
            with translated_v1(self.facility):
                answer: dict[str, Any] = await client.submit(
                    system, script_remote_path=remote, env_vars=dict(env) or None
                )
        finally:
            try:
                with translated_v1(self.facility):
                    await client.simple_delete(system, remote)
            except HPCError as err:
                log.info("could not remove the submitted script %s (%s)", remote, err)
        return answer

    async def _withdraw_if_impossible(self, system: str, job: Job) -> Job:
        """Cancel a job just submitted that Slurm says can never start, and say why (400)."""
        why = NEVER_STARTS.get(job.reason or "") if job.state is JobState.PENDING else None
        if why is None:
            return job
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.cancel(system, job.id)
        raise ValidationError(
            f"The job {why}; Slurm would keep it pending forever, so it was withdrawn "
            f"(job {job.id}, reason {job.reason})."
        )

    async def _queue(self, system: str, job_id: str | None = None) -> list[Job]:
        """Active jobs (squeue), all of the user's or one."""
        client = await self._client(system)
        try:
            with translated_v1(self.facility):
                rows = await client.poll_active(system, [job_id] if job_id else None)
        except NotFound:  # squeue does not know the job (any more)
            return []
        jobs = [from_queue(row, self.facility, system) for row in rows]
        for job in jobs:
            self._remember(system, job)
        return jobs

    async def _accounting(self, system: str, job_id: str | None = None) -> list[Job]:
        """Jobs in the scheduler's accounting (sacct): one, or the last `HISTORY_DAYS` days'."""
        client = await self._client(system)
        since = datetime.date.today() - datetime.timedelta(days=HISTORY_DAYS)
        try:
            with translated_v1(self.facility):
                rows = await client.poll(
                    system,
                    [job_id] if job_id else None,
                    start_time=None if job_id else since.isoformat(),
                )
        except FacilityAuthError:
            raise
        except (NotFound, ValidationError) as err:  # no accounting on this cluster
            log.debug("no accounting from %s:%s (%s)", self.facility, system, err)
            return []
        return [self._with_paths(system, from_accounting(r, self.facility, system)) for r in rows]

    async def list_jobs(self, system: str) -> list[Job]:
        active = await self._queue(system)
        jobs = {job.id: job for job in await self._accounting(system)}
        jobs.update((job.id, job) for job in active)  # squeue is the fresher view
        return list(jobs.values())

    async def get_job(self, system: str, job_id: str) -> Job:
        check_job_id(job_id)
        for job in await self._queue(system, job_id):
            if job.id == job_id:
                return job
        for job in await self._accounting(system, job_id):
            if job.id == job_id:
                return job
        raise NotFound(f"No job {job_id} on facility {self.facility!r}.")

    async def _send_cancel(self, system: str, job_id: str, job: Job) -> None:
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.cancel(system, job_id)

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        job = await self.get_job(system, job_id)
        return await read_job_log(self.files, system, job, stream, offset, max_bytes)

    async def partitions(self, system: str) -> list[Partition]:
        client = await self._client(system)
        with translated_v1(self.facility):
            rows: list[dict[str, Any]] = await client.partitions(system)
            return [
                Partition(
                    name=str(row["PartitionName"]),
                    state=str(row.get("State") or "UNKNOWN"),
                    default=str(row.get("Default") or "").upper() == "YES",
                    nodes=int(row["TotalNodes"]) if str(row.get("TotalNodes")).isdigit() else None,
                )
                for row in rows
            ]
