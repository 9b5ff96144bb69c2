"""A FirecREST facility's jobs: submit, list, get, cancel and follow output via pyfirecrest."""

from __future__ import annotations

import dataclasses
import logging
import posixpath
from typing import Any

from ...efficiency import efficiency, outcome_of
from ...errors import NotFound
from ...models import (
    Capability,
    Efficiency,
    Job,
    JobRequest,
    LogStream,
    OutputChunk,
    Partition,
)
from ..base import JobBackend
from ..logs import log_chunk
from .connection import FirecrestConnection
from .failures import from_response, translated
from .script import (
    LOGIN_SHELL_NOTE,
    as_submitted,
    checked_request,
    uses_login_shell,
    with_directives,
)
from .states import job_from_record, whole_number

log = logging.getLogger(__name__)


class FirecrestJobs(JobBackend):
    """Slurm (or PBS) behind FirecREST's compute API."""

    capabilities = JobBackend.capabilities | {
        Capability.JOBS_PARTITIONS,
        Capability.JOBS_EFFICIENCY,
        Capability.JOBS_ARRAYS,  # as an #SBATCH --array line (with_directives)
        Capability.JOBS_DEPENDENCIES,  # as `#SBATCH --dependency` (see script.py)
    }

    def __init__(self, connection: FirecrestConnection) -> None:
        self.connection = connection
        self.facility = connection.facility

    async def _home(self, system: str) -> str:
        info = await self.connection.system(system)
        return info.default_workdir or "/"

    async def submit(self, system: str, request: JobRequest) -> Job:
        workdir, directives = await checked_request(request, lambda: self._home(system))
        script = with_directives(request)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            answer: dict[str, Any] = await client.submit(
                system, workdir, script_str=script, env_vars=dict(request.env) or None
            )
        job_id = str(answer["jobId"])
        note = None if uses_login_shell(request.script) else LOGIN_SHELL_NOTE
        try:
            job = await self.get_job(system, job_id)
        except NotFound:  # the scheduler's accounting may not know the job yet
            job = as_submitted(job_id, request, directives, self.facility, system, workdir)
        return dataclasses.replace(job, reason=note) if note else job

    async def list_jobs(self, system: str) -> list[Job]:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            records: list[dict[str, Any]] = await client.job_info(system)
        return [job_from_record(record, self.facility, system) for record in records]

    async def partitions(self, system: str) -> list[Partition]:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            rows: list[dict[str, Any]] = await client.partitions(system)
            return [partition_from_record(row) for row in rows]

    async def _metadata(self, system: str, job_id: str) -> dict[str, Any]:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            found: list[dict[str, Any]] = await client.job_metadata(system, job_id)
        return found[0] if found else {}

    async def batch_script(self, system: str, job_id: str) -> str | None:
        """The job's `script` in its metadata (FirecREST reads it from `scontrol`, so only
        while slurmctld knows the job, for Slurm before 24.05)."""
        check_job_id(job_id)
        try:
            script = (await self._metadata(system, job_id)).get("script")
        except NotFound:
            return None
        return script if isinstance(script, str) and script.strip() else None

    async def get_job(self, system: str, job_id: str) -> Job:
        check_job_id(job_id)
        client = await self.connection.for_system(system)
        try:
            with translated(self.facility):
                records: list[dict[str, Any]] = await client.job_info(system, job_id)
        except NotFound:  # FirecREST's own message does not say which job
            records = []
        if not records:
            raise NotFound(f"No job {job_id} on facility {self.facility!r}.")
        try:
            metadata = await self._metadata(system, job_id)
        except NotFound:
            metadata = {}
        job = job_from_record(records[0], self.facility, system, metadata)
        return _resolve_outputs(job)

    async def efficiency(self, system: str, job: Job) -> Efficiency | None:
        """From the job's record: its run time, time limit, exit code and signal.

        FirecREST's job record (Slurm's accounting through `sacct`) has no CPU time, CPU count
        or memory figures: those stay None.
        """
        check_job_id(job.id)
        client = await self.connection.for_system(system)
        try:
            with translated(self.facility):
                records: list[dict[str, Any]] = await client.job_info(system, job.id)
        except NotFound:
            return None
        if not records:
            return None
        record = records[0]
        times = record.get("time") or {}
        status = record.get("status") or {}
        elapsed = whole_number(times.get("elapsed"))
        exit_code = whole_number(status.get("exitCode"))
        return efficiency(
            outcome_of(job.state, exit_code),
            f"GET /compute/{system}/jobs/{job.id}",
            elapsed=None if elapsed is None else float(elapsed),
            time_limit=whole_number(times.get("limit")) or None,
            exit_code=exit_code,
            signal=whole_number(status.get("interruptSignal")) or None,
        )

    async def _send_cancel(self, system: str, job_id: str, job: Job) -> None:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.cancel_job(system, job_id)

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        job = await self.get_job(system, job_id)
        path = job.stdout if stream == "stdout" else job.stderr
        if not path:
            return OutputChunk(data="", offset=offset, complete=job.state.is_final)
        info = await self.connection.system(system)
        size = min(max_bytes, info.direct_limit)
        data = await self._view(system, path, offset, size)
        if data is None:  # not written yet
            return OutputChunk(data="", offset=offset, complete=job.state.is_final)
        return log_chunk(data, offset, at_end=len(data) < size, final=job.state.is_final)

    async def _view(self, system: str, path: str, offset: int, size: int) -> bytes | None:
        """Bytes of a remote text file from `offset`; None when it does not exist yet.

        pyfirecrest's `view()` has no offset or size, which FirecREST's `ops/view` takes; this
        one call goes through its request helper so that the token and retries still apply.
        """
        client = await self.connection.for_system(system)
        with translated(self.facility):
            response = await client._get_request(
                endpoint=f"/filesystem/{system}/ops/view",
                params={"path": path, "offset": offset, "size": size},
            )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise from_response(self.facility, response)
        with translated(self.facility):
            output = response.json()["output"]
        return str(output).encode()


def partition_from_record(row: dict[str, Any]) -> Partition:
    """One entry of `/status/{system}/partitions`.

    FirecREST reports a partition's name, state (`partition`: a word or a list of flags), CPUs
    and node count; not which one is the default nor its time limit, so those stay unknown.
    """
    state = row.get("partition")
    if isinstance(state, list):
        state = ",".join(str(word) for word in state)
    nodes = row.get("totalNodes")
    return Partition(
        name=str(row["name"]),
        state=str(state or "UNKNOWN"),
        nodes=nodes if isinstance(nodes, int) and not isinstance(nodes, bool) else None,
    )


def check_job_id(job_id: str) -> None:
    """Refuse what cannot be a Slurm job id (FirecREST's own message would not say which)."""
    if not job_id or len(job_id) > 64 or not all(c.isalnum() or c in "._-[]" for c in job_id):
        raise NotFound(f"{job_id!r} is not a job id of this facility.")


def _resolve_outputs(job: Job) -> Job:
    """Output paths as absolute paths (Slurm takes relative ones from the work directory)."""
    workdir = job.workdir or "/"
    stdout = posixpath.join(workdir, job.stdout) if job.stdout else None
    stderr = posixpath.join(workdir, job.stderr) if job.stderr else None
    return dataclasses.replace(job, stdout=stdout, stderr=stderr)
