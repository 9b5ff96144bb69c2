"""The job watcher: one coalesced listing for many clients, and job states pushed as events."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema
import pytest
import yaml

from hpc_jupyter.app import EVENT_SCHEMA
from hpc_jupyter.errors import FacilityAuthError, HPCError, Unavailable, UpstreamTimeout
from hpc_jupyter.models import JobRequest
from tests.helpers import JOBS, expect_error, submit, wait_until

API = Callable[..., Awaitable[Any]]
SYSTEM = "localhost"


def transitions(events: list[dict[str, Any]], job_id: str) -> list[tuple[str | None, str]]:
    return [(e["previous_state"], e["state"]) for e in events if e["job_id"] == job_id]


async def test_concurrent_listings_cost_one_backend_listing(api: API, hpc_app: Any) -> None:
    # Given a facility with a job on record that no client has listed yet
    # (submitted behind the server's back, so the watcher has nothing cached)
    job = await hpc_app.registry.get("local").jobs.submit(SYSTEM, JobRequest(script="true\n"))
    before = hpc_app.watcher.fetch_count("local", SYSTEM)

    # When twenty clients list its jobs at the same moment
    answers = await asyncio.gather(*(api(*JOBS) for _ in range(20)))

    # Then the facility was asked once, and every client got the same listing
    assert hpc_app.watcher.fetch_count("local", SYSTEM) - before == 1
    assert all(answer == answers[0] for answer in answers)
    assert [j["id"] for j in answers[0]["jobs"]] == [job.id]

    # And more listings within the poll interval cost nothing more
    started = time.monotonic()
    for _ in range(5):
        await api(*JOBS)
    assert time.monotonic() - started < hpc_app.watcher.interval("local")
    assert hpc_app.watcher.fetch_count("local", SYSTEM) - before == 1


async def test_concurrent_listings_share_one_request_in_flight(
    api: API, hpc_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a facility that takes a while to answer a listing
    backend = hpc_app.registry.get("local").jobs
    real_list_jobs = backend.list_jobs
    calls = 0

    async def slow_list_jobs(system: str) -> Any:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.3)
        return await real_list_jobs(system)

    monkeypatch.setattr(backend, "list_jobs", slow_list_jobs)
    before = hpc_app.watcher.fetch_count("local", SYSTEM)

    # When twenty clients ask while that listing is still in flight
    started = time.monotonic()
    await asyncio.gather(*(api(*JOBS) for _ in range(20)))

    # Then they all waited for the one listing rather than starting their own
    assert hpc_app.watcher.fetch_count("local", SYSTEM) - before == 1
    assert calls == 1
    assert time.monotonic() - started < 3


async def test_a_job_detail_within_the_interval_costs_no_listing(api: API, hpc_app: Any) -> None:
    job = await submit(api, "true\n")
    await api(*JOBS)
    before = hpc_app.watcher.fetch_count("local", SYSTEM)

    for _ in range(5):
        assert (await api(*JOBS, job["id"]))["id"] == job["id"]

    assert hpc_app.watcher.fetch_count("local", SYSTEM) == before


async def test_state_changes_are_published_as_events(
    api: API, hpc_app: Any, job_events: list[dict[str, Any]]
) -> None:
    # Given a listener on the server's job-state events and a job that runs a couple of seconds
    # (longer than the facility's poll interval, so its RUNNING state is seen)
    job = await submit(api, "sleep 2\necho done\n")
    job_id = job["id"]
    fetches = hpc_app.watcher.fetch_count("local", SYSTEM)

    # When nobody asks the server anything more, the events still arrive up to COMPLETED
    def completed() -> bool:
        return any(state == "COMPLETED" for _, state in transitions(job_events, job_id))

    assert await wait_until(completed, timeout=15), job_events

    # Then they trace the job's life, each starting where the previous one ended
    assert transitions(job_events, job_id) == [
        (None, "PENDING"),
        ("PENDING", "RUNNING"),
        ("RUNNING", "COMPLETED"),
    ]
    last = [e for e in job_events if e["job_id"] == job_id][-1]
    assert last["exit_code"] == 0
    assert last["facility"] == "local"
    assert last["system"] == SYSTEM
    assert last["name"] == "batch"
    # it was the server's own watcher that listed the jobs, not a client
    assert hpc_app.watcher.fetch_count("local", SYSTEM) > fetches

    # And every event is valid against the published schema
    schema = yaml.safe_load(EVENT_SCHEMA.read_text())
    for event in job_events:
        jsonschema.validate(event, schema)


async def test_a_cancel_is_published_at_once(api: API, job_events: list[dict[str, Any]]) -> None:
    # Given a running job that the watcher has seen
    job = await submit(api, "sleep 120\n")
    assert await wait_until(
        lambda: ("PENDING", "RUNNING") in transitions(job_events, job["id"]), timeout=10
    ), job_events

    # When it is cancelled through the server
    await api(*JOBS, job["id"], method="DELETE")
    await asyncio.sleep(0)  # listeners run as tasks

    # Then the CANCELLED event is already out, and no other state follows it
    assert await wait_until(
        lambda: transitions(job_events, job["id"])[-1] == ("RUNNING", "CANCELLED"), timeout=1
    )
    await asyncio.sleep(1.2)
    assert transitions(job_events, job["id"])[-1] == ("RUNNING", "CANCELLED")


async def test_a_failed_job_event_carries_its_exit_code(
    api: API, job_events: list[dict[str, Any]]
) -> None:
    job = await submit(api, "exit 7\n")

    assert await wait_until(
        lambda: any(e["state"] == "FAILED" for e in job_events if e["job_id"] == job["id"]),
        timeout=10,
    ), job_events

    failed = next(e for e in job_events if e["job_id"] == job["id"] and e["state"] == "FAILED")
    assert failed["exit_code"] == 7


@pytest.fixture
def stale_listing(hpc_app: Any, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """The facility answers a listing 0.5 s after it was asked, with the jobs as they were then.

    The event is set whenever a listing is asked of the facility.
    """
    backend = hpc_app.registry.get("local").jobs
    real_list_jobs = backend.list_jobs
    asked = asyncio.Event()

    async def stale_list_jobs(system: str) -> Any:
        jobs = await real_list_jobs(system)
        asked.set()
        await asyncio.sleep(0.5)
        return jobs

    monkeypatch.setattr(backend, "list_jobs", stale_list_jobs)
    return asked


async def test_a_listing_older_than_a_submit_neither_hides_nor_republishes_the_job(
    api: API, stale_listing: asyncio.Event, job_events: list[dict[str, Any]]
) -> None:
    # Given a listing asked of the facility just before a submit, answered just after it
    listing = asyncio.ensure_future(api(*JOBS))
    await asyncio.wait_for(stale_listing.wait(), 5)
    job = await submit(api, "sleep 1\n")
    late = await listing

    # Then the job is in that late answer and in every listing after it
    assert job["id"] in [j["id"] for j in late["jobs"]]
    assert job["id"] in [j["id"] for j in (await api(*JOBS))["jobs"]]

    # and its life is published once, without a second "new job" when the listings catch up
    # (each event starting where the last one ended; a short RUNNING may fall between polls)
    assert await wait_until(
        lambda: any(state == "COMPLETED" for _, state in transitions(job_events, job["id"])),
        timeout=15,
    ), job_events
    life = transitions(job_events, job["id"])
    assert life[0] == (None, "PENDING") and life[-1][1] == "COMPLETED", life
    assert [before for before, _ in life[1:]] == [after for _, after in life[:-1]], life


async def test_a_listing_older_than_a_cancel_does_not_bring_the_job_back(
    api: API, stale_listing: asyncio.Event, job_events: list[dict[str, Any]]
) -> None:
    # Given a running job, and a listing asked of the facility just before it is cancelled
    job = await submit(api, "sleep 120\n")
    assert await wait_until(
        lambda: ("PENDING", "RUNNING") in transitions(job_events, job["id"]), timeout=15
    ), job_events
    stale_listing.clear()
    await asyncio.wait_for(stale_listing.wait(), 5)  # the watcher keeps listing an active job
    await api(*JOBS, job["id"], method="DELETE")

    # Then the job stays CANCELLED for clients and in the events, however late listings come
    await asyncio.sleep(1.5)
    listed = {j["id"]: j["state"] for j in (await api(*JOBS))["jobs"]}
    assert listed[job["id"]] == "CANCELLED"
    assert transitions(job_events, job["id"]) == [
        (None, "PENDING"),
        ("PENDING", "RUNNING"),
        ("RUNNING", "CANCELLED"),
    ]


async def test_a_listing_older_than_an_array_cancel_does_not_bring_the_array_back(
    api: API, stale_listing: asyncio.Event, job_events: list[dict[str, Any]]
) -> None:
    # Given a running array, and a listing asked of the facility just before it is cancelled
    array = await submit(api, "sleep 120\n", array="0-1")
    assert await wait_until(
        lambda: ("PENDING", "RUNNING") in transitions(job_events, array["id"]), timeout=15
    ), job_events
    stale_listing.clear()
    await asyncio.wait_for(stale_listing.wait(), 5)
    await api(*JOBS, array["id"], method="DELETE")

    # Then the array stays CANCELLED for clients and in the events, however late listings come
    await asyncio.sleep(1.5)
    assert (await api(*JOBS, array["id"]))["state"] == "CANCELLED"
    assert transitions(job_events, array["id"]) == [
        (None, "PENDING"),
        ("PENDING", "RUNNING"),
        ("RUNNING", "CANCELLED"),
    ]


# -- a facility that fails: its error, or the last good listing marked stale ---------------------


class Switch:
    """The local facility's listing, failing with `failure` while one is set."""

    def __init__(self, backend: Any) -> None:
        self.failure: Exception | None = None
        self.calls = 0
        self._list_jobs = backend.list_jobs

    async def list_jobs(self, system: str) -> Any:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return await self._list_jobs(system)


