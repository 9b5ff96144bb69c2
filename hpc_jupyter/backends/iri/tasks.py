"""The IRI API's asynchronous tasks: every filesystem call returns one; poll it with backoff."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import quote

from ...errors import FacilityError, UpstreamTimeout
from ..failures import clean_message
from .client import IRIClient
from .failures import from_task_output

log = logging.getLogger(__name__)

FIRST_DELAY = 0.1
MAX_DELAY = 2.0
_RUNNING = frozenset({"pending", "active", "new", "queued"})


def _task_id(answer: Any, facility: str) -> str:
    task_id = answer.get("task_id") if isinstance(answer, dict) else None
    if not isinstance(task_id, str) or not task_id:
        raise FacilityError(
            f"The IRI API of facility {facility!r} started no task.", facility=facility
        )
    return task_id


async def run_task(
    client: IRIClient,
    method: str,
    path: str,
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    **kwargs: Any,
) -> Any:
    """Start a filesystem operation and wait for its task; its `result.output`, or an error.

    The task is read at `/task/{id}` of our own API URL (not the `task_uri` the answer gives,
    so the token never goes to another host); waits double from `first_delay` up to
    `max_delay`, for `task_timeout` seconds in all.
    """
    facility = client.facility
    task_id = _task_id(await client.json(method, path, **kwargs), facility)
    deadline = time.monotonic() + client.settings.task_timeout
    delay = first_delay
    while True:
        task = await client.json("GET", f"task/{quote(task_id, safe='')}")
        status = task.get("status") if isinstance(task, dict) else None
        result = task.get("result") if isinstance(task, dict) else None
        output = result.get("output") if isinstance(result, dict) else None
        if status == "completed":
            return output
        if status == "failed":
            raise from_task_output(facility, task_id, output)
        if status == "canceled":
            raise FacilityError(
                f"The IRI API of facility {facility!r} cancelled task {task_id}.",
                facility=facility,
            )
        if status not in _RUNNING:
            raise FacilityError(
                f"The IRI API of facility {facility!r}: task {task_id} is in an unknown state "
                f"{clean_message(str(status))!r}.",
                facility=facility,
            )
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(
                f"The IRI API of facility {facility!r}: task {task_id} did not finish within "
                f"{client.settings.task_timeout:.0f} s.",
                facility=facility,
            )
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 2, max_delay)
