"""foresight.check: node hours, the charge and every warning, from a status and a job request."""

from __future__ import annotations

import dataclasses

import pytest

from hpc_jupyter.foresight import check
from hpc_jupyter.models import (
    Allocation,
    FacilityStatus,
    Health,
    JobRequest,
    Notice,
    NoticeKind,
    Partition,
    SystemHealth,
)

NOW = 1_800_000_000.0
HOUR = 3600
SCRIPT = "#!/bin/bash\nsrun hostname\n"


def status(**parts: object) -> FacilityStatus:
    """A healthy cluster with a 1-day `batch` (default) and a 1-hour `debug` partition."""
    base = FacilityStatus(
        facility="hpc",
        system="alps",
        systems=(SystemHealth("alps", Health.UP),),
        notices=(),
        partitions=(
            Partition("batch", default=True, max_time=24 * HOUR, nodes=100),
            Partition("debug", default=False, max_time=HOUR, nodes=4),
        ),
        allocations=(Allocation("proj", "node_hours", 1000.0, 400.0, 600.0, default=True),),
    )
    return dataclasses.replace(base, **parts)


def request(script: str = SCRIPT, **fields: object) -> JobRequest:
    return JobRequest(script=script, **fields)  # type: ignore[arg-type]


def codes(verdict: object) -> list[str]:
    return [advice.code for advice in verdict.warnings]  # type: ignore[attr-defined]


# -- node hours and the charge -------------------------------------------------------------------


def test_node_hours_from_the_fields() -> None:
    verdict = check(status(), request(nodes=2, time_limit=90 * 60), NOW)
    assert verdict.node_hours == 3.0
    assert verdict.charge == 3.0 and verdict.unit == "node_hours"
    assert verdict.allocation is not None and verdict.allocation.account == "proj"
    assert verdict.warnings == ()


def test_node_hours_from_sbatch_lines() -> None:
    script = "#!/bin/bash\n#SBATCH -N 4\n#SBATCH --time=30\nsrun hostname\n"
    assert check(status(), request(script), NOW).node_hours == 2.0
    # a node range counts its least; the fields override the lines
    ranged = "#!/bin/bash\n#SBATCH --nodes=2-8\n#SBATCH -t 1:00:00\n"
    assert check(status(), request(ranged), NOW).node_hours == 2.0
    assert check(status(), request(ranged, nodes=3, time_limit=HOUR), NOW).node_hours == 3.0


def test_without_a_time_limit_there_is_no_estimate() -> None:
    verdict = check(status(), request(nodes=8), NOW)
    assert verdict.node_hours is None and verdict.charge is None and verdict.unit is None
    # one node when the request does not say
    assert check(status(), request(time_limit=HOUR), NOW).node_hours == 1.0
    # a time that does not parse is no time (the submit says what is wrong)
    assert check(status(), request("#!/bin/bash\n#SBATCH --time=soon\n"), NOW).node_hours is None


def test_cpu_hours_are_charged_for_the_cpus_slurm_would_allocate() -> None:
    cpu = Allocation("proj", "cpu_hours", 1000.0, 0.0, 1000.0, default=True)
    # Slurm's default: one task per node, one CPU per task
    verdict = check(status(allocations=(cpu,)), request(nodes=2, time_limit=HOUR), NOW)
    assert (verdict.node_hours, verdict.charge, verdict.unit) == (2.0, 2.0, "cpu_hours")
    assert verdict.allocation == cpu
    # tasks and CPUs per task from the script: 8 x 4 CPUs for 2 hours
    script = "#!/bin/bash\n#SBATCH -n 8\n#SBATCH --cpus-per-task=4\n#SBATCH -t 2:00:00\n"
    assert check(status(allocations=(cpu,)), request(script), NOW).charge == 64.0
    # tasks per node times nodes
    script = "#!/bin/bash\n#SBATCH -N 3\n#SBATCH --ntasks-per-node=16\n#SBATCH -t 30\n"
    assert check(status(allocations=(cpu,)), request(script), NOW).charge == 24.0
    # billing hours are charged per CPU too (Slurm's default weights)
    billing = Allocation("proj", "billing_hours", 10.0, 0.0, 10.0, default=True)
    over = check(status(allocations=(billing,)), request(script), NOW)
    assert (over.charge, over.unit) == (24.0, "billing_hours")
    assert [w.code for w in over.warnings] == ["over_allocation"]


