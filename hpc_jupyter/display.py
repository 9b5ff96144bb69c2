"""Readable tables of jobs, files and facilities: HTML for notebooks, plain text elsewhere."""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from .models import (
    Efficiency,
    FacilityInfo,
    FacilityStatus,
    FileEntry,
    FileType,
    Job,
    JobState,
    Staleness,
    SubmitCheck,
)
from .sizefmt import format_size
from .timefmt import format_duration

__all__ = [
    "AUTH_COLOURS",
    "STATE_COLOURS",
    "FacilityTable",
    "FileText",
    "JobTable",
    "Listing",
    "LogText",
    "facilities_html",
    "facilities_text",
    "files_html",
    "files_text",
    "format_size",
    "jobs_html",
    "jobs_text",
    "register_formatters",
    "stale_text",
]

STATE_COLOURS: dict[JobState, str] = {
    JobState.PENDING: "#b26a00",
    JobState.RUNNING: "#1565c0",
    JobState.COMPLETING: "#1565c0",
    JobState.COMPLETED: "#2e7d32",
    JobState.FAILED: "#c62828",
    JobState.TIMEOUT: "#c62828",
    JobState.OUT_OF_MEMORY: "#c62828",
    JobState.NODE_FAIL: "#c62828",
    JobState.CANCELLED: "#616161",
    JobState.SUSPENDED: "#6a1b9a",
    JobState.UNKNOWN: "#616161",
}
"""A badge colour per job state: blue active, green done, red failed, grey stopped."""

AUTH_COLOURS: dict[str, str] = {
    "ok": "#2e7d32",
    "none": "#616161",
    "expired": "#b26a00",
    "error": "#c62828",
    "misconfigured": "#c62828",
}

_TABLE = '<table class="hpc-jupyter {kind}">'
_CELL = 'style="text-align:left;vertical-align:top"'


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _badge(text: str, colour: str, title: str | None = None) -> str:
    tip = f' title="{_e(title)}"' if title else ""
    return (
        f'<span{tip} style="background:{colour};color:#fff;padding:0 0.4em;'
        f'border-radius:0.3em;font-family:monospace">{_e(text)}</span>'
    )