@pytest.fixture
def listing(hpc_app: Any, monkeypatch: pytest.MonkeyPatch) -> Switch:
    backend = hpc_app.registry.get("local").jobs
    switch = Switch(backend)
    monkeypatch.setattr(backend, "list_jobs", switch.list_jobs)
    return switch


async def next_try(hpc_app: Any, switch: Switch) -> None:
    """Wait until the watcher has tried the facility once more (its loop, or a caller)."""
    calls = switch.calls
    assert await wait_until(lambda: switch.calls > calls, timeout=10)
    await asyncio.sleep(0)


async def test_a_failure_before_any_good_listing_is_the_answer_all_interval(
    hpc_app: Any, listing: Switch
) -> None:
    # Given a facility whose first listing fails
    listing.failure = Unavailable("The facility cannot be reached.")
    watcher = hpc_app.watcher

    # When many callers ask for its jobs, at once and again within the interval
    answers = await asyncio.gather(
        *(watcher.jobs("local", SYSTEM) for _ in range(10)), return_exceptions=True
    )
    with pytest.raises(Unavailable) as again:
        await watcher.jobs("local", SYSTEM)

    # Then each gets the error (never an empty listing), and the facility was asked once
    assert all(isinstance(answer, Unavailable) for answer in answers), answers
    assert again.value.message == "The facility cannot be reached."
    assert again.value.status == 502
    assert listing.calls == 1


