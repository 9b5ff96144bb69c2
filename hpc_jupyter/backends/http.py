"""The one upstream HTTP stack of every kind: timeouts, safe retries, token auth, one refresh."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import AsyncGenerator, Callable

import httpx

from ..auth import TokenSource

log = logging.getLogger(__name__)

MAX_RETRIES = 3
"""429s retried per request, unless the facility's settings say otherwise."""
MAX_RETRY_AFTER = 30.0
"""The longest `Retry-After` wait honoured, unless the facility's settings say otherwise."""

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


def retry_after_seconds(value: str | None, default: float, cap: float) -> float:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date), at most `cap`."""
    if value is None:
        return min(default, cap)
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return min(default, cap)
    return max(0.0, min(when - time.time(), cap))


class RetryTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: fills in missing timeouts, retries 429s and reset reused connections.

    A 429 is retried at most `max_retries` times, waiting what `Retry-After` asks but never more
    than `max_retry_after`; a request with a body is re-sent only when that body is bytes in
    memory (a one-shot stream, such as an upload, is never sent twice). APIs close a keep-alive
    connection after an unhandled error; an idempotent request that meets such a dead
    connection is sent again on a new one.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        timeout: float,
        max_retries: int = MAX_RETRIES,
        max_retry_after: float = MAX_RETRY_AFTER,
        name: str = "the facility",
    ) -> None:
        self.inner = inner
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.name = name

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
            log.info("%s asked to slow down; retrying in %.1f s", self.name, wait)
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _replayable(request: httpx.Request) -> bool:
    """True when the body can be sent twice (bytes in memory, not a one-shot stream)."""
    return isinstance(request.stream, httpx.ByteStream)


def retrying(
    timeout: float,
    *,
    inner: httpx.AsyncBaseTransport | None = None,
    verify: bool | str = True,
    max_retries: int = MAX_RETRIES,
    max_retry_after: float = MAX_RETRY_AFTER,
    name: str = "the facility",
) -> RetryTransport:
    """The transport every kind sends through (`inner` replaces the network in tests)."""
    inner = inner or httpx.AsyncHTTPTransport(verify=verify, retries=1)
    return RetryTransport(inner, timeout, max_retries, max_retry_after, name)


class TokenAuth(httpx.Auth):
    """Puts the source's token on requests; one fresh token and one retry when it is refused.

    `refused` is the kind's test of a refusal; a source that cannot give another token
    (`can_refresh` false) gets no retry. Subclasses say where the token goes (`_apply`).
    """

    def __init__(self, source: TokenSource, refused: Callable[[httpx.Response], bool]) -> None:
        self.source = source
        self.refused = refused

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self.source.facility!r}>"

    def _applies(self, request: httpx.Request) -> bool:
        return True

    def _apply(self, request: httpx.Request, token: str) -> None:
        raise NotImplementedError

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._applies(request):
            yield request  # never send the token anywhere else
            return
        token = await self.source.token()
        self._apply(request, token)
        response = yield request
        if response.status_code < 400 or not self.source.can_refresh:
            return
        await response.aread()  # a refusal may only show in the body (slurmrestd's 500s)
        if not self.refused(response):
            return
        # The token expired or was revoked under us: one fresh token, one retry.
        log.info("facility %r refused the token; getting a new one", self.source.facility)
        self.source.invalidate(token)
        token = await self.source.token()
        self._apply(request, token)
        yield request


def _unauthorized(response: httpx.Response) -> bool:
    return response.status_code == 401


class BearerAuth(TokenAuth):
    """`Authorization: Bearer …` on requests for the API's own URL only (never to presigned
    S3 URLs or any other host); by default a 401 is a refusal."""

    def __init__(
        self,
        source: TokenSource,
        api_url: str,
        refused: Callable[[httpx.Response], bool] = _unauthorized,
    ) -> None:
        super().__init__(source, refused)
        self.api_url = api_url.rstrip("/") + "/"

    def __repr__(self) -> str:
        return f"<BearerAuth for {self.api_url}>"

    def _applies(self, request: httpx.Request) -> bool:
        return str(request.url).startswith(self.api_url)

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"


class SlurmAuth(TokenAuth):
    """slurmrestd's `X-SLURM-USER-NAME` and `X-SLURM-USER-TOKEN` headers."""

    def __init__(
        self, source: TokenSource, user: str, refused: Callable[[httpx.Response], bool]
    ) -> None:
        super().__init__(source, refused)
        self.user = user

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["X-SLURM-USER-NAME"] = self.user
        request.headers["X-SLURM-USER-TOKEN"] = token
