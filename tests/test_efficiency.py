"""efficiency.py: a finished job's outcome, its ratios and the words a scientist reads."""

from __future__ import annotations

import pytest

from hpc_jupyter.efficiency import efficiency, outcome_of
from hpc_jupyter.models import JobState, Outcome

GIB = 1024**3


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (JobState.COMPLETED, Outcome.COMPLETED),
        (JobState.FAILED, Outcome.FAILED),
        (JobState.TIMEOUT, Outcome.TIMEOUT),
        (JobState.OUT_OF_MEMORY, Outcome.OUT_OF_MEMORY),
        (JobState.CANCELLED, Outcome.CANCELLED),
        (JobState.NODE_FAIL, Outcome.NODE_FAIL),
        (JobState.RUNNING, Outcome.UNKNOWN),
        (JobState.UNKNOWN, Outcome.UNKNOWN),
    ],
)
def test_outcome_of_a_state(state: JobState, outcome: Outcome) -> None:
    assert outcome_of(state) is outcome
    assert outcome_of(state, 0) is outcome


def test_a_completed_job_with_a_non_zero_exit_failed() -> None:
    assert outcome_of(JobState.COMPLETED, 2) is Outcome.FAILED
    assert outcome_of(JobState.TIMEOUT, 1) is Outcome.TIMEOUT  # its own words stand


def test_ratios() -> None:
    e = efficiency(
        Outcome.COMPLETED,
        "sacct",
        elapsed=600,
        time_limit=3600,
        cpus=4,
        cpu_time=1800,
        memory_used=3 * GIB,
        memory_requested=4 * GIB,
        exit_code=0,
    )
    assert e.cpu_efficiency == 0.75  # 1800 / (600 * 4)
    assert e.memory_efficiency == 0.75
    assert e.time_used == round(600 / 3600, 4) == 0.1667
    assert (e.source, e.cpus, e.exit_code) == ("sacct", 4, 0)
    assert e.summary == (
        "Completed. Ran 00:10:00 of 01:00:00 asked. CPU efficiency 75% of 4 CPUs. "
        "Memory peak 3.0 GiB of 4.0 GiB requested (75%)."
    )


def test_none_figures_give_none_ratios_and_only_how_it_ended() -> None:
    e = efficiency(Outcome.COMPLETED, "local")
    assert (e.cpu_efficiency, e.memory_efficiency, e.time_used) == (None, None, None)
    assert (e.elapsed, e.cpus, e.memory_used, e.signal) == (None, None, None, None)
    assert e.summary == "Completed."
    # a figure without what it is a share of gives no ratio (and no division by zero)
    partial = efficiency(
        Outcome.COMPLETED, "x", elapsed=100, cpu_time=50, cpus=0, memory_used=GIB, time_limit=0
    )
    assert (partial.cpu_efficiency, partial.memory_efficiency, partial.time_used) == (
        None,
        None,
        None,
    )
    assert partial.summary == (
        "Completed. Ran 00:01:40. Used 50.0 s of CPU time (about 0.5 CPUs busy on average)."
        " Memory peak 1.0 GiB."
    )
    assert efficiency(Outcome.UNKNOWN, "x").summary == "Ended; the facility does not say how."


def test_out_of_memory_is_called_out() -> None:
    e = efficiency(
        Outcome.OUT_OF_MEMORY,
        "sacct",
        elapsed=30,
        memory_used=2 * GIB,
        memory_requested=2 * GIB,
    )
    assert e.summary.startswith(
        "Ran out of memory (peak 2.0 GiB of 2.0 GiB requested): the facility stopped it. "
        "Ask for more memory (--mem) or use less."
    )
    assert "Memory peak" not in e.summary  # said once, in the words above
    bare = efficiency(Outcome.OUT_OF_MEMORY, "sacct")
    assert bare.summary.startswith("Ran out of memory: the facility stopped it.")
    peak_only = efficiency(Outcome.OUT_OF_MEMORY, "sacct", memory_used=GIB)
    assert peak_only.summary.startswith("Ran out of memory (peak 1.0 GiB): ")


