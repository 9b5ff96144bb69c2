"""The log of the selected job, followed as it grows (stdout or stderr)."""

from __future__ import annotations

import html
import threading
from collections.abc import Mapping

import ipywidgets as w

from ..client import HPCClient, api_path
from ..errors import HPCError
from ..models import Job
from .status import StatusBar

__all__ = ["JobLog"]

MAX_CHARS = 200_000
"""The most text kept on screen; older lines are dropped from the top."""
READS_PER_POLL = 8
"""At most this many pieces (256 KiB each) are read per update, so a huge log cannot stall it."""


class JobLog:
    """Shows a job's stdout or stderr; `poll()` appends what was written since the last call."""

    def __init__(self, client: HPCClient, status: StatusBar) -> None:
        self.client = client
        self.stream = w.ToggleButtons(options=["stdout", "stderr"], value="stdout")
        self.title = w.HTML(value="")
        self.body = w.Textarea(
            value="", disabled=True, layout=w.Layout(width="100%", height="12em")
        )
        self.widget = w.VBox([w.HBox([self.stream, self.title]), self.body])
        self.widget.layout.display = "none"
        self.job: Job | None = None
        self.offset = 0
        self.complete = False
        self._lock = threading.RLock()
        self.stream.observe(
            status.guard("Switching the log", lambda _: self.follow(self.job)), names="value"
        )

    @property
    def text(self) -> str:
        """The log text shown."""
        return str(self.body.value)

    def follow(self, job: Job | None) -> None:
        """Show `job`'s log from its beginning (None: show no log)."""
        with self._lock:
            self.job, self.offset, self.complete = job, 0, False
            self.body.value = ""
            if job is None:
                self.widget.layout.display = "none"
                return
            self.widget.layout.display = "flex"
            self._title()
        self.poll()

    def _title(self) -> None:
        if self.job is None:
            return
        status = "complete" if self.complete else "following…"
        self.title.value = (
            f"{html.escape(str(self.stream.value))} of job <b>{html.escape(self.job.id)}</b> "
            f"({html.escape(self.job.name)}): {status}"
        )

    def poll(self) -> bool:
        """Read what the job wrote since the last call; True when the log grew."""
        with self._lock:
            job = self.job
            if job is None or self.complete:
                return False
            path = api_path("facilities", job.facility, "jobs", job.id, "output")
            pieces: list[str] = []
            for _ in range(READS_PER_POLL):
                params = {"system": job.system or None, "stream": self.stream.value}
                data = self.client.request("GET", path, params={**params, "offset": self.offset})
                text, offset, complete = _chunk(data)
                pieces.append(text)
                self.offset = max(self.offset, offset)
                self.complete = complete
                if complete or not text:
                    break
            grew = any(pieces)
            if grew:
                self.body.value = (self.text + "".join(pieces))[-MAX_CHARS:]
            self._title()
            return grew


def _chunk(data: object) -> tuple[str, int, bool]:
    if not isinstance(data, Mapping):
        raise HPCError("The hpc-jupyter server sent a malformed piece of a job's log.")
    text, offset = data.get("data"), data.get("offset")
    if not isinstance(text, str) or not isinstance(offset, int):
        raise HPCError("The hpc-jupyter server sent a malformed piece of a job's log.")
    return text, offset, bool(data.get("complete"))