async def test_a_failed_listing_serves_the_last_good_one_marked_stale(
    api: API, hpc_app: Any, listing: Switch
) -> None:
    # Given a job, listed while the facility answered
    listed_before = time.time()
    job = await submit(api, "sleep 30\n")
    good = await hpc_app.watcher.jobs("local", SYSTEM)
    assert good.stale is None and [j.id for j in good.jobs] == [job["id"]]

    # When listings start failing
    failed_from = time.time()
    listing.failure = UpstreamTimeout("The facility did not answer in time.")
    await next_try(hpc_app, listing)
    stale = await hpc_app.watcher.jobs("local", SYSTEM)

    # Then the last good listing is served, marked with the failure and both times
    assert [j.id for j in stale.jobs] == [job["id"]]
    assert stale.stale is not None
    assert stale.stale.message == "The facility did not answer in time."
    assert stale.stale.reason == "timeout"
    assert listed_before <= stale.stale.listed_at <= failed_from <= stale.stale.failed_at
    # and "since" stays the first failure however often it fails again
    await next_try(hpc_app, listing)
    assert (await hpc_app.watcher.jobs("local", SYSTEM)).stale == stale.stale
    # and a single job is asked of the facility, not taken from the stale listing
    assert (await hpc_app.watcher.job("local", SYSTEM, job["id"])).state.value == "RUNNING"

    # When the facility answers again, the listing is fresh
    listing.failure = None
    await next_try(hpc_app, listing)
    assert (await hpc_app.watcher.jobs("local", SYSTEM)).stale is None


async def test_refused_credentials_are_answered_not_served_stale(
    api: API, hpc_app: Any, listing: Switch
) -> None:
    # Given a good listing, then the facility refusing our credentials
    await submit(api, "true\n")
    await hpc_app.watcher.jobs("local", SYSTEM)
    listing.failure = FacilityAuthError("Log in to the facility again.")
    await next_try(hpc_app, listing)

    # Then callers get the refusal (the user must act), not old rows
    with pytest.raises(FacilityAuthError, match="Log in to the facility again"):
        await hpc_app.watcher.jobs("local", SYSTEM)


async def test_an_unexpected_failure_is_a_failure_too(
    api: API, hpc_app: Any, listing: Switch
) -> None:
    # Given a listing that breaks with a bug (not one of our errors) before any good one
    listing.failure = RuntimeError("bug with /secret/path")

    # Then it is answered as a plain error, without the bug's text, never as "no jobs"
    with pytest.raises(HPCError) as info:
        await hpc_app.watcher.jobs("local", SYSTEM)
    assert info.value.status == 500
    assert "failed unexpectedly" in info.value.message
    assert "secret" not in info.value.message


