"""Readable views of a facility's status and of a submit check: HTML for notebooks, plain text."""

from __future__ import annotations

import time
from collections.abc import Sequence

from .display import _badge, _clock, _e, _html_table, _text_table, _when
from .models import (
    Allocation,
    FacilityStatus,
    Health,
    Notice,
    NoticeKind,
    Partition,
    SubmitCheck,
    SystemHealth,
)
from .sizefmt import format_size
from .timefmt import format_duration

__all__ = [
    "HEALTH_COLOURS",
    "amount",
    "check_html",
    "check_lines",
    "check_text",
    "missing_part",
    "status_html",
    "status_text",
    "unit_words",
]

HEALTH_COLOURS: dict[Health, str] = {
    Health.UP: "#2e7d32",
    Health.DEGRADED: "#b26a00",
    Health.DOWN: "#c62828",
    Health.UNKNOWN: "#616161",
}
_NOTICE_COLOURS: dict[NoticeKind, str] = {
    NoticeKind.MAINTENANCE: "#b26a00",
    NoticeKind.INCIDENT: "#c62828",
    NoticeKind.RESERVATION: "#616161",
}
_WARN = "#b26a00"
_BAD = "#c62828"
_PARTS = ("systems", "notices", "partitions", "allocations")
_TITLES = {
    "systems": "Systems",
    "notices": "Incidents and maintenance",
    "partitions": "Partitions",
    "allocations": "Allocations",
}
_NONE = {
    "systems": "No systems reported.",
    "notices": "None on or ahead.",
    "partitions": "No partitions listed.",
    "allocations": "No accounts listed.",
}
"""What an empty part says: the facility answered, and there is nothing (not 'not known')."""


def unit_words(unit: str | None) -> str:
    """A unit for people: `node_hours` -> `node hours`."""
    return (unit or "").replace("_", " ")


def amount(value: float | None, unit: str | None) -> str:
    """A figure of an allocation in its unit (bytes as KiB, MiB...); `-` when not told."""
    if value is None:
        return "-"
    if unit == "bytes":
        return format_size(int(value))
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def missing_part(status: FacilityStatus, part: str) -> str:
    """Why a null part of `status` is null: its sources' errors, or that none reports it."""
    failed = [s for s in status.sources if s.part == part and s.error]
    if failed:
        return "could not be read: " + "; ".join(
            f"{s.source}: {(s.error or '').rstrip('.')}" for s in failed
        )
    return "not reported by this facility"


def _as_of(status: FacilityStatus) -> str:
    if not status.sources:
        return ""
    return f", as of {_clock(min(s.fetched_at for s in status.sources))}"


def _heading(status: FacilityStatus) -> str:
    return f"Status of {status.facility} (system {status.system}){_as_of(status)}"


def _start(notice: Notice, now: float) -> str:
    if notice.start is None:
        return "not said"
    return _when(notice.start) + (" (under way)" if notice.start <= now else "")


def _system_cells(system: SystemHealth) -> list[str]:
    checked = "-" if system.checked_at is None else _clock(system.checked_at)
    return [system.name, system.health.value, system.message or "", checked]


def _notice_cells(notice: Notice, now: float) -> list[str]:
    return [
        notice.kind.value,
        notice.title,
        _start(notice, now),
        "open-ended" if notice.end is None else _when(notice.end),
        ", ".join(notice.systems) or "-",
        notice.status or "-",
    ]


def _partition_cells(partition: Partition) -> list[str]:
    return [
        partition.name + ("*" if partition.default else ""),
        partition.state,
        "unlimited" if partition.max_time is None else format_duration(partition.max_time),
        "-" if partition.nodes is None else str(partition.nodes),
    ]


def _allocation_cells(allocation: Allocation) -> list[str]:
    unit = allocation.unit
    return [
        allocation.account + ("*" if allocation.default else ""),
        "yours" if allocation.scope == "user" else allocation.scope,
        amount(allocation.allocated, unit),
        amount(allocation.used, unit),
        amount(allocation.remaining, unit),
        unit_words(unit) or "-",
        allocation.note or "",
    ]


_HEADERS: dict[str, tuple[str, ...]] = {
    "systems": ("Name", "Health", "Message", "Checked"),
    "notices": ("Kind", "Title", "Starts", "Ends", "Touches", "Status"),
    "partitions": ("Name", "State", "Max time", "Nodes"),
    "allocations": ("Account", "Scope", "Allocated", "Used", "Remaining", "Unit", "Note"),
}


def _rows(status: FacilityStatus, part: str, now: float) -> list[list[str]] | None:
    if part == "systems":
        return None if status.systems is None else [_system_cells(s) for s in status.systems]
    if part == "notices":
        return None if status.notices is None else [_notice_cells(n, now) for n in status.notices]
    if part == "partitions":
        partitions = status.partitions
        return None if partitions is None else [_partition_cells(p) for p in partitions]
    allocations = status.allocations
    return None if allocations is None else [_allocation_cells(a) for a in allocations]