def test_no_charge_in_a_unit_a_request_does_not_give() -> None:
    gpu = Allocation("proj", "gpu_hours", 100.0, 0.0, 100.0, default=True)
    verdict = check(status(allocations=(gpu,)), request(nodes=2, time_limit=HOUR), NOW)
    assert verdict.node_hours == 2.0 and verdict.allocation == gpu
    assert verdict.charge is None and verdict.unit is None


def test_the_allocation_charged() -> None:
    storage = Allocation("proj", "bytes", 1e12, 1e11, 9e11)
    project = Allocation("proj", "node_hours", 1000.0, 100.0, 900.0)
    mine = Allocation("proj", "node_hours", 50.0, 10.0, 40.0, scope="user")
    other = Allocation("other", "node_hours", 10.0, 0.0, 10.0, default=True)
    allocations = (storage, project, mine, other)
    # the account asked for, its user share first, never bytes or inodes
    asked = check(status(allocations=allocations), request(account="proj", time_limit=HOUR), NOW)
    assert asked.allocation == mine
    # the same account named in the script
    script = "#!/bin/bash\n#SBATCH -A proj\n"
    assert check(status(allocations=allocations), request(script), NOW).allocation == mine
    # no account asked: the default one
    assert check(status(allocations=allocations), request(), NOW).allocation == other
    # an account known by name only, and none at all
    named = Allocation("proj")
    assert check(status(allocations=(named,)), request(account="proj"), NOW).allocation == named
    assert check(status(allocations=None), request(account="proj"), NOW).allocation is None


# -- partitions ----------------------------------------------------------------------------------


def test_over_partition_limit() -> None:
    verdict = check(status(), request(partition="debug", time_limit=2 * HOUR), NOW)
    assert codes(verdict) == ["over_partition_limit"]
    assert "02:00:00" in verdict.warnings[0].message
    assert "debug's maximum of 01:00:00" in verdict.warnings[0].message
    # the default partition's limit when none is named
    assert codes(check(status(), request(time_limit=25 * HOUR), NOW)) == ["over_partition_limit"]
    assert codes(check(status(), request(partition="debug", time_limit=HOUR), NOW)) == []


def test_unknown_partition() -> None:
    verdict = check(status(), request(partition="gpu"), NOW)
    assert codes(verdict) == ["unknown_partition"]
    assert verdict.warnings[0].message == (
        "This facility has no partition gpu (it has: batch, debug)."
    )
    # partitions the facility does not list cannot be unknown
    assert codes(check(status(partitions=None), request(partition="gpu"), NOW)) == []


def test_partition_not_up() -> None:
    drained = (Partition("batch", default=True, state="DRAIN"),)
    verdict = check(status(partitions=drained), request(), NOW)
    assert codes(verdict) == ["partition_not_up"]
    assert "batch is DRAIN" in verdict.warnings[0].message


# -- allocations ---------------------------------------------------------------------------------


def _allocation(remaining: float) -> tuple[Allocation, ...]:
    return (Allocation("proj", "node_hours", 100.0, 100.0 - remaining, remaining, default=True),)


def test_allocation_exhausted() -> None:
    verdict = check(status(allocations=_allocation(0.0)), request(time_limit=HOUR), NOW)
    assert codes(verdict) == ["allocation_exhausted"]
    assert "no node hours left" in verdict.warnings[0].message
    assert codes(check(status(allocations=_allocation(-5.0)), request(), NOW)) == [
        "allocation_exhausted"
    ]


def test_over_allocation() -> None:
    verdict = check(
        status(allocations=_allocation(5.0)), request(nodes=3, time_limit=2 * HOUR), NOW
    )
    assert codes(verdict) == ["over_allocation"]
    assert "could use 6 node hours" in verdict.warnings[0].message


def test_allocation_low() -> None:
    # 20 left, 12 used by the job: 8 < 10% of 100
    verdict = check(status(allocations=_allocation(20.0)), request(nodes=12, time_limit=HOUR), NOW)
    assert codes(verdict) == ["allocation_low"]
    assert codes(check(status(allocations=_allocation(20.0)), request(time_limit=HOUR), NOW)) == []


