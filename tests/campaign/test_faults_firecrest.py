"""Faults between the server and a FirecREST v2 facility (the double), through a TCP proxy.

The real server talks to the FirecREST double through `fault_proxy.FaultProxy`; each test
breaks the connection one way and checks what a user sees: a clear error (502/504 with a
message, never a 500), no job submitted twice, no file half-written, and fresh answers again
once the fault is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.campaign.fault_checks import API, assert_clear, listings_for, submit_answer, wait_for
from tests.fault_proxy import FaultProxy
from tests.firecrest.double_fixtures import FACILITY, facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, SYSTEM, FakeFirecrest
from tests.helpers import expect_error

HOME = "/home/hpcuser"
FILES = ("facilities", FACILITY, "files")
JOBS = ("facilities", FACILITY, "jobs")
SUBMIT = f"/compute/{SYSTEM}/jobs"
LIST_JOBS = f"/compute/{SYSTEM}/jobs"
LS = f"/filesystem/{SYSTEM}/ops/ls"
UPLOAD = f"/filesystem/{SYSTEM}/ops/upload"
TIMEOUT = 3
"""The facility's request timeout here: the latency test waits longer than this."""
ONCE = {"script": "#!/bin/bash\necho once\n"}


@pytest.fixture
def proxy(fake: FakeFirecrest, jp_asyncio_loop: Any) -> Iterator[FaultProxy]:
    with FaultProxy.on_loop(jp_asyncio_loop, fake.url) as started:
        yield started


@pytest.fixture
def hpc_facilities(fake: FakeFirecrest, proxy: FaultProxy) -> dict[str, Any]:
    options = facility_options(fake, CLIENT_SECRET)
    options.update(url=proxy.url, token_url=proxy.url + "/auth/token", timeout=TIMEOUT)
    options["poll_interval"] = 1
    return {FACILITY: options}


# -- submitting -------------------------------------------------------------------------------


