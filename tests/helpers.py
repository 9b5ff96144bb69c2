"""Shared helpers for tests that drive the real server: errors, jobs, polling, threads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from tornado.httpclient import HTTPClientError

T = TypeVar("T")
API = Callable[..., Awaitable[Any]]
FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"})
JOBS = ("facilities", "local", "jobs")


async def submit(
    api: API, script: str, headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    """POST a batch script to the local facility; return the job as the server answers it."""
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    return await api(*JOBS, method="POST", body={"script": script, **fields}, **kwargs)


async def get_job(api: API, job_id: str) -> Any:
    """GET one job of the local facility."""
    return await api(*JOBS, job_id)


async def wait_for_state(
    api: API, job_id: str, states: Iterable[str], timeout: float = 20.0, step: float = 0.1
) -> Any:
    """Poll a job until its state is one of `states`; fail with its last state after `timeout`."""
    wanted = set(states)
    deadline = time.monotonic() + timeout
    job = await get_job(api, job_id)
    while job["state"] not in wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job['state']} after {timeout}s, not {wanted}")
        if job["state"] in FINAL:
            raise AssertionError(f"job {job_id} ended {job['state']} ({job}), not {wanted}")
        await asyncio.sleep(step)
        job = await get_job(api, job_id)
    return job


async def read_output(api: API, job_id: str, offset: int = 0, stream: str = "stdout") -> Any:
    """GET a job's log from `offset`."""
    return await api(*JOBS, job_id, "output", params={"stream": stream, "offset": str(offset)})


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.1
) -> bool:
    """Poll a condition with short sleeps; True as soon as it holds, False after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def upload_leftovers(directory: Path, name: str) -> list[str]:
    """Temporary upload files of `name` left in `directory`."""
    return sorted(p.name for p in directory.glob(f".{name}.hpc-upload-*"))


def process_alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (exited, not yet reaped) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


async def expect_error(call: Awaitable[Any], status: int) -> dict[str, Any]:
    """Await a request that must fail with `status`; return its JSON error body."""
    with pytest.raises(HTTPClientError) as info:
        await call
    assert info.value.code == status, info.value.response.body if info.value.response else None
    assert info.value.response is not None
    body: dict[str, Any] = json.loads(info.value.response.body)
    assert "Traceback" not in body.get("message", "")
    return body


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a blocking panel method off the event loop that serves the test server."""
    return await asyncio.to_thread(func, *args, **kwargs)
