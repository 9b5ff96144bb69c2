"""Slurm's job states (squeue, sacct and every slurmrestd version) in the project's words."""

from __future__ import annotations

from collections.abc import Iterable

from ...models import JobState

_BASE = {
    "PENDING": JobState.PENDING,
    "PD": JobState.PENDING,
    "REQUEUED": JobState.PENDING,
    "REQUEUE_HOLD": JobState.PENDING,
    "REQUEUE_FED": JobState.PENDING,
    "RESV_DEL_HOLD": JobState.PENDING,
    "CONFIGURING": JobState.RUNNING,
    "RUNNING": JobState.RUNNING,
    "R": JobState.RUNNING,
    "RESIZING": JobState.RUNNING,
    "SIGNALING": JobState.RUNNING,
    "STAGE_OUT": JobState.COMPLETING,
    "COMPLETING": JobState.COMPLETING,
    "CG": JobState.COMPLETING,
    "COMPLETED": JobState.COMPLETED,
    "CD": JobState.COMPLETED,
    "FAILED": JobState.FAILED,
    "F": JobState.FAILED,
    "BOOT_FAIL": JobState.NODE_FAIL,
    "DEADLINE": JobState.TIMEOUT,
    "SPECIAL_EXIT": JobState.FAILED,
    "CANCELLED": JobState.CANCELLED,
    "CA": JobState.CANCELLED,
    "REVOKED": JobState.CANCELLED,
    "PREEMPTED": JobState.CANCELLED,
    "TIMEOUT": JobState.TIMEOUT,
    "TO": JobState.TIMEOUT,
    "OUT_OF_MEMORY": JobState.OUT_OF_MEMORY,
    "OOM": JobState.OUT_OF_MEMORY,
    "NODE_FAIL": JobState.NODE_FAIL,
    "NF": JobState.NODE_FAIL,
    "SUSPENDED": JobState.SUSPENDED,
    "S": JobState.SUSPENDED,
    "STOPPED": JobState.SUSPENDED,
}


def job_state(raw: str | Iterable[str]) -> JobState:
    """Map `RUNNING`, `CANCELLED by 1001`, or v0.0.40+'s `["RUNNING", "COMPLETING"]`."""
    words = [raw] if isinstance(raw, str) else list(raw)
    states = [_BASE.get(word.split(" ")[0].strip().upper(), JobState.UNKNOWN) for word in words]
    known = [state for state in states if state is not JobState.UNKNOWN]
    if not known:
        return JobState.UNKNOWN
    # A base state comes with flags such as COMPLETING: a running job that is completing is
    # COMPLETING; a finished one stays what it finished as.
    if JobState.COMPLETING in known and not any(state.is_final for state in known):
        return JobState.COMPLETING
    return known[0]


def raw_text(raw: str | Iterable[str]) -> str:
    """The state as Slurm said it, as one string."""
    return raw if isinstance(raw, str) else ",".join(raw)
