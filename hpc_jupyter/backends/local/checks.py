"""Checks on what a local job submission asks for, so bad input is a 400 before anything is kept."""

from __future__ import annotations

from ...errors import ValidationError
from ...inputs import shown, utf8
from ...timefmt import parse_time_limit

MAX_TIME_LIMIT = 365 * 86400
"""The longest time limit a local job may ask for: a year, in seconds."""


def text(label: str, value: str) -> str:
    """`value` if it can be stored and passed to a process: UTF-8 text without NUL characters."""
    if "\x00" in value:
        raise ValidationError(f"{label} must not contain NUL characters.")
    utf8(label, value)
    return value


def time_limit(seconds: int | None, directive: str | None) -> int | None:
    """The job's time limit in seconds: the request's, else its `#SBATCH --time`, at most a year."""
    if seconds is None and directive is not None:
        seconds = parse_time_limit(directive)  # refuses what is too long to be a Slurm time
    if seconds is None:
        return None
    if seconds <= 0:
        raise ValidationError("time_limit must be a positive number of seconds.")
    if seconds > MAX_TIME_LIMIT:
        raise ValidationError(
            f"time_limit must be at most {MAX_TIME_LIMIT} seconds (365 days) on this machine."
        )
    return seconds


def whole_number(value: str | None) -> int | None:
    """A directive's whole number (like `--nodes`), or None when absent."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValidationError(f"Expected a whole number, got {shown(value)}.")
    return int(value)


def job_number(job_id: str) -> int:
    """A local job id: ASCII digits only (`str.isdigit` is true for '²' too)."""
    if not (job_id.isascii() and job_id.isdigit()) or len(job_id) > 18:
        raise ValidationError(f"Job id {shown(job_id)} is not a job number.")
    return int(job_id)
