"""The jobs this kernel submitted; the job monitor announces when one of them changes state."""

from __future__ import annotations

import threading

__all__ = ["forget_all", "is_tracked", "track"]

_lock = threading.Lock()
_jobs: set[tuple[str, str]] = set()


def track(facility: str, job_id: str) -> None:
    """Remember that this notebook submitted job `job_id` at `facility`."""
    with _lock:
        _jobs.add((facility, str(job_id)))


def is_tracked(facility: str, job_id: str) -> bool:
    """Whether this notebook submitted the job."""
    with _lock:
        return (facility, str(job_id)) in _jobs


def forget_all() -> None:
    """Forget every job (for tests)."""
    with _lock:
        _jobs.clear()
