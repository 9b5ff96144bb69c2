"""The slurm-cli kind's readers of sacct, sshare, scontrol and sinfo, on output captured from
the project's real Slurm 22.05 (tests/slurm/samples/cli-2205/)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hpc_jupyter.backends.slurm.accounting import STEPS_WITHIN
from hpc_jupyter.backends.slurm.cli_efficiency import parse_sacct, requested_memory
from hpc_jupyter.backends.slurm.cli_status import (
    allocations,
    check_user,
    controller_health,
    nodes_health,
    priority_config,
    reservations,
)
from hpc_jupyter.backends.slurm.slurm_units import (
    parse_duration,
    parse_memory,
    parse_tres,
    tres_numbers,
)
from hpc_jupyter.errors import ValidationError
from hpc_jupyter.models import Health, NoticeKind, Outcome

SAMPLES = Path(__file__).parent / "samples" / "cli-2205"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_memory_sizes_tres_lists_and_cpu_times_as_sacct_prints_them() -> None:
    assert parse_memory("93088K", "K") == 93088 * 1024
    assert parse_memory("200M") == 200 * 2**20
    assert parse_memory("1.50G") == int(1.5 * 2**30)
    assert parse_memory("4000Mc") == 4000 * 2**20
    assert parse_memory("") is None
    assert parse_memory("n/a") is None
    assert parse_tres("billing=1,cpu=1,mem=200M,node=1") == {
        "billing": "1",
        "cpu": "1",
        "mem": "200M",
        "node": "1",
    }
    assert parse_tres("(null)") == {}
    assert tres_numbers("cpu=6000,node=3000") == {"cpu": 6000.0, "node": 3000.0}
    assert parse_duration("00:00.068") == pytest.approx(0.068)
    assert parse_duration("00:01:05") == 65
    assert parse_duration("1-02:03:04") == 93784
    assert parse_duration("") is None


def test_requested_memory_is_the_jobs_total_on_2205_and_per_node_or_cpu_before_2108() -> None:
    assert requested_memory("200M", nodes=1, cpus=2) == 200 * 2**20  # -c2 --mem-per-cpu=100M
    assert requested_memory("100Mc", nodes=1, cpus=2) == 200 * 2**20
    assert requested_memory("1Gn", nodes=3, cpus=6) == 3 * 2**30
    assert requested_memory("0", nodes=1, cpus=1) is None


def test_sacct_of_a_completed_job_gives_its_peak_memory_of_what_it_asked() -> None:
    # --mem=200M --time=5, python holding 80 MiB for 35 s (sampled by jobacct_gather/linux)
    figures = parse_sacct(sample("sacct-423.txt"), "423")

    assert figures is not None
    assert figures.outcome is Outcome.COMPLETED
    assert (figures.elapsed, figures.time_limit, figures.cpus) == (36, 300, 1)
    assert figures.cpu_time == pytest.approx(0.068)
    assert figures.memory_used == 93088 * 1024
    assert figures.memory_requested == 200 * 2**20
    assert figures.memory_efficiency == pytest.approx(0.4545, abs=1e-3)
    assert figures.source == "sacct"
    assert "Memory peak" in figures.summary


def test_sacct_of_jobs_without_limit_or_without_steps() -> None:
    unlimited = parse_sacct(sample("sacct-424.txt"), "424")
    cancelled_pending = parse_sacct(sample("sacct-414.txt"), "414")
    cancelled = parse_sacct(sample("sacct-416.txt"), "416")

    assert unlimited is not None and unlimited.time_limit is None
    assert cancelled_pending is not None
    assert cancelled_pending.outcome is Outcome.CANCELLED
    assert cancelled_pending.time_limit is None  # Partition_Limit
    assert cancelled_pending.memory_used is None  # no step ever ran
    assert cancelled is not None and cancelled.elapsed == 6
    assert parse_sacct(sample("sacct-423.txt"), "999") is None
    assert parse_sacct("", "423") is None


def test_sacct_before_a_jobs_steps_are_in_is_not_its_last_word() -> None:
    """The job's end reaches slurmdbd before its steps' figures: read between the two, a job
    killed past its memory had no MaxRSS and was called merely failed, for good."""
    text = sample("sacct-423.txt")
    job_line, step_line = text.splitlines()
    just_ended = time.time() - 2

    # Then, its step not yet in (or not yet ended), it is asked again later
    assert parse_sacct(job_line + "\n", "423", just_ended) is None
    running_step = step_line.replace("|COMPLETED|", "|RUNNING|")
    assert parse_sacct(f"{job_line}\n{running_step}\n", "423", just_ended) is None
    # and with its step, or a minute after its end (a job that never launched has none), it is
    complete = parse_sacct(text, "423", just_ended)
    assert complete is not None and complete.memory_used == 93088 * 1024
    late = parse_sacct(job_line + "\n", "423", time.time() - STEPS_WITHIN - 1)
    assert late is not None and late.memory_used is None


def test_sacct_before_what_a_job_asked_for_is_in_is_not_its_last_word() -> None:
    """22.05, a job killed past its 50 MiB a second after it started: for a second or two its
    line has ended, with its step, but no time limit and a ReqMem of `16?`."""
    just_ended = time.time() - 2

    assert parse_sacct(sample("sacct-oom-asked-late.txt"), "791", just_ended) is None
    figures = parse_sacct(sample("sacct-oom.txt"), "791", just_ended)
    assert figures is not None and figures.outcome is Outcome.OUT_OF_MEMORY
    assert figures.memory_requested == 50 * 2**20


def test_sacct_of_a_job_that_hit_its_time_limit_says_so() -> None:
    figures = parse_sacct(sample("sacct-timeout.txt"), sample("sacct-timeout.txt").split("|")[0])

    assert figures is not None
    assert figures.outcome is Outcome.TIMEOUT
    assert figures.time_limit == 60
    assert "Ran out of time" in figures.summary


def test_sacct_of_a_job_that_left_cpus_idle() -> None:
    text = sample("sacct-idle-cpus.txt")
    figures = parse_sacct(text, text.split("|")[0])

    assert figures is not None
    assert figures.cpus == 2
    assert figures.cpu_efficiency is not None and figures.cpu_efficiency < 0.1
    assert "Most CPUs sat idle" in figures.summary


def test_controller_and_nodes() -> None:
    assert controller_health(sample("scontrol-ping.txt"), "c") is None
    down = controller_health("Slurmctld(primary) at vm is DOWN\n", "c")
    assert down is not None and down.health is Health.DOWN
    assert "does not answer" in (down.message or "")
    with pytest.raises(Exception, match="nothing"):
        controller_health("", "c")

    assert nodes_health(sample("sinfo-nodes.txt"), "c").health is Health.UP
    drained = nodes_health("vm|drained|disk check\n", "c")
    assert drained.health is Health.DOWN
    assert "vm drained: disk check" in (drained.message or "")
    many = "".join(f"n{i}|idle|none\n" for i in range(18)) + "n18|down*|Not responding\n"
    few_out = nodes_health(many, "c")
    assert few_out.health is Health.UP and "1 of 19 nodes out" in (few_out.message or "")
    tenth = nodes_health(many + "n19|draining|repair\n", "c")
    assert tenth.health is Health.DEGRADED
    assert "n19 draining: repair" in (tenth.message or "")


def test_reservations_maintenance_and_others_in_unix_seconds() -> None:
    text = sample("scontrol-show-reservation.txt")
    now = 1796523254 - 7200

    maint, other = reservations(text, "hpcjupyter", now)

    assert (maint.kind, maint.id, maint.start, maint.end) == (
        NoticeKind.MAINTENANCE,
        "hpcj_cap_maint",
        1796523254,
        1796526854,
    )
    assert maint.title == "Maintenance hpcj_cap_maint on vm"
    assert maint.status == "INACTIVE" and maint.systems == ("hpcjupyter",)
    assert other.kind is NoticeKind.RESERVATION
    assert [n.id for n in reservations(text, "c", now=1796526854)] == ["hpcj_cap_res"]
    assert reservations(sample("scontrol-show-reservation-none.txt"), "c", now) == []


def test_reservations_in_slurms_local_time_when_no_epoch_format_took() -> None:
    notices = reservations(sample("scontrol-show-reservation-isotime.txt"), "c", 0)

    expected = time.mktime(time.strptime("2026-12-06T02:00:06", "%Y-%m-%dT%H:%M:%S"))
    assert notices[0].start == expected


def test_allocations_from_grptresmins_in_hours_project_and_user() -> None:
    config = priority_config(sample("scontrol-show-config.txt"))
    assert config["PriorityType"] == "priority/basic"

    found = allocations(sample("sshare-limits.txt"), "hpcproj", config, "hpcuser")

    by_scope = {(a.scope, a.unit): a for a in found}
    project_cpu = by_scope[("project", "cpu_hours")]
    assert (project_cpu.account, project_cpu.allocated, project_cpu.default) == (
        "hpcproj",
        100.0,
        True,
    )
    assert by_scope[("project", "node_hours")].allocated == 50.0
    assert by_scope[("user", "cpu_hours")].allocated == 10.0
    # priority/basic counts no usage: none is given rather than a zero
    assert all(a.used is None and a.remaining is None for a in found)
    assert "priority/basic" in (project_cpu.note or "")


def test_allocations_with_usage_where_slurm_counts_it() -> None:
    # captured with PriorityType=priority/multifactor, PriorityDecayHalfLife=0, monthly reset
    config = priority_config(sample("scontrol-show-config-multifactor.txt"))
    shares = sample("sshare-multifactor.txt")

    [fresh] = allocations(shares, "hpcproj", config, "hpcuser")
    used = allocations(
        shares.replace("||cpu=600|cpu=0,", "||cpu=600|cpu=150,"), "hpcproj", config, "hpcuser"
    )

    assert (fresh.unit, fresh.allocated, fresh.used, fresh.remaining) == ("cpu_hours", 10, 0, 10)
    assert fresh.note == (
        "GrpTRESMins cpu=600; used: sshare GrpTRESRaw (TRES-minutes, as Slurm counts them, "
        "reset monthly)"
    )
    assert (used[0].used, used[0].remaining) == (2.5, 7.5)


def test_an_account_without_limits_is_listed_by_name() -> None:
    found = allocations(sample("sshare.txt"), "hpcproj", {}, "hpcuser")

    assert [(a.account, a.unit, a.allocated, a.default) for a in found] == [
        ("hpcproj", None, None, True)
    ]
    assert allocations(sample("sshare.txt"), "hpcproj", {}, "nobody") == []


@pytest.mark.parametrize("user", ["a;b", "", "-x", "a b", "$(id)"])
def test_a_user_name_that_is_not_one_is_refused(user: str) -> None:
    with pytest.raises(ValidationError):
        check_user(user)


def test_a_job_the_accounting_has_not_seen_end_has_no_figures_yet() -> None:
    running = sample("sacct-423.txt").replace("COMPLETED", "RUNNING")

    assert parse_sacct(running, "423") is None
