"""A double's compute nodes: each job it is given run once, in the background, by the test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any


@contextlib.asynccontextmanager
async def compute(
    jobs: Callable[[], Iterable[Any]],
    ready: Callable[[Any], bool],
    run: Callable[[Any], Awaitable[None]],
) -> AsyncIterator[list[str]]:
    """While open, run (`run`) each job of `jobs()` once it is `ready`; the ids run so far.

    The doubles keep jobs but run nothing: a test whose jobs must do their work (the
    executor's calls) plays the facility's nodes with this.
    """
    ran: list[str] = []

    async def work() -> None:
        while True:
            for job in list(jobs()):
                if ready(job) and job.id not in ran:
                    ran.append(job.id)
                    await run(job)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(work())
    try:
        yield ran
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
