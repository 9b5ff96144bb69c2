"""JobMonitor: the user's jobs, live, with state filter, cancel, log and notifications.

How it stays live without costing the facility anything: it asks *our* server,
`GET /hpc/api/facilities/{facility}/jobs`, which answers from the server's job watcher
(hpc_jupyter/watcher.py): one coalesced listing per facility and poll interval, shared by every
monitor, Lab panel and kernel. So a monitor never makes the facility list jobs more often, and
ten open monitors cost what one does. It asks again after the facility's poll interval (never
sooner: the answer could not be fresher), backing off by half each quiet round up to
`max_interval`, doubling after an error, and coming back to the minimum when something changed.
The kernel only holds its kernel-scoped token, so it cannot subscribe to the server's
`job_state` events (they need the Jupyter credential): polling the cache is the way in.

An outage is never shown as "no jobs": when a facility's listing is stale (the server serves
its last good one) or fails, a warning says so above the table, and the rows it last showed
for that facility stay.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

import ipywidgets as w

from ..api import HPC, JobHandle, connect
from ..array_jobs import array_summaries
from ..display import stale_text
from ..errors import NotFound, ValidationError
from ..models import FINAL_STATES, Job, JobState
from ..origin import notebook, same_notebook
from . import tracking
from .backoff import Backoff
from .confirm import Confirm
from .job_log import JobLog
from .job_table import JobKey, JobRows, job_key
from .pickers import ALL_FACILITIES, FacilityPicker
from .status import StatusBar, describe

__all__ = ["STATE_FILTERS", "JobMonitor"]

STATE_FILTERS: dict[str, frozenset[JobState] | None] = {
    "all": None,
    "active": frozenset(JobState) - FINAL_STATES,
    "finished": FINAL_STATES,
    **{state.value: frozenset({state}) for state in JobState},
}
"""The state filter's choices: everything, active, finished, or one state."""

MAX_NOTIFICATIONS = 20


