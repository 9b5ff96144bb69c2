"""What a local job used, as its wrapper recorded it when the script ended, and its efficiency."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ...efficiency import efficiency, outcome_of
from ...models import Efficiency, Job

USAGE_FILE = "usage"
"""In the job's directory: written (atomically) by the wrapper before `exit_code`."""
SOURCE = "getrusage"
"""The efficiency's source when the wrapper recorded the job's usage."""
NO_USAGE = "local job record"
"""Its source when it did not (a job started by an older server, or its wrapper was killed)."""

# Run by the wrapper, which `exec`s it once the script has ended: a process's totals of its
# waited-for children (and theirs, as each waited for them) survive `execve`, so this reads the
# script's CPU time and peak memory at no cost while the job runs. `-I -S`: neither the job's
# PYTHON* variables, nor site packages, nor a `json.py` in its work dir can change what it does.
# The exit status is written even when the usage cannot be.
RECORDER = """\
import json, os, resource, sys
usage, exit_file, rc = sys.argv[1:4]
try:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(usage + ".tmp", "w") as f:
        json.dump({"user": r.ru_utime, "system": r.ru_stime, "max_rss": r.ru_maxrss * 1024}, f)
    os.replace(usage + ".tmp", usage)
finally:
    with open(exit_file + ".tmp", "w") as f:
        f.write(rc + "\\n")
    os.replace(exit_file + ".tmp", exit_file)
sys.exit(int(rc))
"""


@dataclass(frozen=True)
class Usage:
    """A job's recorded use: CPU seconds (user + system) of the script and all it waited for,
    and the peak resident memory of the largest single one of those processes, in bytes."""

    cpu_time: float | None
    max_rss: int | None


def read_usage(job_dir: Path) -> Usage | None:
    """The usage the job's wrapper recorded, or None where there is none (or it is unreadable)."""
    try:
        data = json.loads((job_dir / USAGE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    user, system, rss = _number(data.get("user")), _number(data.get("system")), data.get("max_rss")
    return Usage(
        cpu_time=round(user + system, 3) if user is not None and system is not None else None,
        max_rss=rss if isinstance(rss, int) and not isinstance(rss, bool) and rss > 0 else None,
    )


def _number(value: object) -> float | None:
    """A count of seconds, or None for anything else (text, a bool, negative, not finite)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def job_efficiency(job: Job, usage: Usage | None, ran: bool) -> Efficiency:
    """A finished local job's efficiency: what is known of it, whatever its wrapper recorded.

    The local facility allocates no CPUs and no memory to a job, so neither is asked for, and
    no CPU or memory efficiency is made up; `ran` is False for a job that never started.
    """
    elapsed = None
    if ran and job.start_time is not None and job.end_time is not None:
        elapsed = round(max(0.0, job.end_time - job.start_time), 3)
    return efficiency(
        outcome_of(job.state, job.exit_code),
        SOURCE if usage is not None else NO_USAGE,
        elapsed=elapsed,
        time_limit=job.time_limit,
        cpu_time=usage.cpu_time if usage else None,
        memory_used=usage.max_rss if usage else None,
        exit_code=job.exit_code,
    )