def _html_table(kind: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; `rows` hold cells that are already escaped HTML."""
    head = "".join(f"<th {_CELL}>{_e(header)}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f"<td {_CELL}>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f"{_TABLE.format(kind=_e(kind))}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _elapsed(job: Job) -> str:
    if job.start_time is None:
        return "-"
    end = job.end_time if job.end_time is not None else time.time()
    return format_duration(end - job.start_time)


def _or_dash(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


# -- jobs ----------------------------------------------------------------------------------------

_JOB_HEADERS = (
    "ID",
    "Name",
    "State",
    "Facility",
    "System",
    "Partition",
    "Nodes",
    "Submitted",
    "Elapsed",
    "Time limit",
    "Exit code",
)


def _job_cells(job: Job) -> list[str]:
    return [
        job.id,
        job.name,
        job.state.value,
        _or_dash(job.facility),
        _or_dash(job.system),
        _or_dash(job.partition),
        _or_dash(job.nodes),
        _when(job.submit_time),
        _elapsed(job),
        format_duration(job.time_limit),
        _or_dash(job.exit_code),
    ]


def _clock(timestamp: float) -> str:
    """A time of day, with its date when it is not today."""
    moment = time.localtime(timestamp)
    today = time.localtime()
    same_day = moment.tm_yday == today.tm_yday and moment.tm_year == today.tm_year
    return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S", moment)


def stale_text(stale: Staleness) -> str:
    """One line saying that a job listing is the last good one, not the current jobs, and why."""
    return (
        f"Showing jobs as of {_clock(stale.listed_at)}: listing them again has failed "
        f"since {_clock(stale.failed_at)}: {stale.message}"
    )


_STALE_EMPTY = "No jobs were listed then."


def jobs_html(jobs: Sequence[Job], stale: Staleness | None = None) -> str:
    """An HTML table of jobs with a coloured state; the pending reason shows on hover.

    A stale listing (`stale`) gets a warning line above the table.
    """
    if stale is not None:
        warning = (
            '<p class="hpc-jupyter-stale" style="color:#b26a00;font-weight:bold">'
            f"⚠ {_e(stale_text(stale))}</p>"
        )
        return warning + (jobs_html(jobs) if jobs else f"<p>{_STALE_EMPTY}</p>")
    if not jobs:
        return "<p>No jobs.</p>"
    rows = []
    for job in jobs:
        cells = [_e(cell) for cell in _job_cells(job)]
        cells[2] = _badge(job.state.value, STATE_COLOURS[job.state], job.reason)
        if job.reason:
            cells[2] += f" <small>{_e(job.reason)}</small>"
        rows.append(cells)
    return _html_table("hpc-jobs", _JOB_HEADERS, rows)


def jobs_text(jobs: Sequence[Job], stale: Staleness | None = None) -> str:
    """A plain-text table of jobs, under a warning line when the listing is stale."""
    if stale is not None:
        return f"Warning: {stale_text(stale)}\n" + (jobs_text(jobs) if jobs else _STALE_EMPTY)
    if not jobs:
        return "No jobs."
    rows = []
    for job in jobs:
        cells = _job_cells(job)
        if job.reason:
            cells[2] += f" ({job.reason})"
        rows.append(cells)
    return _text_table([header.upper() for header in _JOB_HEADERS], rows)


# -- files ---------------------------------------------------------------------------------------

_FILE_HEADERS = ("Name", "Size", "Modified", "Permissions", "Owner")


def _entry_name(entry: FileEntry) -> str:
    name = entry.name + ("/" if entry.type is FileType.DIRECTORY else "")
    if entry.type is FileType.LINK and entry.link_target:
        name += f" -> {entry.link_target}"
    return name


def _file_cells(entry: FileEntry) -> list[str]:
    return [
        _entry_name(entry),
        "-" if entry.type is FileType.DIRECTORY else format_size(entry.size),
        _when(entry.modified),
        entry.permissions,
        f"{entry.user}:{entry.group}" if entry.group else entry.user,
    ]


def files_html(entries: Sequence[FileEntry], path: str = "") -> str:
    """An HTML table of file entries, directories first in bold, under a caption of `path`."""
    caption = f'<div style="font-family:monospace">{_e(path)}</div>' if path else ""
    if not entries:
        return f"{caption}<p>No files.</p>"
    rows = []
    for entry in entries:
        cells = [_e(cell) for cell in _file_cells(entry)]
        if entry.type is FileType.DIRECTORY:
            cells[0] = f"<b>{cells[0]}</b>"
        rows.append(cells)
    return caption + _html_table("hpc-files", _FILE_HEADERS, rows)


def files_text(entries: Sequence[FileEntry], path: str = "") -> str:
    """A plain-text listing of file entries."""
    head = f"{path}\n" if path else ""
    if not entries:
        return f"{head}No files."
    rows = [_file_cells(entry) for entry in entries]
    return head + _text_table([header.upper() for header in _FILE_HEADERS], rows)


# -- facilities ----------------------------------------------------------------------------------

_FACILITY_HEADERS = ("Name", "Kind", "Systems", "Login", "Capabilities", "Poll interval")


def _systems_text(facility: FacilityInfo) -> str:
    names = []
    for system in facility.systems:
        name = system.name + ("*" if system.name == facility.default_system else "")
        if system.status != "available":
            name += f" ({system.status})"
        names.append(name)
    return ", ".join(names) or "-"


def _facility_cells(facility: FacilityInfo) -> list[str]:
    login = facility.auth_status
    if facility.auth_message:
        login += f": {facility.auth_message}"
    return [
        facility.name,
        facility.kind,
        _systems_text(facility),
        login,
        ", ".join(sorted(facility.capabilities)) or "-",
        f"{facility.poll_interval:g} s",
    ]


def facilities_html(facilities: Sequence[FacilityInfo]) -> str:
    """An HTML table of facilities; the default system is starred, login status coloured."""
    if not facilities:
        return "<p>No facilities are configured.</p>"
    rows = []
    for facility in facilities:
        cells = [_e(cell) for cell in _facility_cells(facility)]
        colour = AUTH_COLOURS.get(facility.auth_status, AUTH_COLOURS["error"])
        cells[3] = _badge(facility.auth_status, colour)
        if facility.auth_message:
            cells[3] += f" <small>{_e(facility.auth_message)}</small>"
        rows.append(cells)
    return _html_table("hpc-facilities", _FACILITY_HEADERS, rows)


def facilities_text(facilities: Sequence[FacilityInfo]) -> str:
    """A plain-text table of facilities."""
    if not facilities:
        return "No facilities are configured."
    rows = [_facility_cells(facility) for facility in facilities]
    return _text_table([header.upper() for header in _FACILITY_HEADERS], rows)


# -- lists that show themselves as tables ---------------------------------------------------------


class _Pretty(Protocol):
    def text(self, text: str) -> Any: ...


class JobTable(list[Job]):
    """A list of jobs that displays as a table.

    `stale` is None when the jobs are the facility's current ones; otherwise the facility could
    not be listed again, these are the jobs as of `stale.listed_at`, and it says why.
    """

    def __init__(self, jobs: Iterable[Job] = (), stale: Staleness | None = None) -> None:
        super().__init__(jobs)
        self.stale = stale

    def _repr_html_(self) -> str:
        return jobs_html(self, self.stale)

    def _repr_pretty_(self, printer: _Pretty, cycle: bool) -> None:
        printer.text(jobs_text(self, self.stale))


class Listing(list[FileEntry]):
    """The entries of one directory (`path`), displayed as a table."""

    def __init__(
        self, entries: Iterable[FileEntry] = (), path: str = "", total: int | None = None
    ) -> None:
        super().__init__(entries)
        self.path = path
        self.total = total
        """How many entries the directory holds, when this is a page of it (else None)."""

    def _repr_html_(self) -> str:
        return files_html(self, self.path)

    def _repr_pretty_(self, printer: _Pretty, cycle: bool) -> None:
        printer.text(files_text(self, self.path))


_F = TypeVar("_F", bound=FacilityInfo)


class FacilityTable(list[_F]):
    """A list of facilities that displays as a table."""

    def _repr_html_(self) -> str:
        return facilities_html(self)

    def _repr_pretty_(self, printer: _Pretty, cycle: bool) -> None:
        printer.text(facilities_text(self))


class LogText(str):
    """A job's log: a `str` that IPython shows as the raw text, not as a quoted literal."""

    __slots__ = ()

    def _repr_pretty_(self, printer: _Pretty, cycle: bool) -> None:
        printer.text(str(self) if self else "(the log is empty)")


class FileText(str):
    """Lines of a remote file: a `str` that IPython shows as the raw text."""

    __slots__ = ()

    def _repr_pretty_(self, printer: _Pretty, cycle: bool) -> None:
        printer.text(str(self) if self else "(no lines: the file is empty)")


def register_formatters(shell: Any) -> None:
    """Show single `Job` and `FileEntry` objects as one-row tables in this IPython shell.

    A job's `efficiency`, a facility's status and a submit check show in words and tables too.
    """
    from .display_efficiency import efficiency_html, efficiency_text  # they build on this module
    from .display_status import check_html, check_text, status_html, status_text

    formatters = shell.display_formatter.formatters
    renderers: dict[type, tuple[Callable[[Any], str], Callable[[Any], str]]] = {
        Job: (lambda job: jobs_html([job]), lambda job: jobs_text([job])),
        FileEntry: (lambda entry: files_html([entry]), lambda entry: files_text([entry])),
        Efficiency: (efficiency_html, efficiency_text),
        FacilityStatus: (status_html, status_text),
        SubmitCheck: (check_html, check_text),
    }
    for cls, (to_html, to_text) in renderers.items():
        formatters["text/html"].for_type(cls, to_html)
        formatters["text/plain"].for_type(
            cls, lambda obj, printer, cycle, to_text=to_text: printer.text(to_text(obj))
        )
