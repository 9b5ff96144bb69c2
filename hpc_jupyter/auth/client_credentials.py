"""An OIDC client-credentials token (FirecREST's): fetched from the token service, never shown."""

from __future__ import annotations

import logging

import httpx

from ..errors import FacilityAuthError, Unavailable
from .base import CachedToken, Token
from .reaching import reaching
from .secrets import SecretSource

log = logging.getLogger(__name__)


class ClientCredentials(CachedToken):
    """An access token from the client-credentials grant, shared by every request."""

    def __init__(
        self,
        facility: str,
        token_url: str,
        client_id: str,
        client_secret: SecretSource,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(facility)
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._http = http

    def __repr__(self) -> str:
        return f"<ClientCredentials {self.facility!r} client_id={self.client_id!r}>"

    def refused_message(self) -> str:
        return "Check your client credentials."

    async def _fetch(self) -> Token:
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
        where = f"The token service of facility {self.facility!r}"
        with reaching(where, facility=self.facility):
            response = await self._http.post(self.token_url, data=data)
        status = response.status_code
        if status in (400, 401, 403):
            raise FacilityAuthError(
                f"{where} refused the client credentials: check your client credentials "
                "(client_id and client_secret).",
                facility=self.facility,
                upstream_status=status,
            )
        if status != 200:
            raise Unavailable(
                f"{where} failed (HTTP {status}).", facility=self.facility, upstream_status=status
            )
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            token = None
        if not isinstance(token, str) or not token:
            raise Unavailable(f"{where} gave no usable token.", facility=self.facility)
        log.debug("new token for facility %r, valid %.0f s", self.facility, lifetime)
        return Token(token, self.clock() + lifetime)
