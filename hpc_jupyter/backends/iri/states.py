"""IRI jobs (PSI-J states) as the project's jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...models import Job, JobState

_STATES = {
    "new": JobState.PENDING,
    "queued": JobState.PENDING,
    "held": JobState.PENDING,
    "active": JobState.RUNNING,
    "completed": JobState.COMPLETED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELLED,
    "cancelled": JobState.CANCELLED,
}


def map_state(raw: str, message: str = "") -> JobState:
    """A PSI-J state in our words; a failure for running out of time is a TIMEOUT."""
    state = _STATES.get(raw.strip().lower(), JobState.UNKNOWN)
    lowered = message.lower()
    if state is JobState.FAILED and ("walltime" in lowered or "time limit" in lowered):
        return JobState.TIMEOUT
    return state


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def job_from_record(
    record: Mapping[str, Any], facility: str, system: str, spec: Mapping[str, Any] | None = None
) -> Job:
    """One job of `/compute/status`; `spec` is its job spec (the API's, or the one we sent).

    The API gives one time, the time of the current status: it is shown as the start time of a
    running job and the end time of a finished one.
    """
    status = record.get("status") or {}
    raw = str(status.get("state") or "")
    message = str(status.get("message") or "")
    state = map_state(raw, message)
    spec = record.get("job_spec") or spec or {}
    resources = spec.get("resources") or {}
    attributes = spec.get("attributes") or {}
    meta = status.get("meta_data") or {}
    moment = _number(status.get("time"))
    exit_code = status.get("exit_code")
    duration = _number(attributes.get("duration"))
    nodes = _number(resources.get("node_count"))
    return Job(
        id=str(record["id"]),
        name=_text(spec.get("name")) or "",
        state=state,
        raw_state=raw,
        facility=facility,
        system=system,
        account=_text(attributes.get("account")) or _text(meta.get("account")),
        partition=_text(attributes.get("queue_name")),
        nodes=int(nodes) if nodes else None,
        start_time=moment if state is JobState.RUNNING else None,
        end_time=moment if state.is_final else None,
        time_limit=int(duration) if duration else None,
        exit_code=exit_code if state.is_final and isinstance(exit_code, int) else None,
        workdir=_text(spec.get("directory")),
        stdout=_text(spec.get("stdout_path")),
        stderr=_text(spec.get("stderr_path")),
        reason=(message or None) if state is not JobState.RUNNING else None,
    )
