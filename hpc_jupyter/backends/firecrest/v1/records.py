"""FirecREST v1's job rows (squeue's and sacct's text fields) as the project's jobs."""

from __future__ import annotations

import posixpath
import time
from typing import Any

from ....errors import ValidationError
from ....models import Job, JobState
from ....timefmt import parse_time_limit
from ...file_entries import iso_seconds
from ..states import map_state, whole_number

_NOT_PATHS = ("command-not-found", "stdout-file-not-found", "stderr-file-not-found")


def _duration(text: Any) -> int | None:
    """squeue's `%M`/`%L` ("6:38", "1-02:03:04"); None for N/A, UNLIMITED, INVALID."""
    if not isinstance(text, str) or not text or not text[0].isdigit():
        return None
    try:
        return parse_time_limit(text)
    except ValidationError:
        return 0 if text.strip("0:-") == "" else None


def output_path(value: Any) -> str | None:
    """A path FirecREST reports for a job's script or log; None for its not-found markers."""
    text = str(value or "")
    return text if text.startswith("/") and text not in _NOT_PATHS else None


def _shared(
    row: dict[str, Any], raw: str, state: JobState, facility: str, system: str
) -> dict[str, Any]:
    """What squeue's and sacct's rows say alike: id (an array task's too), name, user, place."""
    job_id = str(row["jobid"])
    parent, _, task = job_id.partition("_")
    return {
        "id": job_id,
        "name": str(row.get("name") or ""),
        "state": state,
        "raw_state": raw,
        "facility": facility,
        "system": system,
        "user": str(row.get("user") or ""),
        "partition": row.get("partition") or None,
        "nodes": whole_number(row.get("nodes")),
        "array_job_id": parent if task else None,
        "array_task_id": task.strip("[]") if task else None,
    }


def from_queue(row: dict[str, Any], facility: str, system: str) -> Job:
    """A row of `GET /compute/jobs` (squeue).

    FirecREST v1 puts squeue's `%M` (time used) in `start_time` and `%S` (start time) in
    `time`; the start is worked out from the time used, which needs no time zone.
    """
    raw = str(row.get("state") or "")
    state = map_state(raw)
    used = _duration(row.get("start_time"))
    left = _duration(row.get("time_left"))
    started = time.time() - used if used is not None and state != JobState.PENDING else None
    where = str(row.get("nodelist") or "")
    reason = where[1:-1] if where.startswith("(") and where.endswith(")") else None
    if reason in ("None", ""):
        reason = None
    script = output_path(row.get("job_file"))
    return Job(
        **_shared(row, raw, state, facility, system),
        start_time=started,
        time_limit=used + left if used is not None and left is not None else None,
        workdir=posixpath.dirname(script) if script else None,
        stdout=output_path(row.get("job_file_out")),
        stderr=output_path(row.get("job_file_err")),
        reason=reason,
    )


def _exit_code(text: Any, state: JobState) -> int | None:
    """sacct's `ExitCode` ("2:0": code 2; "0:9": killed by signal 9, as a shell says 137)."""
    if not state.is_final or not isinstance(text, str) or ":" not in text:
        return None
    code, signal = (whole_number(part) for part in text.split(":", 1))
    if signal:
        return 128 + signal
    return code


def from_accounting(row: dict[str, Any], facility: str, system: str) -> Job:
    """A row of `GET /compute/acct` (sacct); its times are the server's clock, read as UTC."""
    raw = str(row.get("state") or "")
    state = map_state(raw)
    return Job(
        **_shared(row, raw, state, facility, system),
        start_time=iso_seconds(row.get("start_time")) or None,
        end_time=iso_seconds(row.get("termination_time")) or None if state.is_final else None,
        exit_code=_exit_code(row.get("exit_code"), state),
    )
