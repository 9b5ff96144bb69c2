"""Slurm accounting figures: TRES lists and strings, association limits, a job's efficiency.

Shared by both Slurm kinds: a `/slurmdb/` job record and `sacct --json` have the same shape
for the same data parser. TRES strings and sizes as the commands print them
(`cpu=2,mem=1G,gres/gpu=1`) are read by `slurm_units.py`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...efficiency import efficiency, outcome_of
from ...models import Allocation, Efficiency, Job
from .schema import number
from .states import job_state

TRES_UNITS = {
    "cpu": "cpu_hours",
    "node": "node_hours",
    "billing": "billing_hours",
    "gres/gpu": "gpu_hours",
}
"""The TRES whose minutes a limit (GrpTRESMins) counts, and the unit an allocation of it is in."""

MIB = 1024 * 1024


def tres_key(kind: Any, name: Any) -> str:
    """A TRES's name as Slurm writes it in strings: `cpu`, `mem`, `gres/gpu`."""
    return f"{kind}/{name}" if name else str(kind)


def tres_counts(entries: Any) -> dict[str, int]:
    """A TRES list (`[{"type", "name", "count"}]`, any version) as `{"cpu": 2, "mem": ...}`;
    unset counts (null, negative, NO_VAL) are left out."""
    counts: dict[str, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not entry.get("type"):
            continue
        count = number(entry.get("count"))
        if count is not None:
            counts[tres_key(entry["type"], entry.get("name"))] = count
    return counts


def tres_values(entries: Any) -> dict[str, float]:
    """A `/shares` TRES list (`[{"name", "value"}]`, the value plain or a number structure)."""
    values: dict[str, float] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        value = entry.get("value")
        if isinstance(value, Mapping):
            value = number(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            values[str(entry["name"])] = float(value)
    return values


# -- allocations: GrpTRESMins of associations, usage of /shares ------------------------------


def group_tres_minutes(association: Mapping[str, Any]) -> dict[str, int]:
    """An association's GrpTRESMins (`max.tres.group.minutes`), per TRES."""
    limits = association.get("max")
    tres = limits.get("tres") if isinstance(limits, Mapping) else None
    group = tres.get("group") if isinstance(tres, Mapping) else None
    return tres_counts(group.get("minutes") if isinstance(group, Mapping) else None)


def is_default(association: Mapping[str, Any]) -> bool:
    """Whether it is its user's default account (`is_default`: 0/1 up to v0.0.39, then a bool)."""
    return bool(association.get("is_default"))


@dataclass(frozen=True)
class Usage:
    """What an association has used of its TRES, in TRES-seconds (Slurm's `GrpTRESRaw`)."""

    account: str
    user: str | None
    seconds: Mapping[str, float]


def time_allocation(
    account: str,
    tres: str,
    minutes: float,
    used_minutes: float | None,
    *,
    default: bool,
    scope: str,
    note: str,
) -> Allocation | None:
    """A GrpTRESMins limit of `minutes` on `tres` as an allocation in hours, with what is used
    of it when known; None for a TRES whose minutes are no allocation of time (`TRES_UNITS`)."""
    unit = TRES_UNITS.get(tres)
    if unit is None:
        return None
    allocated = round(minutes / 60, 4)
    used = None if used_minutes is None else round(used_minutes / 60, 4)
    return Allocation(
        account=account,
        unit=unit,
        allocated=allocated,
        used=used,
        remaining=None if used is None else round(allocated - used, 4),
        default=default,
        scope=scope,
        note=note,
    )


def allocations(
    associations: Iterable[Mapping[str, Any]],
    user: str,
    usage: Iterable[Usage] | None = None,
    note: str = "GrpTRESMins",
) -> list[Allocation]:
    """The accounts `user` may charge, with a figure for each TRES limited by GrpTRESMins.

    An account limit is the project's (`scope` project); a limit on the user's own association
    is the user's share (`scope` user). An account without such a limit is listed by name.
    `usage` (from `/shares`) gives `used`; without it, `used` and `remaining` are unknown.
    """
    rows = [a for a in associations if isinstance(a.get("account"), str) and a.get("account")]
    mine = [a for a in rows if a.get("user") == user and not a.get("partition")]
    accounts = sorted({str(a["account"]) for a in rows if a.get("user") == user})
    default = next((str(a["account"]) for a in mine if is_default(a)), None)
    used = {(u.account, u.user): u.seconds for u in usage or ()}
    known = usage is not None
    found: list[Allocation] = []
    for account in accounts:
        limited = False
        levels = [
            ("project", None, [a for a in rows if a["account"] == account and not a.get("user")]),
            ("user", user, [a for a in mine if a["account"] == account]),
        ]
        for scope, who, owners in levels:
            for association in owners[:1]:
                for tres, minutes in sorted(group_tres_minutes(association).items()):
                    seconds = used.get((account, who), {}).get(tres) if known else None
                    allocation = time_allocation(
                        account,
                        tres,
                        minutes,
                        None if seconds is None else seconds / 60,
                        default=account == default,
                        scope=scope,
                        note=f"{note} {tres}={minutes}",
                    )
                    if allocation is not None:
                        limited = True
                        found.append(allocation)
        if not limited:
            found.append(unlimited(account, default=account == default))
    return found


def unlimited(account: str, default: bool) -> Allocation:
    """An account the user may charge that has no GrpTRESMins limit: listed by name."""
    return Allocation(
        account=account, default=default, note="no GrpTRESMins limit in time on this account"
    )


def shares_usage(shares: Iterable[Mapping[str, Any]]) -> list[Usage]:
    """`/shares` rows as usage per account (its own row) and per user of an account."""
    found: list[Usage] = []
    for row in shares:
        kinds = row.get("type") or []
        name, parent = row.get("name"), row.get("parent")
        tres = row.get("tres")
        seconds = tres_values(tres.get("usage") if isinstance(tres, Mapping) else None)
        if not isinstance(name, str) or not name:
            continue
        if "USER" in kinds and isinstance(parent, str):
            found.append(Usage(parent, name, seconds))
        elif "ASSOCIATION" in kinds:
            found.append(Usage(name, None, seconds))
    return found


# -- a finished job's efficiency ------------------------------------------------------------


def _cpu_seconds(times: Any) -> float | None:
    """User + system CPU time of a `time` object, in seconds."""
    if not isinstance(times, Mapping):
        return None
    total = 0.0
    seen = False
    for key in ("user", "system"):
        part = times.get(key)
        if isinstance(part, Mapping):
            seconds = number(part.get("seconds")) or 0
            micro = number(part.get("microseconds")) or 0
            total += seconds + micro / 1e6
            seen = True
    return round(total, 3) if seen else None


def _max_rss(steps: Any) -> int | None:
    """The peak resident memory of the largest step (MaxRSS): TRES usage max of `mem`, bytes."""
    peaks: list[int] = []
    for step in steps if isinstance(steps, list) else []:
        tres = step.get("tres") if isinstance(step, Mapping) else None
        usage = tres.get("requested") if isinstance(tres, Mapping) else None
        peak = tres_counts(usage.get("max") if isinstance(usage, Mapping) else None).get("mem")
        if peak is not None:
            peaks.append(peak)
    return max(peaks) if peaks else None


def _asked_memory(record: Mapping[str, Any]) -> bool:
    """Whether the job asked for an amount of memory (else it got the node's, by default)."""
    required = record.get("required")
    if not isinstance(required, Mapping):
        return False
    # v0.0.38: `memory` (MB, 0 when not asked); v0.0.40 on: per node or per CPU, 0 when not asked
    for key in ("memory", "memory_per_node", "memory_per_cpu"):
        if (number(required.get(key)) or 0) > 0:
            return True
    return False


def _signal(record: Mapping[str, Any]) -> int | None:
    code = record.get("exit_code")
    found = code.get("signal") if isinstance(code, Mapping) else None
    if not isinstance(found, Mapping):
        return None
    return number(found.get("id", found.get("signal_id"))) or None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


STEPS_WITHIN = 60.0
"""Seconds after a job's end within which accounting may still lack its steps' figures."""


def steps_pending(
    ran: bool, steps_ended: list[bool], ended_at: float | None, asked_known: bool = True
) -> bool:
    """Whether a job's accounting is not yet its last word: it ran, yet no step has ended
    there, or what it asked for (CPUs, memory, time limit) is not there yet (`asked_known`),
    shortly after its end. The job's end, its steps' figures and (on 22.05, for a job that
    ended within a second or two) what it asked for reach slurmdbd separately; figures read
    between them are wrong for good (a job killed past its memory read as merely failed: no
    MaxRSS, or no memory asked for). Past `STEPS_WITHIN`, what is there is what there is (a
    job that failed to launch has no step)."""
    if not ran or (asked_known and steps_ended and all(steps_ended)):
        return False
    return ended_at is None or time.time() - ended_at < STEPS_WITHIN


def record_steps_pending(record: Mapping[str, Any], job: Job) -> bool:
    """`steps_pending` for an accounting record (`/slurmdb/` or `sacct --json`): it ran when
    it took time or has a step; what it asked for is its requested TRES (empty until known)."""
    found = record.get("steps")
    steps = [_mapping(step) for step in found] if isinstance(found, list) else []
    ended = [job_state(_state_of(step)).is_final for step in steps]
    elapsed = number(_mapping(record.get("time")).get("elapsed")) or 0
    asked = _mapping(record.get("tres")).get("requested")
    return steps_pending(elapsed > 0 or bool(steps), ended, job.end_time, bool(asked))


def _state_of(step: Mapping[str, Any]) -> Any:
    """A step's state: a string (v0.0.38) or a list of flags (v0.0.40 on), under `state`."""
    state = step.get("state")
    if isinstance(state, Mapping):  # some versions nest it as {"current": [...]}
        state = state.get("current")
    return state if isinstance(state, (str, list)) else ""


def job_efficiency(record: Mapping[str, Any], job: Job, source: str) -> Efficiency:
    """The efficiency of finished `job` from its accounting record (`/slurmdb/` or `sacct
    --json`): elapsed, limit, CPUs, the steps' CPU time, MaxRSS, memory asked, exit."""
    times = _mapping(record.get("time"))
    elapsed = number(times.get("elapsed"))
    limit = number(times.get("limit"))
    tres = _mapping(record.get("tres"))
    cpus = tres_counts(tres.get("allocated")).get("cpu")
    found = record.get("steps")
    steps: list[Any] = found if isinstance(found, list) else []
    step_times = [_cpu_seconds(_mapping(step).get("time")) for step in steps]
    known = [t for t in step_times if t is not None]
    cpu_time = round(sum(known), 3) if known else _cpu_seconds(times)
    asked = tres_counts(tres.get("requested")).get("mem") if _asked_memory(record) else None
    signal = _signal(record)
    return efficiency(
        outcome_of(job.state, job.exit_code),
        source,
        elapsed=float(elapsed) if elapsed is not None else None,
        time_limit=limit * 60 if limit else None,
        cpus=cpus or None,
        cpu_time=cpu_time,
        memory_used=_max_rss(steps),
        memory_requested=asked * MIB if asked else None,
        exit_code=job.exit_code,
        signal=signal,
    )