def _low(allocation: Allocation) -> str | None:
    """The colour of what is left of an allocation: red when none, orange when little."""
    left, given = allocation.remaining, allocation.allocated
    if left is None:
        return None
    if left <= 0:
        return _BAD
    if given and left < 0.1 * given:
        return _WARN
    return None


def _html_rows(status: FacilityStatus, part: str, rows: list[list[str]]) -> list[list[str]]:
    cells = [[_e(cell) for cell in row] for row in rows]
    if part == "systems" and status.systems is not None:
        for row, system in zip(cells, status.systems, strict=True):
            row[1] = _badge(system.health.value, HEALTH_COLOURS[system.health])
    elif part == "notices" and status.notices is not None:
        for row, notice in zip(cells, status.notices, strict=True):
            row[0] = _badge(notice.kind.value, _NOTICE_COLOURS[notice.kind])
    elif part == "allocations" and status.allocations is not None:
        for row, allocation in zip(cells, status.allocations, strict=True):
            colour = _low(allocation)
            if colour is not None:
                row[4] = f'<b style="color:{colour}">{row[4]}</b>'
    return cells


def _sources(status: FacilityStatus) -> list[str]:
    return [
        f"{s.part} from {s.source} at {_clock(s.fetched_at)}"
        + (f" (failed: {s.error.rstrip('.')})" if s.error else "")
        for s in status.sources
    ]


def status_html(status: FacilityStatus, now: float | None = None) -> str:
    """The status as HTML: a table per part, or why a part is missing; times are local."""
    now = time.time() if now is None else now
    out = [f'<div class="hpc-jupyter hpc-status"><p><b>{_e(_heading(status))}</b></p>']
    for part in _PARTS:
        rows = _rows(status, part, now)
        out.append(f'<p class="hpc-status-{part}"><b>{_e(_TITLES[part])}</b>')
        if rows is None:
            out.append(f": <i>{_e(missing_part(status, part))}</i>.</p>")
        elif not rows:
            out.append(f": {_e(_NONE[part])}</p>")
        else:
            out.append("</p>")
            out.append(_html_table(f"hpc-{part}", _HEADERS[part], _html_rows(status, part, rows)))
    sources = _sources(status)
    if sources:
        out.append(f"<p><small>Sources: {_e('; '.join(sources))}.</small></p>")
    out.append("</div>")
    return "".join(out)


def status_text(status: FacilityStatus, now: float | None = None) -> str:
    """The status as plain text: the same parts as `status_html`."""
    now = time.time() if now is None else now
    out = [_heading(status)]
    for part in _PARTS:
        rows = _rows(status, part, now)
        if rows is None:
            out.append(f"{_TITLES[part]}: {missing_part(status, part)}.")
        elif not rows:
            out.append(f"{_TITLES[part]}: {_NONE[part]}")
        else:
            table = _text_table([h.upper() for h in _HEADERS[part]], rows)
            out.append(f"{_TITLES[part]}:\n{_indent(table)}")
    sources = _sources(status)
    if sources:
        out.append("Sources: " + "; ".join(sources) + ".")
    return "\n".join(out)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


# -- a submit check ------------------------------------------------------------------------------


def _estimate(check: SubmitCheck) -> str:
    if check.node_hours is None:
        return "Estimate: not known until the job has a time limit."
    said = f"Estimate: {amount(check.node_hours, None)} node hours (nodes times time limit)"
    allocation = check.allocation
    if allocation is None:
        return said + "."
    left = (
        f" ({amount(allocation.remaining, allocation.unit)} left)"
        if allocation.remaining is not None
        else ""
    )
    if check.charge is not None:
        said += (
            f", charged {amount(check.charge, check.unit)} {unit_words(check.unit)} "
            f"to {allocation.account}{left}"
        )
    elif allocation.unit:
        said += (
            f"; the charge in {unit_words(allocation.unit)} to {allocation.account} "
            f"cannot be worked out here{left}"
        )
    return said + "."


def check_lines(check: SubmitCheck) -> list[str]:
    """The estimate, then one line per warning (their codes in brackets)."""
    lines = [_estimate(check)]
    lines += [f"⚠ {advice.message} [{advice.code}]" for advice in check.warnings]
    return lines


def check_text(check: SubmitCheck) -> str:
    """A submit check as plain text: the estimate and the warnings, or that there are none."""
    lines = check_lines(check)
    if not check.warnings:
        lines.append("No warnings.")
    return "\n".join(lines)


def check_html(check: SubmitCheck) -> str:
    """A submit check as HTML: the estimate, then the warnings in orange."""
    warnings: Sequence[str] = [
        f'<li style="color:{_WARN}" data-code="{_e(a.code)}">⚠ {_e(a.message)}</li>'
        for a in check.warnings
    ]
    body = f"<ul>{''.join(warnings)}</ul>" if warnings else "<p>No warnings.</p>"
    return f'<div class="hpc-jupyter hpc-check"><p>{_e(_estimate(check))}</p>{body}</div>'
