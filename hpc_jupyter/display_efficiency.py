"""Readable views of a finished job's efficiency: HTML for notebooks, plain text elsewhere."""

from __future__ import annotations

from .display import _e, _html_table, _text_table
from .models import Efficiency, Outcome
from .sizefmt import format_size
from .timefmt import format_duration

__all__ = ["efficiency_figures", "efficiency_html", "efficiency_text"]

_OUTCOME_COLOURS: dict[Outcome, str] = {
    Outcome.COMPLETED: "#2e7d32",
    Outcome.CANCELLED: "#616161",
    Outcome.UNKNOWN: "#616161",
}
_FAILED_COLOUR = "#c62828"


def _share(ratio: float | None) -> str:
    return "" if ratio is None else f" ({ratio:.0%})"


def efficiency_figures(e: Efficiency) -> tuple[list[tuple[str, str]], list[str]]:
    """The figures as (what, value) rows, and the measures the facility does not tell."""
    rows = [("Outcome", e.outcome.value.replace("_", " "))]
    untold = []
    if e.elapsed is not None:
        limit = f" of {format_duration(e.time_limit)}" if e.time_limit else ""
        rows.append(("Time", f"{format_duration(e.elapsed)}{limit}{_share(e.time_used)}"))
    else:
        untold.append("time")
    if e.cpu_efficiency is not None:
        cpus = f"{e.cpus} CPU{'s' if e.cpus != 1 else ''}"
        used = f", {format_duration(e.cpu_time)} CPU time" if e.cpu_time is not None else ""
        rows.append(("CPU efficiency", f"{e.cpu_efficiency:.0%} of {cpus}{used}"))
    else:
        if e.cpu_time is not None:
            rows.append(("CPU time", format_duration(e.cpu_time)))
        untold.append("CPU efficiency")
    if e.memory_used is not None:
        asked = f" of {format_size(e.memory_requested)}" if e.memory_requested else ""
        rows.append(
            ("Memory peak", f"{format_size(e.memory_used)}{asked}{_share(e.memory_efficiency)}")
        )
    else:
        untold.append("memory")
    ending = []
    if e.exit_code is not None:
        ending.append(f"exit code {e.exit_code}")
    if e.signal:
        ending.append(f"signal {e.signal}")
    if ending:
        rows.append(("Ended with", ", ".join(ending)))
    rows.append(("Source", e.source))
    return rows, untold


def _untold_line(untold: list[str]) -> str:
    return f"Not told by the facility: {', '.join(untold)}." if untold else ""


def efficiency_text(e: Efficiency) -> str:
    """The summary in words, then the figures, then what the facility does not tell."""
    rows, untold = efficiency_figures(e)
    table = _text_table(["", ""], [[what, value] for what, value in rows])
    figures = "\n".join("  " + line for line in table.splitlines()[1:])
    lines = [f"Efficiency: {e.summary}", figures, _untold_line(untold)]
    return "\n".join(line for line in lines if line)


def efficiency_html(e: Efficiency) -> str:
    """The summary in words (coloured by how it ended), then a table of the figures."""
    rows, untold = efficiency_figures(e)
    colour = _OUTCOME_COLOURS.get(e.outcome, _FAILED_COLOUR)
    table = _html_table("hpc-efficiency", ("Measure", "Figure"), [[_e(a), _e(b)] for a, b in rows])
    untold_line = f"<p><small>{_e(_untold_line(untold))}</small></p>" if untold else ""
    return (
        '<div class="hpc-jupyter hpc-efficiency">'
        f'<p><b>Efficiency</b>: <span style="color:{colour}">{_e(e.summary)}</span></p>'
        f"{table}{untold_line}</div>"
    )
