"""The job listing's ETag through the real server: 304 while unchanged, a new tag on any change."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from hpc_jupyter.errors import Unavailable
from tests.helpers import JOBS, submit

Fetch = Callable[..., Awaitable[HTTPResponse]]
API = Callable[..., Awaitable[Any]]


@pytest.fixture
def get(hpc_server: Any, jp_fetch: Fetch) -> Callable[..., Awaitable[HTTPResponse]]:
    """GET the local facility's jobs, any status answered (a 304 is not an error here)."""

    async def call(etag: str | None = None, **headers: str) -> HTTPResponse:
        if etag is not None:
            headers["If-None-Match"] = etag
        return await jp_fetch("hpc", "api", *JOBS, headers=headers, raise_error=False)

    return call


async def test_an_unchanged_listing_is_304_with_no_body(get: Any, api: API) -> None:
    # Given a listing with a job in it
    await submit(api, "sleep 30\n")
    first = await get()
    etag = first.headers["ETag"]

    # When a reader sends its tag back, alone, weak, or among others
    again = [await get(tag) for tag in (etag, f"W/{etag}", f'"other", {etag}')]

    # Then each is a 304 with no body, carrying the same tag; browsers must revalidate
    assert first.code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    assert json.loads(first.body)["jobs"]
    for response in again:
        assert (response.code, response.body, response.headers["ETag"]) == (304, b"", etag)


async def test_another_tag_gets_the_listing_itself(get: Any, api: API) -> None:
    await submit(api, "sleep 30\n")
    first = await get()

    other = await get('"not-this-one"')

    assert other.code == 200
    assert other.body == first.body
    assert other.headers["ETag"] == first.headers["ETag"]


async def test_a_submit_and_a_cancel_change_the_tag(get: Any, api: API) -> None:
    # Given a listing and its tag
    job = await submit(api, "sleep 30\n")
    before = await get()

    # When a job is submitted, then one is cancelled
    second = await submit(api, "sleep 30\n")
    after_submit = await get(before.headers["ETag"])
    await api(*JOBS, job["id"], method="DELETE")
    after_cancel = await get(after_submit.headers["ETag"])

    # Then each listing is sent again, with the change and a new tag
    assert after_submit.code == 200
    assert second["id"] in [j["id"] for j in json.loads(after_submit.body)["jobs"]]
    assert after_cancel.code == 200
    states = {j["id"]: j["state"] for j in json.loads(after_cancel.body)["jobs"]}
    assert states[job["id"]] == "CANCELLED"
    tags = {before.headers["ETag"], after_submit.headers["ETag"], after_cancel.headers["ETag"]}
    assert len(tags) == 3


async def test_a_stale_listing_has_a_new_tag_and_an_error_none(
    get: Any, api: API, hpc_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a facility whose listing works once, then fails
    backend = hpc_app.registry.get("local").jobs
    real_list_jobs = backend.list_jobs
    down = True

    async def list_jobs(system: str) -> Any:
        if down:
            raise Unavailable("The facility cannot be reached.")
        return await real_list_jobs(system)

    monkeypatch.setattr(backend, "list_jobs", list_jobs)
    error = await get()
    down = False
    await submit(api, "sleep 30\n")
    fresh = await get()
    down = True

    # When readers holding the fresh listing's tag ask again, until the listing turns stale
    deadline = time.monotonic() + 10
    while (stale := await get(fresh.headers["ETag"])).code == 304:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)

    # Then the stale listing is sent whole, under another tag; the error had no tag at all
    assert error.code == 502
    assert "ETag" not in error.headers
    assert stale.code == 200
    assert json.loads(stale.body)["stale"]["reason"] == "unavailable"
    assert stale.headers["ETag"] != fresh.headers["ETag"]
    assert (await get(stale.headers["ETag"])).code == 304


async def test_a_matching_tag_does_not_pass_for_a_login(get: Any, api: API) -> None:
    await submit(api, "sleep 30\n")
    etag = (await get()).headers["ETag"]

    anonymous = await get(etag, Authorization="")

    assert anonymous.code == 403
