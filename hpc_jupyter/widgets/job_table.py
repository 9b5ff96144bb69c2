"""The job monitor's table: one row per job, state in colour, the id button selects the job."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as w

from ..display import STATE_COLOURS
from ..models import Job
from ..timefmt import format_duration

__all__ = ["COLUMNS", "JobKey", "JobRows", "job_cells", "job_key"]

COLUMNS = ("ID", "Name", "State", "Facility", "Queue", "Nodes", "Elapsed", "Time limit")
JobKey = tuple[str, str]
"""(facility, job id): ids are unique within a facility only."""


def job_key(job: Job) -> JobKey:
    """The key of a job across facilities."""
    return (job.facility, job.id)


def _elapsed(job: Job, now: float) -> str:
    if job.start_time is None:
        return "-"
    end = job.end_time if job.end_time is not None else now
    return format_duration(end - job.start_time)


def job_cells(job: Job, now: float) -> dict[str, str]:
    """What each column shows for `job`, as plain text."""
    return {
        "ID": job.id,
        "Name": job.name,
        "State": job.state.value,
        "Facility": f"{job.facility}/{job.system}" if job.system else job.facility,
        "Queue": job.partition or "-",
        "Nodes": "-" if job.nodes is None else str(job.nodes),
        "Elapsed": _elapsed(job, now),
        "Time limit": format_duration(job.time_limit),
    }


def _badge(job: Job) -> str:
    colour = STATE_COLOURS[job.state]
    tip = f' title="{html.escape(job.reason)}"' if job.reason else ""
    return (
        f'<span{tip} style="background:{colour};color:#fff;padding:0 0.4em;'
        f'border-radius:0.3em;font-family:monospace">{html.escape(job.state.value)}</span>'
    )


class _Row:
    """The widgets of one row, reused from one update to the next."""

    def __init__(self, key: JobKey, on_select: Callable[[JobKey], object]) -> None:
        self.button = w.Button(description=key[1], layout=w.Layout(width="auto"))
        self.button.on_click(lambda _: on_select(key))
        self.cells = {column: w.HTML(value="") for column in COLUMNS[1:]}
        self.text: dict[str, str] = {}

    def update(self, job: Job, now: float, selected: bool) -> None:
        self.text = job_cells(job, now)
        self.button.tooltip = f"Select job {job.id}: show its log, cancel it"
        self.button.button_style = "info" if selected else ""
        for column, cell in self.cells.items():
            value = _badge(job) if column == "State" else html.escape(self.text[column])
            cell.value = value

    @property
    def widgets(self) -> list[w.Widget]:
        return [self.button, *self.cells.values()]


class JobRows:
    """A grid of jobs; clicking a job's id calls `on_select((facility, id))`."""

    def __init__(self, on_select: Callable[[JobKey], object], limit: int = 200) -> None:
        self.on_select = on_select
        self.limit = limit
        self._rows: dict[JobKey, _Row] = {}
        self._order: list[JobKey] = []
        self._header = [w.HTML(value=f"<b>{column}</b>") for column in COLUMNS]
        self.grid = w.GridBox(
            children=self._header,
            layout=w.Layout(
                grid_template_columns=f"repeat({len(COLUMNS)}, auto)",
                grid_gap="2px 12px",
                align_items="center",
            ),
        )
        self.note = w.HTML(value="<i>No jobs.</i>")
        self.widget = w.VBox([self.grid, self.note])
        self.widget.add_class("hpc-jupyter-jobs")

    def show(
        self, jobs: Sequence[Job], selected: JobKey | None, now: float, empty: str = "No jobs."
    ) -> None:
        """Show `jobs` (in order, at most `limit`), highlighting the selected one.

        `empty` is what the table says when there are none.
        """
        shown = list(jobs[: self.limit])
        order = [job_key(job) for job in shown]
        for job, key in zip(shown, order, strict=True):
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row(key, self.on_select)
            row.update(job, now, key == selected)
        for key in set(self._rows) - set(order):
            del self._rows[key]
        if order != self._order:
            self._order = order
            children: list[w.Widget] = list(self._header)
            for key in order:
                children.extend(self._rows[key].widgets)
            self.grid.children = children
        if not jobs:
            self.note.value = f"<i>{html.escape(empty)}</i>"
        elif len(jobs) > self.limit:
            self.note.value = f"<i>Showing the newest {self.limit} of {len(jobs)} jobs.</i>"
        else:
            self.note.value = ""

    def rows(self) -> list[dict[str, str]]:
        """What the table shows, row by row, as plain text."""
        return [dict(self._rows[key].text) for key in self._order]

    def button(self, key: JobKey) -> w.Button:
        """The id button of a shown job (what a user clicks to select it)."""
        return self._rows[key].button

    def state_html(self, key: JobKey) -> str:
        """The coloured state cell of a shown job."""
        return str(self._rows[key].cells["State"].value)
