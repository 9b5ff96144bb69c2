"""A progress bar for one transfer at a time, fed by the client's progress callbacks."""

from __future__ import annotations

import threading
import time

import ipywidgets as w

from ..sizefmt import format_size

__all__ = ["TransferProgress"]


class TransferProgress:
    """A bar and a label: "Uploading data.bin: 3.0 MiB of 8.0 MiB (37%)".

    Call it as a `ProgressCallback` (`progress(done, total)`) from any thread; the widgets are
    updated at most every `interval` seconds, and always at the end.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.bar = w.IntProgress(value=0, min=0, max=100, layout=w.Layout(width="14em"))
        self.label = w.Label(value="")
        self.widget = w.HBox([self.bar, self.label])
        self.widget.layout.display = "none"
        self.interval = interval
        self.done = 0
        self.total: int | None = None
        self.updates = 0
        """How many times the widgets showed a new value."""
        self._what = ""
        self._shown_at: float | None = None
        self._lock = threading.Lock()

    def start(self, what: str, total: int | None = None) -> None:
        """Show the bar at 0 for a new transfer, e.g. `start("Uploading data.bin", 1024)`."""
        with self._lock:
            self._what, self.done, self.total, self._shown_at = what, 0, total, None
            self.bar.bar_style = "info"
            self.bar.value = 0
            self.label.value = f"{what}…"
            self.widget.layout.display = "flex"

    def __call__(self, done: int, total: int | None) -> None:
        with self._lock:
            self.done, self.total = done, total if total is not None else self.total
            now = time.monotonic()
            recent = self._shown_at is not None and now - self._shown_at < self.interval
            if recent and done != self.total:
                return
            self._shown_at = now
            self.updates += 1
            of = f" of {format_size(self.total)}" if self.total else ""
            percent = 100 * done // self.total if self.total else 0
            self.bar.value = percent
            self.label.value = f"{self._what}: {format_size(done)}{of} ({percent}%)"

    def finish(self, message: str) -> None:
        """Show the transfer as complete."""
        with self._lock:
            self.bar.value = 100
            self.bar.bar_style = "success"
            self.label.value = message

    def fail(self, message: str) -> None:
        """Show the transfer as failed."""
        with self._lock:
            self.bar.bar_style = "danger"
            self.label.value = message
