"""Stopping background work within a bound: a server stop never hangs on one facility."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger(__name__)


async def within(step: Awaitable[None], what: str, timeout: float) -> bool:
    """Await `step` for at most `timeout` seconds; True when it finished.

    A step still running then is left to the event loop's end (not cancelled again: a step
    that did not finish after one cancellation would not after a second), and the stacks of
    every unfinished task are logged, so the next hang says where it was.
    """
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if task in done:
        task.result()  # a failure of the step is the caller's to see
        return True
    log.warning("%s did not stop within %.0f s; going on without it", what, timeout)
    current = asyncio.current_task()
    for other in asyncio.all_tasks():
        if other is not current and not other.done():
            log.warning("still running: %s%s", other.get_name(), where(other))
    return False


def where(task: asyncio.Task[Any]) -> str:
    """Where `task` waits: every coroutine of its await chain, innermost last, a line each.

    `Task.get_stack()` shows only the outermost coroutine, which says little (a watcher
    awaiting a listing); the chain ends where it is really stuck.
    """
    lines = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        lines.append(f"\n  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return "".join(lines)
