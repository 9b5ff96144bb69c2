"""The job watcher: one coalesced listing per facility and system, fanned out to every client.

However many monitors, panels and kernels ask for a facility's jobs, the facility is asked at
most once per poll interval: callers share the last listing while it is fresh and share one
request in flight when it is not. While anyone watches (asked within `idle_after` seconds) or
a job is still active, a background loop keeps listing, and every change of a job's state is
published through `emit` (the server extension sends it as a jupyter_server event).

A failed listing is never served as a fresh one. The watcher remembers the newest failure
beside the last good listing: callers get that listing marked stale (with the failure and
both times), or the error itself when there never was a good listing or when the facility
refused our credentials (the user must act, not read old rows). Failures are coalesced like
listings: a facility that is down is asked once per interval, not once per caller. No state
change is published from a stale listing; the first good listing after it is compared with
the last good one before it, so nothing that happened meanwhile is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections.abc import Callable
from typing import Any

from .array_jobs import array_summaries
from .errors import FacilityAuthError, HPCError
from .models import Job, JobListing, Staleness
from .payload import Payload
from .records import SubmissionRecords
from .registry import FacilityRegistry

log = logging.getLogger(__name__)
Emit = Callable[[dict[str, Any]], None]


class _Watch:
    """The jobs of one facility system: the last listing and the request in flight."""

    def __init__(
        self,
        registry: FacilityRegistry,
        facility: str,
        system: str,
        records: SubmissionRecords | None = None,
    ) -> None:
        self.registry = registry
        self.records = records
        """Where each job's `origin` comes from: read once per listing, not once per reader."""
        self.facility = facility
        self.system = system
        self.jobs: list[Job] = []
        """The last good listing (with the jobs changed through us since)."""
        self.listed_at: float | None = None
        """When the last good listing was made (Unix seconds); None before the first."""
        self.failure: HPCError | None = None
        """Why the newest listing failed; None when it succeeded (or none was tried yet)."""
        self.failing_since = 0.0
        """When listings started failing (Unix seconds), while `failure` is set."""
        self.states: dict[str, str] | None = None
        self.unlisted: dict[str, str] = {}
        """States published by `JobWatcher.changed()` before the first listing."""
        self.touched: dict[str, tuple[Job, float]] = {}
        """Jobs changed through us (`JobWatcher.changed()`), and when."""
        self.fetched_at = 0.0
        """When a listing was last tried, failed or not (monotonic seconds)."""
        self.asked_at = 0.0
        self.fetches = 0
        self._inflight: asyncio.Future[list[Job]] | None = None
        self._answered: tuple[tuple[Any, ...], JobListing, Payload] | None = None
        """The last answer and its serialized bytes, with what they were made from."""

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
        try:
            listed = await backend.list_jobs(self.system)
        except HPCError as err:
            self._failed(err)
            raise
        except Exception as err:  # a bug below us: remembered like any failure, never as "no jobs"
            log.error("listing jobs of %r failed", self.facility, exc_info=err)
            failure = HPCError(
                f"Listing the jobs of {self.facility!r} failed unexpectedly; "
                "the server's log says why."
            )
            self._failed(failure, logged=True)
            raise failure from None
        if self.records is not None:
            listed = self.records.with_origins(self.facility, self.system, listed)
        jobs = self._with_newer(listed, asked)
        self._publish_changes(jobs, emit)
        if self.failure is not None:
            log.info("listing jobs of %r works again", self.facility)
        self.failure = None
        self.jobs = jobs
        self.listed_at = time.time()
        self.fetched_at = time.monotonic()
        return jobs

    def _failed(self, failure: HPCError, logged: bool = False) -> None:
        """Remember a failed listing (the last good one stays); log when the failure is new."""
        if self.failure is None:
            self.failing_since = time.time()
        if not logged and (self.failure is None or self.failure.message != failure.message):
            log.warning("listing jobs of %r failed: %s", self.facility, failure.message)
        self.failure = failure
        # The next try waits for the next interval: a facility that is down is not hammered.
        self.fetched_at = time.monotonic()

    def answer(self) -> JobListing:
        """What callers get now: the listing, marked stale after a failure, or the error."""
        return self._answer()[0]

    def payload(self) -> Payload:
        """`answer()` serialized: made once per change of the answer, shared by every caller."""
        return self._answer()[1]

    def _answer(self) -> tuple[JobListing, Payload]:
        failure = self.failure
        # What the answer is made of; `jobs` and `failure` are replaced, never changed in place.
        made_of = (self.jobs, failure, self.failing_since, self.listed_at)
        cached = self._answered
        if cached is not None and _same(cached[0], made_of):
            return cached[1], cached[2]
        if failure is None:
            listing = JobListing(tuple(self.jobs))
        elif self.listed_at is None or isinstance(failure, FacilityAuthError):
            # A copy: re-raising one instance would grow its traceback with every caller.
            raise copy.copy(failure).with_traceback(None)
        else:
            stale = Staleness(
                message=failure.message,
                reason=failure.reason,
                failed_at=self.failing_since,
                listed_at=self.listed_at,
            )
            listing = JobListing(tuple(self.jobs), stale)
        payload = Payload.of(listing.to_dict())
        self._answered = (made_of, listing, payload)
        return listing, payload

    def fresh(self, interval: float) -> bool:
        """Whether the newest listing succeeded and is at most `interval` seconds old."""
        return self.failure is None and time.monotonic() - self.fetched_at < interval

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

    def _publish_changes(self, listed: list[Job], emit: Emit) -> None:
        # An array is followed by its id `A` (what its submit answered) as the sum of its
        # records: its events tell when the whole array has ended, whatever the facility lists.
        arrays = self.arrays(listed)
        jobs = [*(job for job in listed if job.id not in arrays), *arrays.values()]
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

    def arrays(self, listed: list[Job]) -> dict[str, Job]:
        """Each array in `listed` as the sum of its records, by its id; not an array changed
        through us since the listing was asked for (what the change said is newer)."""
        summed = array_summaries(listed)
        return {array_id: job for array_id, job in summed.items() if array_id not in self.touched}

    @property
    def active(self) -> bool:
        return any(not job.state.is_final for job in self.jobs)