class JobMonitor:
    """Watch your jobs in a notebook (`%hpc_monitor`).

    The buttons have methods too: `refresh`, `select`, `cancel` (asks first;
    `confirm.yes` cancels), `track` (show a job submitted elsewhere and be notified of its
    changes); the state filter is the `state_filter` dropdown. `live=False` or the "Live"
    button stops the background updates; `close()` ends them for good.

    Parameters
    ----------
    facility
        One facility, or None for all the facilities that list jobs.
    system
        The facility's system (default: its default one).
    hpc
        The Python API to use (default: `hpc_jupyter.connect()`).
    interval
        The shortest pause between two updates (default: the facility's poll interval, at least
        one second).
    max_interval
        The longest pause, reached after quiet rounds.
    live
        Update in the background from the start.
    """

    def __init__(
        self,
        facility: str | None = None,
        *,
        system: str | None = None,
        hpc: HPC | None = None,
        interval: float | None = None,
        max_interval: float = 60.0,
        live: bool = True,
    ) -> None:
        self.hpc = connect() if hpc is None else hpc
        self.status = StatusBar()
        self.confirm = Confirm(self.status)
        self.picker = FacilityPicker(
            self.hpc,
            "jobs.list",
            facility=ALL_FACILITIES if facility is None else facility,
            system=system,
            allow_all=True,
        )
        if interval is None:
            interval = max(1.0, max(f.poll_interval for f in self.picker.facilities.values()))
        self.backoff = Backoff(interval, max(interval, max_interval))
        self.jobs: dict[JobKey, Job] = {}
        """Every job listed, by (facility, id)."""
        self.selected: JobKey | None = None
        self.notifications: list[str] = []
        """Announcements of state changes of this notebook's jobs, newest last."""
        self.warnings: dict[str, str] = {}
        """Per facility whose jobs are not current: why (a stale listing or a failed one)."""
        self.updated_at: float | None = None
        self.updates = 0
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._build(live)
        self.status.guard("Listing jobs", self.refresh)()
        if live:
            self.start()

    # -- the widgets ---------------------------------------------------------------------------

    def _build(self, live: bool) -> None:
        guard = self.status.guard
        self.state_filter = w.Dropdown(
            description="State", options=list(STATE_FILTERS), value="all"
        )
        self.state_filter.observe(guard("Filtering", lambda _: self._render()), "value")
        self.this_notebook = w.Checkbox(
            description="This notebook",
            value=False,
            indent=False,
            disabled=notebook() is None,  # a kernel outside a notebook's session
            tooltip="Only the jobs submitted from this notebook",
        )
        self.this_notebook.observe(guard("Filtering", lambda _: self._render()), "value")
        self.live_button = w.ToggleButton(value=live, description="Live", icon="circle")
        self.live_button.observe(guard("Live updates", self._live_toggled), "value")
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(guard("Refreshing", lambda _: self.refresh()))
        self.updated = w.HTML(value="")
        self.picker.on_change(guard("Listing jobs", self._switched))

        self.notes = w.HTML(value="")
        self.clear_notes = w.Button(description="Dismiss", icon="times")
        self.clear_notes.on_click(guard("Dismissing", lambda _: self.dismiss()))
        self.notes_box = w.HBox([self.notes, self.clear_notes])
        self.notes_box.layout.display = "none"

        self.warning = w.HTML(value="")
        self.warning.add_class("hpc-jupyter-stale")
        self.warning.layout.display = "none"
        self.table = JobRows(guard("Selecting", self.select_key))
        self.cancel_button = w.Button(
            description="Cancel job", icon="stop", button_style="danger", disabled=True
        )
        self.cancel_button.on_click(guard("Cancel", lambda _: self.cancel()))
        self.log = JobLog(self.hpc.client, self.status)
        self.widget = w.VBox(
            [
                w.HBox([self.picker.widget, self.state_filter, self.this_notebook]),
                w.HBox([self.live_button, self.refresh_button, self.updated]),
                self.notes_box,
                self.warning,
                self.table.widget,
                self.cancel_button,
                self.confirm.widget,
                self.status.widget,
                self.log.widget,
            ]
        )
        self.widget.add_class("hpc-jupyter-monitor")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _switched(self) -> None:
        with self._lock:
            self.jobs.clear()
            self.select_key(None)
            self.refresh()

    def _live_toggled(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.start()
        else:
            self.stop()

    # -- updates -------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """List the jobs now; True when a job appeared, went or changed state."""
        listed: list[Job] = []
        failure: Exception | None = None
        failed: set[str] = set()
        warnings: dict[str, str] = {}
        for api in self.picker.apis():
            name = api.facility_name
            try:
                table = api.jobs()
            except Exception as err:  # one facility down must not hide the others' jobs
                failure = failure or err
                failed.add(name)
                kept = any(key[0] == name for key in self.jobs)
                warnings[name] = f"{name}: could not list the jobs: {describe(err)}" + (
                    " Its rows are as last listed here." if kept else ""
                )
                continue
            listed.extend(table)
            if table.stale is not None:
                warnings[name] = f"{name}: {stale_text(table.stale)}"
        with self._lock:
            changed = self._merge(listed, failed)
            self.warnings = warnings
            self.updated_at = time.time()
            self.updates += 1
            self._render()
        if failure is not None:
            raise failure
        return changed

    def _merge(self, listed: list[Job], failed: set[str]) -> bool:
        fresh = {job_key(job): job for job in listed}
        # A facility that could not be listed keeps the rows it had: its warning says why.
        fresh.update((key, job) for key, job in self.jobs.items() if key[0] in failed)
        # An array this notebook submitted is followed by its id, as the sum of its tasks.
        arrays = {job_key(job): job for job in array_summaries(listed).values()}
        for key in self.jobs.keys() - fresh.keys():
            if key in arrays and tracking.is_tracked(*key):
                fresh[key] = arrays[key]
        changed = set(fresh) != set(self.jobs)
        for key, job in fresh.items():
            before = self.jobs.get(key)
            if before is not None and before.state is not job.state:
                changed = True
                if tracking.is_tracked(*key):
                    self._notify(before, job)
        # A job this notebook just submitted may not be in the watcher's listing yet.
        for key, job in self.jobs.items():
            if key not in fresh and tracking.is_tracked(*key) and not job.state.is_final:
                fresh[key] = job
        self.jobs = fresh
        if self.selected is not None and self.selected in fresh:
            self.log.job = fresh[self.selected]
        return changed

    def _notify(self, before: Job, after: Job) -> None:
        exit_code = f", exit code {after.exit_code}" if after.exit_code is not None else ""
        self.notifications.append(
            f"Job {after.id} ({after.name}) at {after.facility}: "
            f"{before.state.value} → {after.state.value}{exit_code}"
        )
        del self.notifications[:-MAX_NOTIFICATIONS]
        self.notes.value = "<br>".join(
            f"🔔 {html.escape(note)}" for note in reversed(self.notifications[-5:])
        )
        self.notes_box.layout.display = "flex"

    def dismiss(self) -> None:
        """Hide the notifications."""
        self.notifications.clear()
        self.notes.value = ""
        self.notes_box.layout.display = "none"

    @property
    def shown(self) -> list[Job]:
        """The jobs the table shows: filtered by state (and notebook), newest first."""
        states = STATE_FILTERS[self.state_filter.value]
        jobs = [j for j in self.jobs.values() if states is None or j.state in states]
        here = notebook(self.hpc.client, within=2.0) if self.this_notebook.value else None
        if here is not None:
            jobs = [j for j in jobs if j.origin and same_notebook(j.origin.notebook, here)]
        return sorted(jobs, key=lambda j: (j.submit_time or 0.0, j.id), reverse=True)

    def _render(self) -> None:
        with self._lock:
            now = time.time()
            self.warning.value = "<br>".join(
                f"⚠ {html.escape(warning)}" for warning in self.warnings.values()
            )
            self.warning.layout.display = "flex" if self.warnings else "none"
            empty = "No jobs to show: see the warning above." if self.warnings else "No jobs."
            self.table.show(self.shown, self.selected, now, empty)
            job = self.jobs.get(self.selected) if self.selected else None
            can_cancel = job is not None and not job.state.is_final and self._can(job, "cancel")
            self.cancel_button.disabled = not can_cancel
            self._show_updated()

    def _show_updated(self) -> None:
        if self.updated_at is None:
            return
        when = time.strftime("%H:%M:%S", time.localtime(self.updated_at))
        live = f", next in {self.backoff.delay:.0f} s" if self.live else " (paused)"
        self.updated.value = f"Last updated {when}{live}"

    def _can(self, job: Job, action: str) -> bool:
        facility = self.picker.facilities.get(job.facility)
        return facility is not None and facility.can(f"jobs.{action}")

    # -- the background loop -------------------------------------------------------------------

    @property
    def live(self) -> bool:
        """Whether background updates are running."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        """Start updating in the background (what the "Live" button does)."""
        if self.live:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop,), name="hpc-jupyter job monitor", daemon=True
        )
        self._thread.start()
        if not self.live_button.value:
            self.live_button.value = True

    def stop(self) -> None:
        """Stop updating in the background."""
        self._stop.set()
        self._wake.set()
        if self.live_button.value:
            self.live_button.value = False
        self._show_updated()

    def close(self) -> None:
        """Stop for good and close the widgets."""
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.widget.close()

    def _loop(self, stop: threading.Event) -> None:
        delay = self.backoff.delay
        while not stop.is_set():
            self._wake.wait(delay)
            self._wake.clear()
            if stop.is_set():
                return
            delay = self._tick()

    def _tick(self) -> float:
        try:
            changed = self.refresh()
            grew = self.log.poll()
        except Exception as err:
            self.status.error(err, "Updating the jobs")
            delay = self.backoff.failed()
        else:
            delay = self.backoff.changed() if changed or grew else self.backoff.quiet()
        self._show_updated()
        return delay

    def _soon(self) -> None:
        """Update now rather than after the current pause."""
        self.backoff.changed()
        self._wake.set()

    # -- selection, cancel, tracking -----------------------------------------------------------

    def select_key(self, key: JobKey | None) -> None:
        """Select the job `(facility, id)` (None: no job): its log follows, Cancel applies."""
        with self._lock:
            if key is not None and key not in self.jobs:
                raise NotFound(f"Job {key[1]} at {key[0]} is not listed here.")
            self.selected = key
            job = self.jobs[key] if key is not None else None
            self._render()
        if job is not None and not self._can(job, "output"):
            self.log.follow(None)
            self.status.info(f"{job.facility} does not show job logs.")
            return
        self.log.follow(job)

    def select(self, job_id: str | int, facility: str | None = None) -> Job:
        """Select job `job_id` (at `facility`, when ids could clash), as a click on its id does."""
        key = self._key(job_id, facility)
        self.select_key(key)
        return self.jobs[key]

    def _key(self, job_id: str | int, facility: str | None) -> JobKey:
        matches = [
            key
            for key in self.jobs
            if key[1] == str(job_id) and (facility is None or key[0] == facility)
        ]
        if not matches:
            raise NotFound(f"Job {job_id} is not listed here.")
        if len(matches) > 1:
            raise ValidationError(f"Job {job_id} exists at several facilities; name one.")
        return matches[0]

    def cancel(self, job_id: str | int | None = None, facility: str | None = None) -> None:
        """Ask to cancel job `job_id` (default: the selected one); `confirm.yes` cancels it."""
        if job_id is None:
            if self.selected is None:
                raise ValidationError("Select a job first.")
            key = self.selected
        else:
            key = self._key(job_id, facility)
        job = self.jobs[key]
        if job.state.is_final:
            raise ValidationError(f"Job {job.id} has already ended ({job.state.value}).")
        self.confirm.ask(
            f"Cancel job {job.id} ({job.name}) at {job.facility}?",
            lambda: self._cancel_now(job),
            yes="Cancel job",
            doing=f"Cancelling job {job.id}",
        )

    def _cancel_now(self, job: Job) -> None:
        after = HPC(self.hpc.client, job.facility, job.system or None).cancel(job.id)
        with self._lock:
            before = self.jobs.get(job_key(after), job)
            if before.state is not after.state and tracking.is_tracked(*job_key(after)):
                self._notify(before, after)
            self.jobs[job_key(after)] = after
            self._render()
        self.status.success(f"Asked {job.facility} to cancel job {job.id}.")
        self._soon()

    def track(self, job: Job | JobHandle, select: bool = True) -> Job:
        """Show a job this notebook submitted, and announce its state changes."""
        info = job.info if isinstance(job, JobHandle) else job
        tracking.track(info.facility, info.id)
        with self._lock:
            key = job_key(info)
            if key not in self.jobs or self.jobs[key].state is JobState.UNKNOWN:
                self.jobs[key] = info
            self._render()
        if select:
            self.select_key(key)
        self._soon()
        return info
