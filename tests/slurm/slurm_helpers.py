"""Following Slurm jobs through the REST API in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

API = Callable[..., Awaitable[Any]]
FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"})


async def wait_for_state(
    api: API,
    facility: str,
    job_id: str,
    states: Iterable[str],
    timeout: float = 60.0,
    step: float = 0.5,
) -> Any:
    """Poll GET .../jobs/{id} until the job is in one of `states`."""
    wanted = set(states)
    deadline = time.monotonic() + timeout
    while True:
        job = await api("facilities", facility, "jobs", job_id)
        if job["state"] in wanted:
            return job
        if job["state"] in FINAL:
            raise AssertionError(f"job {job_id} ended {job['state']}, not {wanted}: {job}")
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job['state']} after {timeout}s, not {wanted}")
        await asyncio.sleep(step)


async def submit_and_follow(
    api: API, facility: str, script: str, timeout: float = 60.0
) -> tuple[Any, list[str], str]:
    """Submit, then watch the job in the listing until it ends.

    Returns the final job, the distinct states the listing showed in order, and the log as
    read while the job was RUNNING.
    """
    jobs = ("facilities", facility, "jobs")
    job = await api(*jobs, method="POST", body={"script": script})
    states: list[str] = [job["state"]]
    running_log = ""
    deadline = time.monotonic() + timeout
    while states[-1] not in FINAL:
        assert time.monotonic() < deadline, f"job {job['id']} still {states[-1]}"
        await asyncio.sleep(0.3)
        listing = await api(*jobs)
        current = {j["id"]: j for j in listing["jobs"]}.get(job["id"])
        if current is None:
            continue
        if current["state"] != states[-1]:
            states.append(current["state"])
        if current["state"] == "RUNNING":
            chunk = await api(*jobs, job["id"], "output", params={"stream": "stdout"})
            running_log = chunk["data"] or running_log
    return await api(*jobs, job["id"]), states, running_log