def _same(made_of: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Whether an answer made of `made_of` is still the answer: the same lists, failure, times."""
    return all(a is b or a == b for a, b in zip(made_of, now, strict=True))


def _listed(job_id: str, watch: _Watch) -> Job | None:
    """Job `job_id` in the watch's listing, an array's id `A` as the sum of its records; None if
    absent."""
    job = next((job for job in watch.jobs if job.id == job_id), None)
    if job is None or job.array_job_id != job.id:
        return job
    return watch.arrays([other for other in watch.jobs if other.array_job_id == job.id]).get(
        job_id, job
    )


def _event(job: Job, previous: str | None) -> dict[str, Any]:
    return {
        "facility": job.facility,
        "system": job.system,
        "job_id": job.id,
        "name": job.name,
        "state": job.state.value,
        "previous_state": previous,
        "exit_code": job.exit_code,
        "origin": None if job.origin is None else job.origin.to_dict(),
    }


class JobWatcher:
    """Coalesced job listings for every facility, and the loop that publishes state changes."""

    def __init__(
        self,
        registry: FacilityRegistry,
        emit: Emit,
        intervals: dict[str, float],
        idle_after: float = 300.0,
        records: SubmissionRecords | None = None,
    ) -> None:
        self.registry = registry
        self.records = records
        self.emit = emit
        self.intervals = intervals
        self.idle_after = idle_after
        self._watches: dict[tuple[str, str], _Watch] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def _watch(self, facility: str, system: str) -> _Watch:
        key = (facility, system)
        if key not in self._watches:
            self._watches[key] = _Watch(self.registry, facility, system, self.records)
        return self._watches[key]

    def interval(self, facility: str) -> float:
        """Seconds between two listings of a facility's jobs."""
        return self.intervals.get(facility, 30.0)

    async def jobs(self, facility: str, system: str) -> JobListing:
        """The facility's jobs, at most one poll interval old, or the last good ones marked stale.

        Raises the newest failure when there is no good listing to show (or when the facility
        refused our credentials).
        """
        watch = self._watch(facility, system)
        watch.asked_at = time.monotonic()
        self._wake.set()
        if time.monotonic() - watch.fetched_at >= self.interval(facility):
            try:
                await watch.listing(self.emit)
            except HPCError as err:
                if err is not watch.failure:  # not a failed listing (no jobs here at all...)
                    raise
                # else remembered by the watch: answered below, stale or as the error
        return watch.answer()

    async def jobs_payload(self, facility: str, system: str) -> Payload:
        """`jobs()` serialized once per change of the listing, for answering many readers."""
        await self.jobs(facility, system)
        return self._watch(facility, system).payload()

    async def job(self, facility: str, system: str, job_id: str, record: bool = False) -> Job:
        """One job, from a fresh listing when it has it, else from the facility.

        An array's id `A` is the whole array (the sum of its tasks), unless `record` asks for
        the facility's own record of that id (a task on Slurm: whose log is read).
        """
        watch = self._watch(facility, system)
        watch.asked_at = time.monotonic()
        self._wake.set()
        # Never from a stale listing: the facility's answer (or its error) is the truth.
        if watch.fresh(self.interval(facility)):
            found = (
                next((job for job in watch.jobs if job.id == job_id), None)
                if record
                else _listed(job_id, watch)
            )
            if found is not None:
                return found
        job = await self.registry.get(facility).require_jobs().get_job(system, job_id)
        if self.records is not None:
            job = self.records.with_origins(facility, system, [job])[0]
        if record or job.array_job_id != job.id:
            return job
        # An array's id: Slurm answers one of its records (the pending rest, or the last task
        # started), listed beside the others: the whole array is their sum. (The local facility
        # answers the whole array itself, and lists no record `A`.)
        with contextlib.suppress(HPCError):  # no listing: the facility's answer stands
            await self.jobs(facility, system)
        return (watch.failure is None and _listed(job_id, watch)) or job

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

    def origins_changed(self) -> None:
        """The records' origins changed (a notebook was renamed): the listings show them now,
        not from their next fetch."""
        if self.records is None:
            return
        for watch in self._watches.values():
            if watch.jobs:  # a new list: the next answer is made again
                watch.jobs = self.records.with_origins(watch.facility, watch.system, watch.jobs)

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
                # One facility down must not stop the others; the watch remembers and logs it.
                with contextlib.suppress(HPCError):
                    await watch.listing(self.emit)
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
