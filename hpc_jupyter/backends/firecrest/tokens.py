"""One OIDC client-credentials token per facility: cached, refreshed early, never shown."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from ...errors import FacilityAuthError, Unavailable, UpstreamTimeout
from ..credentials import SecretSource

log = logging.getLogger(__name__)

REFRESH_MARGIN = 60.0
"""Seconds before expiry a token is replaced: FirecREST refuses tokens with under 30 s left."""


class ClientCredentialsProvider:
    """Gets an access token with the client-credentials grant and shares it between requests.

    Concurrent callers wait on one refresh; a token is renewed `REFRESH_MARGIN` seconds before
    it expires, or at once after the API refused it (`invalidate`).
    """

    def __init__(
        self,
        facility: str,
        token_url: str,
        client_id: str,
        client_secret: SecretSource,
        http: httpx.AsyncClient,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self.facility = facility
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._http = http
        self.margin = margin
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.refreshes = 0
        """How many tokens were fetched (for tests and diagnostics)."""

    def __repr__(self) -> str:
        state = "valid" if self.valid else "none"
        return f"<ClientCredentialsProvider {self.facility!r} client_id={self.client_id!r} {state}>"

    @property
    def valid(self) -> bool:
        """True while the cached token has more than the margin left."""
        return self._token is not None and time.monotonic() < self._expires - self.margin

    async def token(self) -> str:
        """A bearer token with at least `margin` seconds of life left."""
        if self.valid:
            assert self._token is not None
            return self._token
        async with self._lock:
            if not self.valid:  # another caller may have refreshed while we waited
                await self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it (only if it is still the current one)."""
        if token == self._token:
            self._token = None

    async def _fetch(self) -> None:
        try:
            secret = await self._secret.read()  # read each time: a rotated secret is picked up
        except FacilityAuthError as err:
            raise FacilityAuthError(
                f"Facility {self.facility!r} has no usable client_secret: {err.message}",
                facility=self.facility,
            ) from None
        data = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": secret,
        }
        try:
            response = await self._http.post(self.token_url, data=data)
        except httpx.TimeoutException:
            raise UpstreamTimeout(
                f"The token service of facility {self.facility!r} did not answer in time.",
                facility=self.facility,
            ) from None
        except httpx.TransportError:
            raise Unavailable(
                f"The token service of facility {self.facility!r} cannot be reached.",
                facility=self.facility,
            ) from None
        if response.status_code in (400, 401, 403):
            raise FacilityAuthError(
                f"The token service of facility {self.facility!r} refused the client "
                "credentials: check your client credentials (client_id and client_secret).",
                facility=self.facility,
                upstream_status=response.status_code,
            )
        if response.status_code != 200:
            raise Unavailable(
                f"The token service of facility {self.facility!r} failed "
                f"(HTTP {response.status_code}).",
                facility=self.facility,
                upstream_status=response.status_code,
            )
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise Unavailable(
                f"The token service of facility {self.facility!r} gave no usable token.",
                facility=self.facility,
            ) from None
        if not isinstance(token, str) or not token:
            raise Unavailable(
                f"The token service of facility {self.facility!r} gave no usable token.",
                facility=self.facility,
            )
        self._token = token
        self._expires = time.monotonic() + lifetime
        self.refreshes += 1
        log.debug("new token for facility %r, valid %.0f s", self.facility, lifetime)
