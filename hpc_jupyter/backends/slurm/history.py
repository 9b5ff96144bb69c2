"""Finished jobs from Slurm's accounting (slurmdbd) through slurmrestd's `/slurmdb/` API.

slurmctld forgets a job a few minutes after it ends (MinJobAge); accounting keeps it. In
Slurm 22.05 `/slurmdb/` reports a failed job's exit code as 0, so an exit code that
contradicts the state is dropped (None) rather than shown wrong.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ...errors import NotFound
from ...models import Job, JobState
from ..directives import FilenameFields
from .outputs import output_path
from .rest_client import SlurmRestClient
from .schema import collection, final_exit_code, number
from .states import job_state

NOTHING_FOUND = 9003


class SlurmHistory:
    """The user's finished jobs of the last `days` days."""

    def __init__(
        self,
        facility: str,
        client: SlurmRestClient,
        version: Callable[[], Awaitable[int]],
        days: int = 7,
    ) -> None:
        self.facility = facility
        self.client = client
        self.version = version
        self.days = days

    async def finished(self, system: str) -> list[Job]:
        """Finished jobs of the user, newest first."""
        version = await self.version()
        params = {"start_time": f"now-{self.days}days", "skip_steps": "true"}
        if version >= 39:
            params["users"] = self.client.user  # v0.0.38 has no user filter
        data = await self.client.call(
            "GET",
            f"/slurmdb/v0.0.{version}{collection(version, 'jobs')}",
            params=params,
            allow_errors=frozenset({NOTHING_FOUND}),
        )
        jobs = [
            accounting_job(entry, self.facility, system)
            for entry in data.get("jobs") or []
            if isinstance(entry, dict)
            and _user(entry) == self.client.user
            and not refused_in_accounting(entry)
        ]
        return [job for job in jobs if job.state.is_final]

    async def job(self, system: str, job_id: str) -> Job:
        """One job from accounting; `NotFound` when it has no record."""
        record = await self.record(job_id)
        if record is None:
            raise NotFound(f"Slurm knows no job {job_id}, not even in its accounting.")
        if refused_in_accounting(record):
            raise NotFound(
                f"Slurm refused job {job_id} when it was submitted: it never ran, so it is "
                "no job of yours (Slurm keeps a FAILED record of the refusal)."
            )
        return accounting_job(record, self.facility, system)

    async def record(self, job_id: str) -> dict[str, Any] | None:
        """The accounting record of a job, with its steps; None when accounting has none."""
        data = await self.client.call(
            "GET", await self.record_path(job_id), allow_errors=frozenset({NOTHING_FOUND})
        )
        records = [
            entry
            for entry in data.get("jobs") or []
            if isinstance(entry, dict) and accounting_matches(entry, job_id)
        ]
        return records[0] if records else None

    async def batch_script(self, job_id: str) -> str | None:
        """The job's script as accounting stores it (`AccountingStoreFlags=job_script`).

        From v0.0.40 only `/jobs/?show_batch_script=true` (selecting the job by `step`)
        answers it; earlier versions give a record's `script` where they have one.
        """
        version = await self.version()
        if version < 40:
            record = await self.record(job_id)
        else:
            data = await self.client.call(
                "GET",
                f"/slurmdb/v0.0.{version}{collection(version, 'jobs')}",
                params={
                    "step": job_id,
                    "users": self.client.user,
                    "skip_steps": "true",
                    "show_batch_script": "true",
                },
                allow_errors=frozenset({NOTHING_FOUND}),
            )
            found = [
                entry
                for entry in data.get("jobs") or []
                if isinstance(entry, dict) and accounting_matches(entry, job_id)
            ]
            record = found[0] if found else None
        script = record.get("script") if record is not None else None
        return script if isinstance(script, str) and script.strip() else None

    async def record_path(self, job_id: str) -> str:
        """Where a job's accounting record is read."""
        return f"/slurmdb/v0.0.{await self.version()}/job/{job_id}"


def accounting_matches(entry: Mapping[str, Any], job_id: str) -> bool:
    """Whether an accounting record is job `job_id` (`/job/A` and `/job/A_T` return every
    task of array A)."""
    if "_" not in job_id:
        return str(number(entry.get("job_id"))) == job_id
    array = entry.get("array")
    if not isinstance(array, Mapping):
        return False
    wanted, task = job_id.split("_")
    return str(number(array.get("job_id"))) == wanted and str(number(array.get("task_id"))) == task