async def test_reset_after_submit_reached_the_facility_submits_once(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    # Given a connection that breaks after FirecREST has taken the submission
    await api(*JOBS)  # the token and the first listing, without faults
    proxy.inject("reset_before_response", "POST", SUBMIT)

    # When the user submits
    answer = await submit_answer(api, JOBS, ONCE)

    # Then the job went to FirecREST once: never retried blindly
    assert len(fake.jobs) == 1
    assert proxy.count("POST", SUBMIT) == 1
    assert proxy.injected == [("reset_before_response", "POST", SUBMIT)]
    # and the user is told clearly (502), or, had the server found out, shown that one job
    assert answer in (502, ("job", *fake.jobs)), answer


async def test_a_retry_with_its_key_after_a_lost_answer_submits_nothing(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    # Given a submission with an Idempotency-Key whose answer is lost after FirecREST took it
    await api(*JOBS)
    proxy.inject("reset_before_response", "POST", SUBMIT)
    key = {"Idempotency-Key": "retry-after-reset"}
    first = await expect_error(api(*JOBS, method="POST", body=ONCE, headers=key), 502)
    assert_clear(first)

    # When the client retries with the same key, as clients do after an error
    retry = await expect_error(api(*JOBS, method="POST", body=ONCE, headers=key), 409)

    # Then nothing is submitted again, and the user is told to look at the job list
    assert "Check the job list" in retry["message"]
    assert len(fake.jobs) == 1
    assert proxy.count("POST", SUBMIT) == 1


async def test_reset_mid_response_of_submit_submits_once(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    await api(*JOBS)
    proxy.inject("reset_mid_response", "POST", SUBMIT, after_bytes=20)

    answer = await submit_answer(api, JOBS, ONCE)

    assert len(fake.jobs) == 1
    assert proxy.count("POST", SUBMIT) == 1
    assert answer in (502, ("job", *fake.jobs)), answer


# -- listing and reading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 503}),
        ("status", {"status": 500}),
        ("reset_mid_response", {"after_bytes": 30}),
        ("truncate", {"after_bytes": 120}),
        ("reset_before_response", {}),
    ],
    ids=["503", "500", "reset", "truncated", "reset-before-answer"],
)
async def test_a_broken_file_listing_is_a_clear_502(
    kind: str, options: dict[str, Any], api: API, proxy: FaultProxy
) -> None:
    await api(*FILES, params={"path": HOME})
    proxy.inject(kind, "GET", LS, times=10, **options)

    body = await expect_error(api(*FILES, params={"path": HOME}), 502)

    assert_clear(body)
    assert proxy.injected[0][:2] == (kind, "GET")
    proxy.clear()
    listing = await api(*FILES, params={"path": HOME})
    assert listing["path"] == HOME


async def test_a_slow_facility_is_a_504(api: API, proxy: FaultProxy) -> None:
    await api(*FILES, params={"path": HOME})
    proxy.inject("latency", "GET", LS, times=10, seconds=TIMEOUT + 2)

    body = await expect_error(api(*FILES, params={"path": HOME}), 504)

    assert body["reason"] == "timeout"
    assert body["message"]
    assert proxy.injected[0][0] == "latency"


async def test_an_unreachable_facility_is_a_502_and_then_fresh_again(
    api: API, proxy: FaultProxy
) -> None:
    await api(*FILES, params={"path": HOME})
    proxy.down = True

    body = await expect_error(api(*FILES, params={"path": HOME}), 502)

    assert_clear(body)
    proxy.down = False
    assert (await api(*FILES, params={"path": HOME}))["path"] == HOME


# -- the job watcher --------------------------------------------------------------------------


@pytest.mark.parametrize("outage", ["503", "unreachable"])
async def test_the_watcher_never_shows_an_outage_as_no_jobs_and_recovers(
    outage: str, api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    # Given one job the user can see
    job = await api(*JOBS, method="POST", body={"script": "#!/bin/bash\necho hi\n"})
    await wait_for(lambda: _lists(api, job["id"]))

    # While every job listing upstream fails, the API answers an error or the last listing
    # marked stale; never a fresh-looking empty list
    if outage == "503":
        proxy.inject("status", "GET", LIST_JOBS, times=10_000, status=503)
    else:
        proxy.down = True
    asked_before = proxy.count("GET", LIST_JOBS)
    seen = await listings_for(api, JOBS, seconds=6)  # several poll intervals of 1 s
    if outage == "503":  # the watcher kept asking during the outage
        assert proxy.count("GET", LIST_JOBS) >= asked_before + 3
    for answer in seen:
        if isinstance(answer, dict):
            assert [j["id"] for j in answer["jobs"]] == [job["id"]], answer
        else:
            assert answer in (502, 503, 504), answer

    # Once FirecREST answers again, the listing is fresh: a change made upstream shows
    proxy.clear()
    fake.finish_job(job["id"])
    await wait_for(lambda: _state_is(api, job["id"], "COMPLETED"))


async def _lists(api: API, job_id: str) -> bool:
    return [j["id"] for j in (await api(*JOBS))["jobs"]] == [job_id]


async def _state_is(api: API, job_id: str, state: str) -> bool:
    jobs = (await api(*JOBS))["jobs"]
    return any(j["id"] == job_id and j["state"] == state for j in jobs)


# -- the token --------------------------------------------------------------------------------


async def test_a_token_that_expires_between_two_calls_is_renewed(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    # Given a first call with a token
    await api(*FILES, params={"path": HOME})
    tokens_before = len(fake.token_requests)

    # When that token expires before the second call
    fake.expire_tokens()
    listing = await api(*FILES, params={"path": HOME})

    # Then the second call gets a new token and succeeds
    assert listing["path"] == HOME
    assert len(fake.token_requests) == tokens_before + 1


async def test_a_token_service_failing_after_expiry_is_a_clear_error(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    await api(*FILES, params={"path": HOME})
    fake.expire_tokens()
    proxy.inject("status", "POST", "/auth/token", times=10, status=503)

    body = await expect_error(api(*FILES, params={"path": HOME}), 502)

    assert body["message"] and "Traceback" not in body["message"]
    assert CLIENT_SECRET not in body["message"]
    proxy.clear()
    assert (await api(*FILES, params={"path": HOME}))["path"] == HOME


# -- uploading --------------------------------------------------------------------------------


async def test_an_upload_cut_off_on_its_way_leaves_the_old_file(
    api: API, fake: FakeFirecrest, proxy: FaultProxy
) -> None:
    # Given a file on the facility
    target = f"{HOME}/data.bin"
    fake.local(target).write_bytes(b"old contents")
    new = bytes(range(256)) * 4096  # 1 MiB: a direct upload (under the staging limit)
    proxy.inject("reset_mid_request", "POST", UPLOAD, after_bytes=300_000)

    # When the upload to FirecREST is cut off half-way
    body = await expect_error(
        api(
            *FILES,
            "content",
            method="PUT",
            body=new,
            params={"path": target},
            headers={"Content-Type": "application/octet-stream"},
        ),
        502,
    )

    # Then the user is told, and the file is the old one, whole
    assert_clear(body)
    assert [kind for kind, _, _ in proxy.injected] == ["reset_mid_request"]
    assert fake.local(target).read_bytes() == b"old contents"
    assert sorted(p.name for p in fake.local(HOME).iterdir()) == ["data.bin"]


async def test_a_facility_down_from_the_start_never_lists_no_jobs(
    api: API, proxy: FaultProxy
) -> None:
    # Given a facility that cannot be reached from the first call on (no listing to fall back on)
    proxy.down = True

    # Then every listing is an error, never a fresh-looking empty list
    answers = await listings_for(api, JOBS, seconds=4)
    assert answers and all(answer in (502, 503, 504) for answer in answers), answers
