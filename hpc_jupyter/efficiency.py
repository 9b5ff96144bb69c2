"""A finished job's efficiency: the ratios and the words, the same for every facility."""

from __future__ import annotations

import dataclasses

from .models import Efficiency, JobState, Outcome
from .sizefmt import format_size
from .timefmt import format_duration

OUTCOMES = {
    JobState.COMPLETED: Outcome.COMPLETED,
    JobState.FAILED: Outcome.FAILED,
    JobState.TIMEOUT: Outcome.TIMEOUT,
    JobState.OUT_OF_MEMORY: Outcome.OUT_OF_MEMORY,
    JobState.CANCELLED: Outcome.CANCELLED,
    JobState.NODE_FAIL: Outcome.NODE_FAIL,
}
LOW_CPU = 0.5
"""Below this share of its CPUs' time, a job is told it left CPUs idle."""
LOW_MEMORY = 0.25
"""Below this share of the memory it asked for, a job is told it asked for too much."""
SHORT_RUN = 0.1
"""Below this share of its time limit, a job is told a shorter limit would start it sooner."""
NEAR_LIMIT = 0.9
"""Above this share of the memory it asked for, a job is told it came close to running out."""


SIGKILL = 9
KILLED_CHILD = 128 + SIGKILL
"""A shell's exit code when the command it waits for was killed by SIGKILL (`$?` is 137)."""


def outcome_of(state: JobState, exit_code: int | None = None) -> Outcome:
    """The outcome of a job that ended in `state`; a COMPLETED job with a non-zero exit failed."""
    outcome = OUTCOMES.get(state, Outcome.UNKNOWN)
    if outcome is Outcome.COMPLETED and exit_code:
        return Outcome.FAILED
    return outcome


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def efficiency(
    outcome: Outcome,
    source: str,
    *,
    elapsed: float | None = None,
    time_limit: int | None = None,
    cpus: int | None = None,
    cpu_time: float | None = None,
    memory_used: int | None = None,
    memory_requested: int | None = None,
    exit_code: int | None = None,
    signal: int | None = None,
) -> Efficiency:
    """The efficiency of a job from its accounting's figures (None where it does not tell).

    A job killed (SIGKILL) after its memory peak passed its request ran out of memory, whatever
    its state says: Slurm's `JobAcctGatherParams=OverMemoryKill` kills it so, and 22.05 calls it
    FAILED. Slurm kills the step's processes one by one (without cgroups): when the command
    dies first, the batch script's shell ends on its own with 137 before its own SIGKILL lands.
    """
    if (
        outcome in (Outcome.FAILED, Outcome.CANCELLED)
        and (signal == SIGKILL or (signal is None and exit_code == KILLED_CHILD))
        and memory_used is not None
        and memory_requested
        and memory_used > memory_requested
    ):
        outcome = Outcome.OUT_OF_MEMORY
    cpu_efficiency = _ratio(cpu_time, None if elapsed is None or not cpus else elapsed * cpus)
    memory_efficiency = _ratio(memory_used, memory_requested)
    time_used = _ratio(elapsed, time_limit)
    figures = Efficiency(
        outcome=outcome,
        summary="",
        source=source,
        elapsed=elapsed,
        time_limit=time_limit,
        time_used=time_used,
        cpus=cpus,
        cpu_time=cpu_time,
        cpu_efficiency=cpu_efficiency,
        memory_used=memory_used,
        memory_requested=memory_requested,
        memory_efficiency=memory_efficiency,
        exit_code=exit_code,
        signal=signal,
    )
    return dataclasses.replace(figures, summary=summary(figures))


def _how_it_ended(e: Efficiency) -> str:
    if e.outcome is Outcome.OUT_OF_MEMORY:
        used = f" (peak {format_size(e.memory_used)}" if e.memory_used is not None else ""
        asked = (
            f" of {format_size(e.memory_requested)} requested)"
            if used and e.memory_requested
            else (")" if used else "")
        )
        return (
            f"Ran out of memory{used}{asked}: the facility stopped it. "
            "Ask for more memory (--mem) or use less."
        )
    if e.outcome is Outcome.TIMEOUT:
        limit = f" of {format_duration(e.time_limit)}" if e.time_limit else ""
        return (
            f"Ran out of time: stopped at its time limit{limit}. "
            "Ask for a longer time limit, or save progress to resume from."
        )
    if e.outcome is Outcome.FAILED:
        if e.signal:
            return f"Failed: killed by signal {e.signal}."
        code = f" with exit code {e.exit_code}" if e.exit_code is not None else ""
        return f"Failed{code}: see its stderr."
    if e.outcome is Outcome.CANCELLED:
        return "Cancelled before it finished."
    if e.outcome is Outcome.NODE_FAIL:
        return "A node it ran on failed; it did not finish through no fault of its own."
    if e.outcome is Outcome.COMPLETED:
        return "Completed."
    return "Ended; the facility does not say how."


def _span(seconds: float) -> str:
    """A duration for the words: `1.6 s` under a minute, else as Slurm prints it."""
    return f"{seconds:.1f} s" if seconds < 60 else format_duration(seconds)


def _how_it_used(e: Efficiency) -> list[str]:
    words: list[str] = []
    if e.elapsed is not None:
        limit = f" of {format_duration(e.time_limit)} asked" if e.time_limit else ""
        words.append(f"Ran {_span(e.elapsed)}{limit}.")
        if (
            e.time_used is not None
            and e.time_used < SHORT_RUN
            and e.outcome is Outcome.COMPLETED
            and e.elapsed >= 60
        ):
            words.append("A shorter time limit would let it start sooner.")
    if e.cpu_efficiency is not None:
        share = f"{e.cpu_efficiency:.0%}"
        words.append(f"CPU efficiency {share} of {e.cpus} CPU{'s' if e.cpus != 1 else ''}.")
        if e.cpu_efficiency < LOW_CPU and (e.cpus or 0) > 1:
            words.append("Most CPUs sat idle: ask for fewer, or run more in parallel.")
    elif e.cpu_time is not None:  # no CPUs were allocated to measure it against
        busy = f" (about {e.cpu_time / e.elapsed:.1f} CPUs busy on average)" if e.elapsed else ""
        words.append(f"Used {_span(e.cpu_time)} of CPU time{busy}.")
    if e.memory_used is not None and e.outcome is not Outcome.OUT_OF_MEMORY:
        if e.memory_efficiency is not None and e.memory_requested:
            words.append(
                f"Memory peak {format_size(e.memory_used)} of "
                f"{format_size(e.memory_requested)} requested ({e.memory_efficiency:.0%})."
            )
            if e.memory_efficiency < LOW_MEMORY:
                words.append("Asking for less memory would let it start sooner.")
            elif e.memory_efficiency > NEAR_LIMIT:
                words.append("It came close to running out of memory.")
        else:
            words.append(f"Memory peak {format_size(e.memory_used)}.")
    return words


def summary(e: Efficiency) -> str:
    """The efficiency for a person: how the job ended, then how it used what it asked for."""
    return " ".join([_how_it_ended(e), *_how_it_used(e)])
