"""FirecREST's job records (Slurm's words, as sacct prints them) as the project's jobs."""

from __future__ import annotations

from typing import Any

from ...errors import ValidationError
from ...models import Dependency, Job, JobState
from ..directives import parse_sbatch_directives
from ..slurm.dependencies import parse_dependency
from ..slurm.states import job_state


def raw_state(status: dict[str, Any]) -> str:
    """The state as FirecREST gives it: a string ("CANCELLED by 1001") or a list of flags."""
    state = status.get("state")
    if isinstance(state, list):
        return ",".join(str(s) for s in state)
    return str(state or "")


def map_state(raw: str) -> JobState:
    """Slurm's state word (the first one; "CANCELLED by 1001" is CANCELLED) in our vocabulary."""
    return job_state(raw.split(",")) if raw else JobState.UNKNOWN


def whole_number(value: Any) -> int | None:
    """An int, or the digits of a string (FirecREST writes numbers both ways); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _seconds(value: Any) -> float | None:
    number = whole_number(value)
    return float(number) if number else None


def job_from_record(
    record: dict[str, Any],
    facility: str,
    system: str,
    metadata: dict[str, Any] | None = None,
) -> Job:
    """One job of `/compute/{system}/jobs`, with its stdout/stderr from its metadata if given."""
    status = record.get("status") or {}
    raw = raw_state(status)
    state = map_state(raw)
    times = record.get("time") or {}
    reason = status.get("stateReason")
    if reason in (None, "", "None"):
        reason = None
    metadata = metadata or {}
    depends_on, dependency = _dependency(metadata.get("script"))
    return Job(
        id=str(record["jobId"]),
        name=str(record.get("name") or ""),
        state=state,
        raw_state=raw,
        facility=facility,
        system=system,
        user=str(record.get("user") or ""),
        account=record.get("account") or None,
        partition=record.get("partition") or None,
        nodes=whole_number(record.get("allocationNodes")),
        submit_time=None,  # FirecREST does not report it
        start_time=_seconds(times.get("start")),
        end_time=_seconds(times.get("end")),
        time_limit=whole_number(times.get("limit")),
        exit_code=whole_number(status.get("exitCode")) if state.is_final else None,
        workdir=record.get("workingDirectory") or None,
        stdout=metadata.get("standardOutput") or None,
        stderr=metadata.get("standardError") or None,
        reason=reason,
        depends_on=depends_on,
        dependency=dependency,
    )


def _dependency(script: Any) -> tuple[tuple[str, ...], Dependency | None]:
    """What the job's script (FirecREST v2's metadata) says it waits for: FirecREST's job
    record has no dependency, and the script keeps it after Slurm has found it met."""
    if not isinstance(script, str):
        return (), None
    try:
        directives = parse_sbatch_directives(script)
    except ValidationError:  # a script we cannot read says nothing of a dependency
        return (), None
    return parse_dependency(directives.get("dependency") or "")
