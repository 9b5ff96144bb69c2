"""Before a job is submitted: what it would cost and what stands in its way, from the status."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class _Asked:
    """What a request asks for: its fields, else its `#SBATCH` lines'."""

    nodes: int | None
    seconds: int | None
    partition: str | None
    account: str | None
    cpus: int
    """CPUs as Slurm counts them: tasks (one per node unless said) times CPUs per task."""


def _whole(text: str | None) -> int | None:
    """A count as sbatch takes it (`4`, or the low end of a range `2-4`); None when not one."""
    low = (text or "").split("-")[0]
    return int(low) if low.isdigit() and int(low) > 0 else None


def _asked(request: JobRequest) -> _Asked:
    """Nodes, time limit (s), partition, account and CPUs of `request`."""
    try:
        directives = parse_sbatch_directives(request.script)
    except ValidationError:
        directives = {}  # the submit itself will say what is wrong with the script
    nodes = request.nodes if request.nodes is not None else _whole(directives.get("nodes"))
    seconds = request.time_limit
    if seconds is None and directives.get("time"):
        try:
            seconds = parse_time_limit(directives["time"])
        except ValidationError:
            seconds = None
    partition = request.partition or directives.get("partition") or None
    account = request.account or directives.get("account") or None
    per_node = _whole(directives.get("ntasks-per-node"))
    tasks = _whole(directives.get("ntasks")) or (per_node or 1) * (nodes or 1)
    cpus = tasks * (_whole(directives.get("cpus-per-task")) or 1)
    return _Asked(nodes, seconds, partition, account, cpus)


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


CPU_UNITS = ("cpu_hours", "billing_hours")
"""Units charged per CPU hour. Billing is Slurm's default weighting (`TRESBillingWeights`
unset: one per CPU); a site that weights otherwise charges differently, hence an estimate."""


def _charge(asked: _Asked, allocation: Allocation | None) -> float | None:
    """The estimate in the allocation's unit, where a node count, CPUs and time give it."""
    if asked.seconds is None or allocation is None:
        return None
    hours = asked.seconds / 3600
    if allocation.unit == "node_hours":
        return round((asked.nodes or 1) * hours, 4)
    if allocation.unit in CPU_UNITS:
        return round(asked.cpus * hours, 4)
    return None


def check(status: FacilityStatus, request: JobRequest, now: float) -> SubmitCheck:
    """The cost of `request` and the warnings before it goes out; the user may still submit."""
    asked = _asked(request)
    seconds, partition_name = asked.seconds, asked.partition
    partition = _partition(status, partition_name)
    node_hours = None if seconds is None else round((asked.nodes or 1) * seconds / 3600, 4)
    allocation = _allocation(status, asked.account)
    charge = _charge(asked, allocation)
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
            said = f": {system.message.rstrip('.')}" if system.message else ""
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