def test_a_job_killed_past_its_memory_ran_out_of_memory_whatever_its_state() -> None:
    # Slurm's OverMemoryKill: SIGKILL once the peak passed the request; 22.05 says FAILED
    killed = efficiency(
        Outcome.FAILED, "sacct", memory_used=400 * 2**20, memory_requested=50 * 2**20, signal=9
    )
    assert killed.outcome is Outcome.OUT_OF_MEMORY
    assert killed.summary.startswith("Ran out of memory (peak 400.0 MiB of 50.0 MiB requested)")
    # ... but not a kill within its memory, nor another signal past it
    within = efficiency(
        Outcome.FAILED, "sacct", memory_used=40 * 2**20, memory_requested=50 * 2**20, signal=9
    )
    other = efficiency(
        Outcome.FAILED, "sacct", memory_used=400 * 2**20, memory_requested=50 * 2**20, signal=15
    )
    assert (within.outcome, other.outcome) == (Outcome.FAILED, Outcome.FAILED)


def test_a_script_whose_command_was_killed_past_its_memory_ran_out_of_memory() -> None:
    # Without cgroups Slurm kills the step's processes one by one: when the command goes first,
    # the script's shell exits 137 (128 + SIGKILL) before its own kill lands (CI flake, 22.05)
    past, within = (
        efficiency(
            Outcome.FAILED, "sacct", memory_used=used, memory_requested=50 * 2**20, exit_code=137
        )
        for used in (400 * 2**20, 40 * 2**20)
    )
    assert past.outcome is Outcome.OUT_OF_MEMORY
    assert past.summary.startswith("Ran out of memory (peak 400.0 MiB of 50.0 MiB requested)")
    assert within.outcome is Outcome.FAILED
    assert within.summary.startswith("Failed with exit code 137: see its stderr.")


def test_timeout_is_called_out() -> None:
    e = efficiency(Outcome.TIMEOUT, "sacct", elapsed=600, time_limit=600)
    assert e.summary.startswith(
        "Ran out of time: stopped at its time limit of 00:10:00. "
        "Ask for a longer time limit, or save progress to resume from."
    )
    assert e.time_used == 1.0


def test_idle_cpus_are_called_out() -> None:
    idle = efficiency(Outcome.COMPLETED, "sacct", elapsed=100, cpus=8, cpu_time=100)
    assert idle.cpu_efficiency == 0.125
    assert "CPU efficiency 12% of 8 CPUs. Most CPUs sat idle" in idle.summary
    # one CPU cannot be left idle by parallelism: no such advice
    lone = efficiency(Outcome.COMPLETED, "sacct", elapsed=100, cpus=1, cpu_time=10)
    assert "CPU efficiency 10% of 1 CPU." in lone.summary
    assert "idle" not in lone.summary
    busy = efficiency(Outcome.COMPLETED, "sacct", elapsed=100, cpus=2, cpu_time=190)
    assert "idle" not in busy.summary


def test_memory_and_time_advice() -> None:
    lavish = efficiency(Outcome.COMPLETED, "sacct", memory_used=GIB // 10, memory_requested=GIB)
    assert "Asking for less memory would let it start sooner." in lavish.summary
    tight = efficiency(Outcome.COMPLETED, "sacct", memory_used=GIB - 1, memory_requested=GIB)
    assert "It came close to running out of memory." in tight.summary
    short = efficiency(Outcome.COMPLETED, "sacct", elapsed=120, time_limit=3600)
    assert "A shorter time limit would let it start sooner." in short.summary
    # a job under a minute, or one that failed, is not told to shorten its limit
    quick = efficiency(Outcome.COMPLETED, "sacct", elapsed=30, time_limit=3600)
    assert "shorter" not in quick.summary
    failed = efficiency(Outcome.FAILED, "sacct", elapsed=120, time_limit=3600, exit_code=1)
    assert "shorter" not in failed.summary


def test_how_other_endings_read() -> None:
    assert efficiency(Outcome.FAILED, "x", exit_code=3).summary == (
        "Failed with exit code 3: see its stderr."
    )
    assert efficiency(Outcome.FAILED, "x", signal=9).summary == "Failed: killed by signal 9."
    assert efficiency(Outcome.CANCELLED, "x").summary == "Cancelled before it finished."
    assert "through no fault of its own" in efficiency(Outcome.NODE_FAIL, "x").summary