def refused_in_accounting(entry: Mapping[str, Any]) -> bool:
    """A submission Slurm refused (24.11 keeps one as a FAILED job that never had a node)."""
    state_info = entry.get("state")
    raw = state_info.get("current", "") if isinstance(state_info, Mapping) else ""
    return job_state(raw or "") is JobState.FAILED and number(entry.get("allocation_nodes")) == 0


def accounting_job(data: Mapping[str, Any], facility: str, system: str) -> Job:
    """One accounting record (`/slurmdb/` or `sacct --json`) in the project's vocabulary."""
    state_info = data.get("state") or {}
    raw = state_info.get("current", "UNKNOWN") if isinstance(state_info, Mapping) else "UNKNOWN"
    state = job_state(raw)
    times = data.get("time") or {}
    limit = number(times.get("limit"))
    job_id = str(number(data.get("job_id")) or "")
    array = data.get("array") or {}
    array_job = number(array.get("job_id")) if isinstance(array, Mapping) else None
    task = number(array.get("task_id")) if isinstance(array, Mapping) else None
    reason = state_info.get("reason") if isinstance(state_info, Mapping) else None
    user = _user(data)
    name = str(data.get("name") or "")
    workdir = data.get("working_directory") or None
    fields = FilenameFields(
        job_id=job_id,
        name=name,
        user=user,
        array_job_id=str(array_job) if array_job else None,
        array_task_id=str(task) if array_job and task is not None else None,
    )
    stdout = _output(data, "stdout", fields, workdir)
    stderr = _output(data, "stderr", fields, workdir) or stdout
    return Job(
        id=job_id,
        name=name,
        state=state,
        raw_state=raw if isinstance(raw, str) else ",".join(raw),
        facility=facility,
        system=system,
        user=user,
        account=data.get("account") or None,
        partition=data.get("partition") or None,
        nodes=number(data.get("allocation_nodes")),
        submit_time=_seconds(times.get("submission")),
        start_time=_seconds(times.get("start")),
        end_time=_seconds(times.get("end")) if state.is_final else None,
        time_limit=limit * 60 if limit else None,
        exit_code=final_exit_code(_exit_code(data.get("exit_code"), state), state),
        workdir=workdir,
        stdout=stdout,
        stderr=stderr,
        reason=None if reason in (None, "", "None") else str(reason),
        array_job_id=str(array_job) if array_job else None,
        array_task_id=str(task) if array_job and task is not None else None,
    )


def _output(
    data: Mapping[str, Any], stream: str, fields: FilenameFields, workdir: str | None
) -> str | None:
    """Where the job wrote `stream`: v0.0.41+ keep the pattern (`stdout`) and the path
    (`stdout_expanded`); older records do not say (None).

    A relative pattern is filled here, relative to the work directory: 24.11 expands it
    without the slash between the two (`/home/urun-7.out`).
    """
    pattern = data.get(stream)
    expanded = data.get(f"{stream}_expanded")
    if not isinstance(pattern, str) or not pattern or not workdir:
        return None
    if pattern.startswith("/") and isinstance(expanded, str) and expanded.startswith("/"):
        return expanded
    return output_path(pattern, fields, workdir)


def _user(data: Mapping[str, Any]) -> str:
    user = data.get("user")
    if isinstance(user, str):
        return user
    association = data.get("association") or {}
    return str(association.get("user") or "") if isinstance(association, Mapping) else ""


def _seconds(value: Any) -> float | None:
    seconds = number(value)
    return float(seconds) if seconds else None


def _exit_code(value: Any, state: JobState) -> int | None:
    if not isinstance(value, Mapping) or not state.is_final:
        return None
    found = value.get("signal")
    # v0.0.40 on write `signal.id` (a number object); 22.05's v0.0.38 wrote `signal.signal_id`.
    signal = number(found.get("id", found.get("signal_id"))) if isinstance(found, Mapping) else None
    if signal:
        return 128 + signal
    code = number(value.get("return_code"))
    if code == 0 and state is not JobState.COMPLETED:
        return None  # Slurm 22.05 says 0 for failed jobs too; unknown beats wrong
    return code
