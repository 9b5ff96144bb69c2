"""CallsMonitor: an executor's calls as a live table, one row per call (job, state, outcome).

The executor's own follower already lists the jobs once per poll and resolves the futures;
this only shows what the futures know, redrawn when a call ends and every `poll` seconds,
until every call has ended.
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from .colours import GREEN, ORANGE, RED, state_colour

if TYPE_CHECKING:
    from ..executor import HPCFuture

__all__ = ["CallsMonitor", "calls_html", "summary"]

_OUTCOMES = {"returned": GREEN, "raised": RED, "cancelled": ORANGE}


def outcome(future: HPCFuture) -> str:
    """How the call ended (`returned`, `raised ValueError`, `cancelled`), or its job's state."""
    if future.cancelled():
        return "cancelled"
    if future.done():
        error = future.exception()
        return "returned" if error is None else f"raised {type(error).__name__}"
    state = future.job_state
    return state.value if state is not None else "submitting"


def summary(futures: Sequence[HPCFuture]) -> str:
    """`20 calls: 12 returned, 1 raised, 5 RUNNING, 2 PENDING` (by how many, then name)."""
    counts = Counter(outcome(future).split(" ")[0] for future in futures)
    told = ", ".join(
        f"{count} {name}" for name, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    )
    noun = "call" if len(futures) == 1 else "calls"
    return f"{len(futures)} {noun}" + (f": {told}" if told else "")


def calls_html(futures: Sequence[HPCFuture]) -> str:
    """The calls as an HTML table: number, job id, outcome (or the job's state)."""
    rows = []
    for number, future in enumerate(futures):
        told = outcome(future)
        colour = _OUTCOMES.get(told.split(" ")[0]) or state_colour(future.job_state)
        cells = f"<td>{number}</td><td>{html.escape(future.job_id or '—')}</td>"
        rows.append(f'<tr>{cells}<td style="color:{colour}">{html.escape(told)}</td></tr>')
    head = "<tr><th>#</th><th>job</th><th>state</th></tr>"
    return f'<table class="hpc-calls">{head}{"".join(rows)}</table>'


class CallsMonitor:
    """The calls of `futures`, redrawn until they have all ended; `close()` stops it."""

    def __init__(self, futures: Sequence[HPCFuture], *, poll: float = 1.0) -> None:
        self.futures = list(futures)
        self.poll = poll
        self.heading = w.HTML()
        self.table = w.HTML()
        self.widget = w.VBox([self.heading, self.table])
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._changed = threading.Event()
        for future in self.futures:
            future.add_done_callback(self._ended)
        self.show()
        self._thread = threading.Thread(
            target=self._loop, name="hpc-jupyter calls monitor", daemon=True
        )
        self._thread.start()

    def show(self) -> None:
        """Draw the calls as they are now."""
        with self._lock:
            done = all(future.done() for future in self.futures)
            ended = " — all ended" if done else ""
            self.heading.value = f"<b>{html.escape(summary(self.futures))}</b>{ended}"
            self.table.value = calls_html(self.futures)

    @property
    def live(self) -> bool:
        """Whether it is still redrawing."""
        return self._thread.is_alive() and not self._stop.is_set()

    def _ended(self, _: Future[Any]) -> None:
        self._changed.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._changed.wait(self.poll)
            self._changed.clear()
            if self._stop.is_set():
                return
            self.show()
            if all(future.done() for future in self.futures):
                return

    def close(self) -> None:
        """Stop redrawing and close the widget."""
        self._stop.set()
        self._changed.set()
        self._thread.join(timeout=10)
        self.widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]
