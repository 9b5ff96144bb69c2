"""What the fault campaign asks and checks the same way on every facility behind the proxy."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPClientError

API = Callable[..., Awaitable[Any]]


def assert_clear(body: dict[str, Any]) -> None:
    """An error a person can act on: a message, a reason, no traceback."""
    assert body["message"]
    assert body["reason"] in {"facility_error", "unavailable", "timeout"}, body
    assert "Traceback" not in body["message"]


async def submit_answer(api: API, jobs: tuple[str, ...], request: dict[str, Any]) -> Any:
    """502 (after checking the error is clear), or ("job", id) for a job the server returned."""
    try:
        job = await api(*jobs, method="POST", body=request)
    except HTTPClientError as error:
        assert error.response is not None
        assert_clear(json.loads(error.response.body))
        return error.code
    return ("job", job["id"])


async def listings_for(api: API, jobs: tuple[str, ...], seconds: float) -> list[Any]:
    """What GET .../jobs answers, every 0.3 s for `seconds`: bodies, or error statuses."""
    answers: list[Any] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answers.append(await api(*jobs))
        except HTTPClientError as error:
            answers.append(error.code)
        await asyncio.sleep(0.3)
    return answers


async def wait_for(
    check: Callable[[], Awaitable[bool]], timeout: float = 30, every: float = 0.2
) -> None:
    """Ask `check` every `every` seconds until it holds; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every)
    raise AssertionError(f"not reached in {timeout}s")
