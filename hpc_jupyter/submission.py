"""Submitting jobs safely: reading a submit request, and never starting the same job twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from .errors import ValidationError
from .models import Job, JobRequest

_TEXT_FIELDS = ("name", "partition", "account", "workdir", "stdout", "stderr")
_KNOWN = frozenset({"script", "nodes", "time_limit", "env", *_TEXT_FIELDS})
MAX_SCRIPT_BYTES = 1024 * 1024


def job_request(body: dict[str, Any]) -> JobRequest:
    """A `JobRequest` from a JSON body, or a `ValidationError` naming the field at fault."""
    unknown = sorted(set(body) - _KNOWN)
    if unknown:
        raise ValidationError(f"Unknown field(s) {', '.join(unknown)}; known: {sorted(_KNOWN)}.")
    script = body.get("script")
    if not isinstance(script, str) or not script.strip():
        raise ValidationError("'script' is required: the text of a batch script.")
    if len(script.encode()) > MAX_SCRIPT_BYTES:
        raise ValidationError("The script is larger than 1 MiB; put data in files instead.")
    text: dict[str, str | None] = {}
    for key in _TEXT_FIELDS:
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not value or "\x00" in value):
            raise ValidationError(f"{key!r} must be a non-empty string.")
        text[key] = value
    env = body.get("env") or {}
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValidationError("'env' must map names to string values.")
    return JobRequest(
        script=script,
        nodes=_positive(body, "nodes"),
        time_limit=_positive(body, "time_limit"),
        env=env,
        **text,
    )


def _positive(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError(f"{key!r} must be a whole number of at least 1.")
    return value


class SubmissionLedger:
    """Remembers submissions by idempotency key, so a retried request returns the same job.

    Two requests with one key share one submission; a failed one is forgotten so it can be
    retried. Keys are kept for `ttl` seconds.
    """

    def __init__(self, ttl: float = 24 * 3600) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, asyncio.Future[Job]]] = {}

    async def submit(
        self, key: tuple[str, str, str | None], start: Callable[[], Awaitable[Job]]
    ) -> Job:
        """Run `start` once per key (every time when the key part is None)."""
        if key[2] is None:
            return await start()
        if len(key[2]) > 200:
            raise ValidationError("The Idempotency-Key header is longer than 200 characters.")
        self._expire()
        entry = self._entries.get(key)
        if entry is None:
            future: asyncio.Future[Job] = asyncio.ensure_future(start())
            self._entries[key] = (time.monotonic(), future)
            future.add_done_callback(lambda f: self._forget_failure(key, f))
        else:
            future = entry[1]
        return await asyncio.shield(future)

    def _forget_failure(self, key: Hashable, future: asyncio.Future[Job]) -> None:
        if future.cancelled() or future.exception() is not None:
            self._entries.pop(key, None)

    def _expire(self) -> None:
        limit = time.monotonic() - self.ttl
        for key in [k for k, (t, _) in self._entries.items() if t < limit]:
            del self._entries[key]