def test_no_allocation_warning_without_figures() -> None:
    named = (Allocation("proj", default=True),)
    assert codes(check(status(allocations=named), request(time_limit=HOUR), NOW)) == []


# -- systems -------------------------------------------------------------------------------------


@pytest.mark.parametrize("health", [Health.DOWN, Health.DEGRADED])
def test_system_down_or_degraded(health: Health) -> None:
    systems = (SystemHealth("alps", health, "cooling failure"),)
    verdict = check(status(systems=systems), request(), NOW)
    assert codes(verdict) == [f"system_{health.value}"]
    assert verdict.warnings[0].message == f"alps is {health.value}: cooling failure."


def test_only_the_chosen_system_counts_among_several() -> None:
    systems = (SystemHealth("alps", Health.UP), SystemHealth("eiger", Health.DOWN))
    assert codes(check(status(systems=systems), request(), NOW)) == []
    # a facility reporting one system (or service) speaks for the chosen one
    lone = (SystemHealth("compute", Health.DEGRADED),)
    assert codes(check(status(systems=lone), request(), NOW)) == ["system_degraded"]
    assert (
        codes(check(status(systems=(SystemHealth("alps", Health.UNKNOWN),)), request(), NOW)) == []
    )


# -- maintenance ---------------------------------------------------------------------------------


def _maintenance(
    start: float | None, end: float | None, kind: NoticeKind = NoticeKind.MAINTENANCE
) -> tuple[Notice, ...]:
    return (Notice("m1", kind, "OS upgrade", start=start, end=end, systems=("alps",)),)


def test_maintenance_ahead() -> None:
    notices = _maintenance(NOW + HOUR, NOW + 5 * HOUR)
    verdict = check(status(notices=notices), request(time_limit=2 * HOUR), NOW)
    assert codes(verdict) == ["maintenance_ahead"]
    assert "OS upgrade" in verdict.warnings[0].message
    assert "starts in 01:00:00" in verdict.warnings[0].message
    # a job that ends before it starts is not warned; one with no time limit is
    assert codes(check(status(notices=notices), request(time_limit=HOUR // 2), NOW)) == []
    assert codes(check(status(notices=notices), request(), NOW)) == ["maintenance_ahead"]


def test_maintenance_now() -> None:
    notices = _maintenance(NOW - HOUR, NOW + HOUR)
    assert codes(check(status(notices=notices), request(time_limit=60), NOW)) == ["maintenance_now"]
    # open-ended
    assert codes(check(status(notices=_maintenance(NOW - 1, None)), request(), NOW)) == [
        "maintenance_now"
    ]


def test_notices_that_ended_or_are_no_maintenance_are_ignored() -> None:
    ended = _maintenance(NOW - 2 * HOUR, NOW - HOUR)
    assert codes(check(status(notices=ended), request(time_limit=HOUR), NOW)) == []
    ended_now = _maintenance(NOW - 2 * HOUR, NOW)
    assert codes(check(status(notices=ended_now), request(time_limit=HOUR), NOW)) == []
    undated = _maintenance(None, None)
    assert codes(check(status(notices=undated), request(time_limit=HOUR), NOW)) == []
    for kind in (NoticeKind.INCIDENT, NoticeKind.RESERVATION):
        other = _maintenance(NOW + 60, NOW + HOUR, kind)
        assert codes(check(status(notices=other), request(time_limit=HOUR), NOW)) == []


def test_nothing_known_means_no_warning() -> None:
    empty = FacilityStatus(facility="hpc", system="alps")
    verdict = check(empty, request(partition="gpu", account="proj", time_limit=HOUR), NOW)
    assert verdict.warnings == ()
    assert verdict.node_hours == 1.0 and verdict.allocation is None


def test_warnings_together_in_order() -> None:
    verdict = check(
        status(
            systems=(SystemHealth("alps", Health.DOWN),),
            notices=_maintenance(NOW + HOUR, NOW + 2 * HOUR),
            allocations=_allocation(1.0),
        ),
        request(partition="debug", nodes=2, time_limit=3 * HOUR),
        NOW,
    )
    assert codes(verdict) == [
        "over_partition_limit",
        "over_allocation",
        "system_down",
        "maintenance_ahead",
    ]