async def test_no_event_from_a_stale_listing_and_the_missed_change_after_it(
    api: API, hpc_app: Any, listing: Switch, job_events: list[dict[str, Any]]
) -> None:
    # Given a running job that the watcher has seen running
    job = await submit(api, "sleep 2\n")
    assert await wait_until(
        lambda: ("PENDING", "RUNNING") in transitions(job_events, job["id"]), timeout=10
    ), job_events

    # When the facility cannot be listed while the job ends
    listing.failure = Unavailable("The facility cannot be reached.")
    backend = hpc_app.registry.get("local").jobs
    deadline = time.monotonic() + 15
    while not (await backend.get_job(SYSTEM, job["id"])).state.is_final:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    await next_try(hpc_app, listing)

    # Then no state is published from the stale listing
    assert (await hpc_app.watcher.jobs("local", SYSTEM)).stale is not None
    assert transitions(job_events, job["id"]) == [(None, "PENDING"), ("PENDING", "RUNNING")]

    # When the facility answers again, the change is published against the last good listing
    listing.failure = None
    assert await wait_until(lambda: len(transitions(job_events, job["id"])) == 3, timeout=10)
    assert transitions(job_events, job["id"])[-1] == ("RUNNING", "COMPLETED")


async def test_a_facility_without_jobs_is_still_a_clear_400(
    api: API, hpc_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a failed listing to serve stale, nor "no jobs": the facility runs no jobs at all
    monkeypatch.setattr(hpc_app.registry.get("local"), "_jobs", None)

    error = await expect_error(api(*JOBS), 400)

    assert error == {"message": "Facility 'local' does not run jobs.", "reason": "not_supported"}


async def test_a_listing_that_ignores_cancellation_does_not_hang_the_server_stop(
    api: API, hpc_app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a facility whose listing goes on when cancelled (as a library that swallows the
    # cancellation would), with a listing of it in flight
    finished = asyncio.Event()

    async def stubborn_list_jobs(system: str) -> list[Any]:
        while not finished.is_set():
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                continue
        return []

    monkeypatch.setattr(hpc_app.registry.get("local").jobs, "list_jobs", stubborn_list_jobs)
    monkeypatch.setattr(hpc_app, "stop_timeout", 0.5)
    waiting = asyncio.ensure_future(api(*JOBS))
    assert await wait_until(lambda: hpc_app.watcher.fetch_count("local", SYSTEM) > 0)

    # When the server stops its extension
    stopping = asyncio.ensure_future(hpc_app.stop_extension())
    done, _ = await asyncio.wait({stopping}, timeout=10)

    # Then the stop ends within its bound, and the log says what did not stop and where
    try:
        assert stopping in done, "stopping the extension hung on the listing"
        assert "the job watcher did not stop within" in caplog.text
        assert "stubborn_list_jobs" in caplog.text
    finally:
        finished.set()
        await asyncio.wait({stopping, waiting}, timeout=10)


async def test_a_listing_is_serialized_once_per_change(api: API, hpc_app: Any) -> None:
    # Given a listing that readers have asked for
    job = await submit(api, "sleep 30\n")
    watcher = hpc_app.watcher
    first = await watcher.jobs_payload("local", SYSTEM)

    # When more readers ask within the interval, then a job changes through us
    again = await watcher.jobs_payload("local", SYSTEM)
    await api(*JOBS, job["id"], method="DELETE")
    changed = await watcher.jobs_payload("local", SYSTEM)

    # Then they share the bytes made the first time; the change makes new ones, as sent
    assert again is first
    assert changed is not first
    assert changed.etag != first.etag
    response = await api(*JOBS)
    assert response == json.loads(changed.body)
    assert response == (await watcher.jobs("local", SYSTEM)).to_dict()


async def test_an_array_followed_by_its_id_ends_when_all_its_tasks_have(
    api: API, job_events: list[dict[str, Any]]
) -> None:
    # Given an array submitted through the server: the answer is the array's id `A`, while
    # listings show its tasks `A_i` (one of which fails)
    array = await submit(api, 'sleep 1\n[ "$SLURM_ARRAY_TASK_ID" != 2 ]\n', array="0-2")
    array_id = array["id"]
    assert array["state"] == "PENDING"

    # When its tasks run to their ends, nobody asking the server anything
    def ended() -> bool:
        return any(state == "FAILED" for _, state in transitions(job_events, array_id))

    # Then the events for `A` follow the whole array to its end, as its worst task ended
    assert await wait_until(ended, timeout=20), job_events
    life = transitions(job_events, array_id)
    assert life[0] == (None, "PENDING") and life[-1] == ("RUNNING", "FAILED"), life
    assert [before for before, _ in life[1:]] == [after for _, after in life[:-1]], life
    last = [e for e in job_events if e["job_id"] == array_id][-1]
    assert last["exit_code"] == 1
    # and each task's own life is published too
    tasks = {e["job_id"] for e in job_events if e["state"] == "COMPLETED"}
    assert {f"{array_id}_0", f"{array_id}_1"} <= tasks
