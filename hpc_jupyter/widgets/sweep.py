"""SweepMonitor: a sweep's tasks as a live table, one row per task (parameters and state).

It follows the sweep as `JobMonitor` follows jobs: from the server's job listing (one per round
for all the tasks, served by the job watcher), asking again after `poll` seconds, backing off
while nothing changes and coming back to `poll` when a task changes; it stops once every task
has ended.
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from typing import TYPE_CHECKING

import ipywidgets as w

from .backoff import Backoff
from .colours import state_colour
from .status import StatusBar

if TYPE_CHECKING:
    from ..sweep import Sweep, SweepTask

__all__ = ["SweepMonitor"]


def tasks_html(tasks: list[SweepTask]) -> str:
    """The tasks as an HTML table: index, each parameter, job id and state."""
    names = list(tasks[0].params) if tasks else []
    head = "".join(f"<th>{html.escape(name)}</th>" for name in ["#", *names, "job", "state"])
    rows = []
    for task in tasks:
        colour = state_colour(task.state)
        cells = [str(task.index), *(task.params[name] for name in names), task.job_id or "—"]
        row = "".join(f"<td>{html.escape(cell)}</td>" for cell in cells)
        state = html.escape(task.state.value + (" (ended; forgotten)" if task.forgotten else ""))
        rows.append(f'<tr>{row}<td style="color:{colour}">{state}</td></tr>')
    return f'<table class="hpc-sweep"><tr>{head}</tr>{"".join(rows)}</table>'


def summary(tasks: list[SweepTask]) -> str:
    """How many tasks are in each state: `3 RUNNING, 5 PENDING`."""
    counts = Counter(task.state.value for task in tasks)
    return ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))


class SweepMonitor:
    """The tasks of `sweep`, updated in the background until they have all ended.

    `refresh()` looks once; `close()` stops the updates and closes the widget.
    """

    def __init__(self, sweep: Sweep, *, poll: float = 2.0, live: bool = True) -> None:
        self.sweep = sweep
        self.backoff = Backoff(poll, max(poll, 30.0))
        self.status = StatusBar()
        self.heading = w.HTML()
        self.table = w.HTML()
        self.widget = w.VBox([self.heading, self.table, self.status.widget])
        self.updates = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._show(sweep.tasks)
        self.status.guard("Following the sweep", self.refresh)()
        if live:
            self._thread = threading.Thread(
                target=self._loop, name="hpc-jupyter sweep monitor", daemon=True
            )
            self._thread.start()

    def refresh(self) -> bool:
        """Look at the tasks again; True if any changed state."""
        with self._lock:
            before = [task.state for task in self.sweep.tasks]
            tasks = self.sweep.refresh()
            self.updates += 1
            self._show(tasks)
            return [task.state for task in tasks] != before

    def _show(self, tasks: list[SweepTask]) -> None:
        done = all(task.ended for task in tasks)
        told = summary(tasks)
        self.heading.value = f"<b>Sweep of {len(tasks)} tasks</b>: {html.escape(told)}" + (
            " — all ended" if done else ""
        )
        self.table.value = tasks_html(tasks)

    @property
    def live(self) -> bool:
        """Whether the background updates are running."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def _loop(self) -> None:
        delay = self.backoff.delay
        while not self._stop.wait(delay):
            if self.sweep.done:
                return
            try:
                changed = self.refresh()
            except Exception as err:  # shown, never lost in a thread
                self.status.error(err, "Following the sweep")
                delay = self.backoff.failed()
            else:
                delay = self.backoff.changed() if changed else self.backoff.quiet()

    def close(self) -> None:
        """Stop following and close the widget."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]
