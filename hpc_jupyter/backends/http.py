"""Upstream HTTP shared by the facility kinds: capped `Retry-After` waits and bearer-token auth."""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncGenerator
from typing import Protocol

import httpx


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


class TokenSource(Protocol):
    """What `BearerAuth` needs from a token provider."""

    async def token(self) -> str:
        """A bearer token to send now."""
        ...

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it."""
        ...


class BearerAuth(httpx.Auth):
    """Adds the facility's token to requests for its API only, refreshing once on a refusal.

    Requests to other hosts (presigned S3 URLs, say) never get the token. A response that
    `should_refresh` accepts (by default a 401) gets one fresh token and one retry.
    """

    def __init__(self, provider: TokenSource, api_url: str) -> None:
        self.provider = provider
        self.api_url = api_url.rstrip("/") + "/"

    def __repr__(self) -> str:
        return f"<BearerAuth for {self.api_url}>"

    def should_refresh(self, response: httpx.Response) -> bool:
        """True when the answer says the token is no good and a new one is worth a retry."""
        return response.status_code == 401

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not str(request.url).startswith(self.api_url):
            yield request  # never send the token anywhere else
            return
        token = await self.provider.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if not self.should_refresh(response):
            return
        # The token expired or was revoked under us: one fresh token, one retry.
        await response.aread()
        self.provider.invalidate(token)
        token = await self.provider.token()
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
