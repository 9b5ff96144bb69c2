"""A finished job's efficiency from `sacct`'s accounting of it and its steps (seff's figures)."""

from __future__ import annotations

from ...efficiency import efficiency, outcome_of
from ...models import Efficiency
from .accounting import steps_pending
from .slurm_units import memory_suffix, parse_duration, parse_memory
from .states import job_state

FIELDS = (
    "JobID",
    "State",
    "ExitCode",
    "ElapsedRaw",
    "TimelimitRaw",
    "AllocCPUS",
    "TotalCPU",
    "MaxRSS",
    "ReqMem",
    "NNodes",
)
"""What `sacct --parsable2 --format=` is asked for, in this order."""


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _exit(text: str) -> tuple[int | None, int | None]:
    """`2:0` (exit code 2) or `0:9` (signal 9) as (code, signal); signal None when 0."""
    code, _, signal = text.partition(":")
    return _int(code), (_int(signal) or None)


def requested_memory(req_mem: str, nodes: int | None, cpus: int | None) -> int | None:
    """Bytes of ReqMem for the whole job: 22.05 writes the job's total (`200M`); before 21.08
    it ended in `n` (per node) or `c` (per CPU). None for `0` (no memory asked for)."""
    size = parse_memory(req_mem)
    if not size:
        return None
    per = memory_suffix(req_mem)
    if per == "n":
        return size * nodes if nodes else None
    if per == "c":
        return size * cpus if cpus else None
    return size


def parse_sacct(text: str, job_id: str, ended_at: float | None = None) -> Efficiency | None:
    """The efficiency of `job_id` from `sacct -nP -j ID --format=<FIELDS>`; None when absent
    or not ended there, or when its steps are not in yet (`steps_pending`; `ended_at`: when
    the job ended, None: unknown).

    The job's own line gives state, exit, elapsed, time limit, CPUs, CPU time (its steps' sum)
    and memory asked for; MaxRSS is its largest step's.
    """
    cells = [line.split("|") for line in text.splitlines() if line.strip()]
    rows = [dict(zip(FIELDS, row, strict=True)) for row in cells if len(row) == len(FIELDS)]
    job = next((row for row in rows if row["JobID"] == job_id), None)
    if job is None or not job_state(job["State"]).is_final:
        return None  # not (yet) in the accounting as ended: its end record comes a moment later
    steps = [row for row in rows if row["JobID"].startswith(f"{job_id}.")]
    ended = [job_state(row["State"]).is_final for row in steps]
    ran = (_int(job["ElapsedRaw"]) or 0) > 0 or bool(steps)
    # What it asked for is in once its time limit is: a number, `UNLIMITED` or `Partition_Limit`
    # (22.05 answers an empty limit and a ReqMem such as `16?` until then).
    if steps_pending(ran, ended, ended_at, asked_known=bool(job["TimelimitRaw"].strip())):
        return None
    rss = [size for row in steps if (size := parse_memory(row["MaxRSS"], "K")) is not None]
    cpus = _int(job["AllocCPUS"])
    limit = _int(job["TimelimitRaw"])  # minutes, or UNLIMITED / Partition_Limit
    code, signal = _exit(job["ExitCode"])
    cpu_time = parse_duration(job["TotalCPU"])
    if cpu_time is None and steps:
        times = [parse_duration(row["TotalCPU"]) for row in steps]
        cpu_time = sum(t for t in times if t is not None)
    return efficiency(
        outcome_of(job_state(job["State"]), code),
        "sacct",
        elapsed=_int(job["ElapsedRaw"]),
        time_limit=None if limit is None else limit * 60,
        cpus=cpus or None,
        cpu_time=cpu_time,
        memory_used=max(rss) if rss else None,
        memory_requested=requested_memory(job["ReqMem"], _int(job["NNodes"]), cpus),
        exit_code=code,
        signal=signal,
    )
