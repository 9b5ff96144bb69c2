"""The HTTP transport of a FirecREST facility: timeouts on every call, bounded retries."""

from __future__ import annotations

import asyncio
import logging

import httpx

from ..http import retry_after_seconds

log = logging.getLogger(__name__)

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class RetryTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: fills in missing timeouts, retries 429s and reset reused connections.

    A 429 is retried at most `max_retries` times, waiting what `Retry-After` asks but never more
    than `max_retry_after`. FirecREST closes a keep-alive connection after an unhandled error;
    an idempotent request that meets such a dead connection is sent again on a new one.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        timeout: float,
        max_retries: int,
        max_retry_after: float,
    ) -> None:
        self.inner = inner
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # pyfirecrest passes timeout=None (no limit) on some calls; every call gets ours.
        limits = dict(request.extensions.get("timeout") or {})
        for phase in ("connect", "read", "write", "pool"):
            if limits.get(phase) is None:
                limits[phase] = self.timeout
        request.extensions["timeout"] = limits
        resets = 0
        limited = 0
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                if request.method not in _IDEMPOTENT or resets >= 1:
                    raise
                resets += 1
                log.debug("connection reset, sending %s again", request.method)
                continue
            if response.status_code != 429 or limited >= self.max_retries:
                return response
            if request.method not in _IDEMPOTENT and not _replayable(request):
                return response
            limited += 1
            wait = retry_after_seconds(
                response.headers.get("Retry-After"), 2.0**limited, self.max_retry_after
            )
            await response.aclose()
            log.info("FirecREST asked to slow down; retrying in %.1f s", wait)
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _replayable(request: httpx.Request) -> bool:
    """True when the body can be sent twice (bytes in memory, not a one-shot stream)."""
    return isinstance(request.stream, httpx.ByteStream)
