"""The job watcher: one coalesced listing per facility and system, fanned out to every client.

However many monitors, panels and kernels ask for a facility's jobs, the facility is asked at
most once per poll interval: callers share the last listing while it is fresh and share one
request in flight when it is not. While anyone watches (asked within `idle_after` seconds) or
a job is still active, a background loop keeps listing, and every change of a job's state is
published through `emit` (the server extension sends it as a jupyter_server event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from .models import Job
from .registry import FacilityRegistry

log = logging.getLogger(__name__)
Emit = Callable[[dict[str, Any]], None]


class _Watch:
    """The jobs of one facility system: the last listing and the request in flight."""

    def __init__(self, registry: FacilityRegistry, facility: str, system: str) -> None:
        self.registry = registry
        self.facility = facility
        self.system = system
        self.jobs: list[Job] = []
        self.states: dict[str, str] | None = None
        self.unlisted: dict[str, str] = {}
        """States published by `JobWatcher.changed()` before the first listing."""
        self.touched: dict[str, tuple[Job, float]] = {}
        """Jobs changed through us (`JobWatcher.changed()`), and when."""
        self.fetched_at = 0.0
        self.asked_at = 0.0
        self.fetches = 0
        self._inflight: asyncio.Future[list[Job]] | None = None

    async def listing(self, emit: Emit) -> list[Job]:
        """A fresh listing, shared with every concurrent caller."""
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._fetch(emit))
            self._inflight.add_done_callback(self._clear)
        return await asyncio.shield(self._inflight)

    async def stop(self) -> None:
        """Cancel a listing in flight and wait until it has cleaned up."""
        if self._inflight is not None:
            self._inflight.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._inflight

    def _clear(self, future: asyncio.Future[list[Job]]) -> None:
        self._inflight = None
        if not future.cancelled():
            future.exception()  # retrieved here so an unobserved failure is not logged twice

    async def _fetch(self, emit: Emit) -> list[Job]:
        backend = self.registry.get(self.facility).require_jobs()
        self.fetches += 1
        asked = time.monotonic()
        jobs = self._with_newer(await backend.list_jobs(self.system), asked)
        self._publish_changes(jobs, emit)
        self.jobs = jobs
        self.fetched_at = time.monotonic()
        return jobs

    def _with_newer(self, jobs: list[Job], asked: float) -> list[Job]:
        """The listing, with the jobs changed through us since it was asked for.

        A listing asked for before a submit or a cancel can arrive after it, without the new
        job or with the cancelled one still running: what the change said is newer. Changes
        older than the listing are left to it (it is the newer word on them).
        """
        self.touched = {job_id: seen for job_id, seen in self.touched.items() if seen[1] >= asked}
        newer = {job_id: job for job_id, (job, _) in self.touched.items()}
        if not newer:
            return jobs
        listed = [newer.pop(job.id, job) for job in jobs]
        return [*newer.values(), *listed]

    def _publish_changes(self, jobs: list[Job], emit: Emit) -> None:
        previous = self.states
        self.states = {job.id: job.state.value for job in jobs}
        if previous is None:
            # The first listing sets the baseline, except for the jobs already published by
            # `changed()`: their next state must not be swallowed.
            previous, self.unlisted = self.unlisted, {}
            jobs = [job for job in jobs if job.id in previous]
        for job in jobs:
            before = previous.get(job.id)
            if before != job.state.value:
                emit(_event(job, before))

    @property
    def active(self) -> bool:
        return any(not job.state.is_final for job in self.jobs)


def _event(job: Job, previous: str | None) -> dict[str, Any]:
    return {
        "facility": job.facility,
        "system": job.system,
        "job_id": job.id,
        "name": job.name,
        "state": job.state.value,
        "previous_state": previous,
        "exit_code": job.exit_code,
    }


class JobWatcher:
    """Coalesced job listings for every facility, and the loop that publishes state changes."""

    def __init__(
        self,
        registry: FacilityRegistry,
        emit: Emit,
        intervals: dict[str, float],
        idle_after: float = 300.0,
    ) -> None:
        self.registry = registry
        self.emit = emit
        self.intervals = intervals
        self.idle_after = idle_after
        self._watches: dict[tuple[str, str], _Watch] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def _watch(self, facility: str, system: str) -> _Watch:
        key = (facility, system)
        if key not in self._watches:
            self._watches[key] = _Watch(self.registry, facility, system)
        return self._watches[key]

    def interval(self, facility: str) -> float:
        """Seconds between two listings of a facility's jobs."""
        return self.intervals.get(facility, 30.0)

    async def jobs(self, facility: str, system: str) -> list[Job]:
        """The facility's jobs, at most one poll interval old."""
        watch = self._watch(facility, system)
        watch.asked_at = time.monotonic()
        self._wake.set()
        if time.monotonic() - watch.fetched_at < self.interval(facility):
            return watch.jobs
        return await watch.listing(self.emit)

    async def job(self, facility: str, system: str, job_id: str) -> Job:
        """One job, from a fresh listing when it has it, else from the facility."""
        watch = self._watch(facility, system)
        watch.asked_at = time.monotonic()
        self._wake.set()
        if time.monotonic() - watch.fetched_at < self.interval(facility):
            for job in watch.jobs:
                if job.id == job_id:
                    return job
        return await self.registry.get(facility).require_jobs().get_job(system, job_id)

    def changed(self, facility: str, system: str, job: Job) -> None:
        """A job changed through us (submit, cancel, hold...): publish it and list again soon."""
        watch = self._watch(facility, system)
        # Before the first listing there is no baseline yet; publish anyway (a submission is a
        # state change) and remember it so the first listing compares this job against it.
        known = watch.states if watch.states is not None else watch.unlisted
        previous = known.get(job.id)
        if previous != job.state.value:
            known[job.id] = job.state.value
            self.emit(_event(job, previous))
        watch.jobs = [job, *(j for j in watch.jobs if j.id != job.id)]
        watch.touched[job.id] = (job, time.monotonic())
        watch.fetched_at = 0.0  # the next reader gets a fresh listing
        watch.asked_at = time.monotonic()
        self._wake.set()

    def fetch_count(self, facility: str, system: str) -> int:
        """How many listings the facility has been asked for (for tests and benchmarks)."""
        return self._watch(facility, system).fetches

    def start(self) -> None:
        """Start the background loop on the running event loop."""
        self._task = asyncio.create_task(self._run(), name="hpc-job-watcher")

    async def stop(self) -> None:
        """Stop the background loop and any listing in flight (its commands and requests)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for watch in self._watches.values():
            await watch.stop()

    async def _run(self) -> None:
        while True:
            due = self._due()
            if not due and not self._live():
                self._wake.clear()
                await self._wake.wait()
                continue
            for watch in due:
                try:
                    await watch.listing(self.emit)
                except Exception as err:  # one facility down must not stop the others
                    log.warning(
                        "listing jobs of %r failed: %s",
                        watch.facility,
                        getattr(err, "message", type(err).__name__),
                    )
                    watch.fetched_at = time.monotonic()  # retry after an interval, not at once
            await asyncio.sleep(min([self.interval(w.facility) for w in self._live()] or [1.0]))

    def _live(self) -> list[_Watch]:
        now = time.monotonic()
        return [
            watch
            for watch in self._watches.values()
            if watch.active or now - watch.asked_at < self.idle_after
        ]

    def _due(self) -> list[_Watch]:
        now = time.monotonic()
        return [w for w in self._live() if now - w.fetched_at >= self.interval(w.facility)]
