"""A facility that goes down and comes back, through the REST API: never an outage as "no jobs"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import expect_error
from helpers import wait_until
from outage import FACILITY, POLL_INTERVAL, Outage, hpc_facilities, outage  # noqa: F401

from hpc_jupyter.app import JOB_STATE_EVENT

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", FACILITY, "jobs")


@pytest.fixture
def job_events(hpc_server: Any) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        received.append(data)

    hpc_server.event_logger.add_listener(schema_id=JOB_STATE_EVENT, listener=listener)
    return received


def attempts(hpc_app: Any) -> int:
    """How many listings the job watcher has asked of the facility."""
    count: int = hpc_app.watcher.fetch_count(FACILITY, "localcluster")
    return count


async def listing_until(api: API, done: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """GET the jobs every 0.1 s until `done(answer)`; every answer (a JSON body or an error)."""
    answers: list[Any] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            answer = await api(*JOBS)
        except Exception as err:  # an error is an answer too: the caller checks which
            answers.append(err)
        else:
            answers.append(answer)
            if done(answer):
                return answers
        await asyncio.sleep(0.1)
    raise AssertionError(f"not done after 20 s; last answers: {answers[-3:]}")


async def test_down_before_any_listing_answers_the_error_every_time(
    api: API, hpc_app: Any, outage: Outage
) -> None:
    # Given a facility that answered once (its systems are known) and then went down
    await api("facilities", FACILITY)
    await outage.down()

    # When its jobs are listed, again and again over several poll intervals
    before = attempts(hpc_app)
    started = time.monotonic()
    errors = []
    while time.monotonic() - started < 3 * POLL_INTERVAL:
        errors.append(await expect_error(api(*JOBS), 502))
        await asyncio.sleep(0.05)
    crowd = await asyncio.gather(*(expect_error(api(*JOBS), 502) for _ in range(25)))

    # Then every answer is the facility's error, never an empty list of jobs
    assert len(errors) > 10
    for error in [*errors, *crowd]:
        assert error["reason"] == "unavailable"
        assert error["message"] == f"FirecREST ({FACILITY}) cannot be reached."
    # and the facility was tried about once per interval, not once per request
    elapsed = time.monotonic() - started
    assert attempts(hpc_app) - before <= elapsed / POLL_INTERVAL + 2


async def test_an_outage_shows_the_last_listing_stale_until_the_facility_is_back(
    api: API, hpc_app: Any, outage: Outage, job_events: list[dict[str, Any]]
) -> None:
    # Given a running job, listed while the facility was up
    job_id = outage.add_job()
    listed_before = time.time()
    first = await api(*JOBS)
    assert [job["id"] for job in first["jobs"]] == [job_id]
    assert "stale" not in first

    # When the facility goes down (and the job ends meanwhile)
    down_at = time.time()
    await outage.down()
    outage.fake.finish_job(job_id)
    answers = await listing_until(api, lambda answer: "stale" in answer)

    # Then until the watcher finds out, clients get the listing made before the outage, and
    # from then on the same listing marked stale: never an empty list, never an error
    for answer in answers:
        assert [(job["id"], job["state"]) for job in answer["jobs"]] == [(job_id, "RUNNING")]
    stale = answers[-1]["stale"]
    assert set(stale) == {"message", "reason", "failed_at", "listed_at"}
    assert stale["reason"] == "unavailable"
    assert stale["message"] == f"FirecREST ({FACILITY}) cannot be reached."
    assert listed_before <= stale["listed_at"] <= down_at <= stale["failed_at"] <= time.time()

    # And it stays stale, since the first failure, while the facility is retried
    tries = attempts(hpc_app)
    later = await listing_until(api, lambda _: attempts(hpc_app) >= tries + 2)
    assert all(answer["stale"] == stale for answer in later)
    # a job is never answered from the stale listing: the facility's error is the answer
    error = await expect_error(api(*JOBS, job_id), 502)
    assert error["reason"] == "unavailable"
    # and nothing was published from the stale listing
    assert [(e["job_id"], e["state"]) for e in job_events] == []

    # When the facility is back
    outage.up()
    recovered = await listing_until(api, lambda answer: "stale" not in answer)

    # Then the listing is fresh again, and the change missed during the outage is published
    assert [(job["id"], job["state"]) for job in recovered[-1]["jobs"]] == [(job_id, "COMPLETED")]
    assert (await api(*JOBS, job_id))["state"] == "COMPLETED"
    assert await wait_until(lambda: len(job_events) > 0, timeout=5)
    assert [(e["job_id"], e["previous_state"], e["state"]) for e in job_events] == [
        (job_id, "RUNNING", "COMPLETED")
    ]
