"""Before a job is submitted: what it would cost and what stands in its way, from the status."""

from __future__ import annotations

from .backends.directives import parse_sbatch_directives
from .errors import ValidationError
from .models import (
    Advice,
    Allocation,
    FacilityStatus,
    Health,
    JobRequest,
    NoticeKind,
    Partition,
    SubmitCheck,
)
from .timefmt import format_duration, parse_time_limit

LOW_SHARE = 0.1
"""An allocation with less than this share left (after the job) gets a warning."""


def _asked(request: JobRequest) -> tuple[int | None, int | None, str | None, str | None]:
    """Nodes, time limit (s), partition and account: the request's, else its `#SBATCH` lines'."""
    try:
        directives = parse_sbatch_directives(request.script)
    except ValidationError:
        directives = {}  # the submit itself will say what is wrong with the script
    nodes = request.nodes
    if nodes is None and directives.get("nodes", "").split("-")[0].isdigit():
        nodes = int(directives["nodes"].split("-")[0])
    seconds = request.time_limit
    if seconds is None and directives.get("time"):
        try:
            seconds = parse_time_limit(directives["time"])
        except ValidationError:
            seconds = None
    partition = request.partition or directives.get("partition") or None
    account = request.account or directives.get("account") or None
    return nodes, seconds, partition, account


def _partition(status: FacilityStatus, name: str | None) -> Partition | None:
    partitions = status.partitions or ()
    if name is None:
        return next((p for p in partitions if p.default), None)
    return next((p for p in partitions if p.name == name), None)


def _allocation(status: FacilityStatus, account: str | None) -> Allocation | None:
    """The account's allocation in the unit a job is charged in (time, not bytes)."""
    chosen = [
        a
        for a in status.allocations or ()
        if (a.account == account if account else a.default) and a.unit not in ("bytes", "inodes")
    ]
    # The user's own share binds before the project's; a figure before a name alone.
    chosen.sort(key=lambda a: (a.remaining is None, a.scope != "user"))
    return chosen[0] if chosen else None


def _charge(node_hours: float | None, allocation: Allocation | None) -> float | None:
    """The estimate in the allocation's unit, where it is one a node count and time give."""
    if node_hours is None or allocation is None or allocation.unit != "node_hours":
        return None
    return node_hours


def check(status: FacilityStatus, request: JobRequest, now: float) -> SubmitCheck:
    """The cost of `request` and the warnings before it goes out; the user may still submit."""
    nodes, seconds, partition_name, account = _asked(request)
    partition = _partition(status, partition_name)
    hours = None if seconds is None else seconds / 3600
    node_hours = None if hours is None else round((nodes or 1) * hours, 4)
    allocation = _allocation(status, account)
    charge = _charge(node_hours, allocation)
    warnings: list[Advice] = []

    if partition is not None:
        if partition.state.upper() not in ("UP", ""):
            warnings.append(
                Advice(
                    "partition_not_up",
                    f"Partition {partition.name} is {partition.state}: "
                    "jobs sent there wait until it is up again.",
                )
            )
        if seconds is not None and partition.max_time and seconds > partition.max_time:
            warnings.append(
                Advice(
                    "over_partition_limit",
                    f"The time limit {format_duration(seconds)} is beyond partition "
                    f"{partition.name}'s maximum of {format_duration(partition.max_time)}: "
                    "the job will be refused or never start.",
                )
            )
    elif partition_name and status.partitions is not None:
        known = ", ".join(p.name for p in status.partitions) or "none"
        warnings.append(
            Advice(
                "unknown_partition",
                f"This facility has no partition {partition_name} (it has: {known}).",
            )
        )

    if allocation is not None and allocation.remaining is not None:
        left, unit = allocation.remaining, (allocation.unit or "").replace("_", " ")
        if left <= 0:
            warnings.append(
                Advice(
                    "allocation_exhausted",
                    f"Account {allocation.account} has no {unit} left "
                    f"({left:g} of {allocation.allocated or 0:g}).",
                )
            )
        elif charge is not None and charge > left:
            warnings.append(
                Advice(
                    "over_allocation",
                    f"This job could use {charge:g} {unit}; account {allocation.account} has "
                    f"{left:g} left. It may be refused or stop short.",
                )
            )
        elif (
            charge is not None
            and allocation.allocated
            and left - charge < LOW_SHARE * allocation.allocated
        ):
            warnings.append(
                Advice(
                    "allocation_low",
                    f"After this job account {allocation.account} would have less than "
                    f"{LOW_SHARE:.0%} of its {unit} left.",
                )
            )

    for system in status.systems or ():
        if system.name != status.system and len(status.systems or ()) > 1:
            continue
        if system.health in (Health.DOWN, Health.DEGRADED):
            said = f": {system.message}" if system.message else ""
            warnings.append(
                Advice(
                    f"system_{system.health.value}",
                    f"{system.name} is {system.health.value}{said}.",
                )
            )

    end = now + seconds if seconds is not None else None
    for notice in status.notices or ():
        if notice.kind is not NoticeKind.MAINTENANCE or notice.start is None:
            continue
        if notice.end is not None and notice.end <= now:
            continue
        if notice.start <= now:
            warnings.append(
                Advice(
                    "maintenance_now",
                    f"Maintenance is under way ({notice.title}); jobs wait until it ends.",
                )
            )
        elif end is None or notice.start < end:
            warnings.append(
                Advice(
                    "maintenance_ahead",
                    f"Maintenance ({notice.title}) starts in "
                    f"{format_duration(notice.start - now)}, before this job could end: it "
                    "may not start until after it, unless its time limit is shorter.",
                )
            )

    return SubmitCheck(
        node_hours=node_hours,
        charge=charge,
        unit=allocation.unit if charge is not None and allocation is not None else None,
        allocation=allocation,
        warnings=tuple(warnings),
    )
