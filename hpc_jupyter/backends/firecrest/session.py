"""The HTTP side of a FirecREST facility, any API version: one client, one token, retries."""

from __future__ import annotations

import httpx

from ..http import BearerAuth
from .settings import FirecrestSettings
from .tokens import ClientCredentialsProvider
from .transport import RetryTransport


class FirecrestSession:
    """One HTTP client for the API and its staging area, and one token provider, per facility.

    Both are created on first use, on the running event loop; `close` drops them, and the
    session can be used again afterwards.
    """

    def __init__(self, facility: str, settings: FirecrestSettings) -> None:
        self.facility = facility
        self.settings = settings
        self._http: httpx.AsyncClient | None = None
        self._token_http: httpx.AsyncClient | None = None
        self._provider: ClientCredentialsProvider | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.facility!r} {self.settings.url}>"

    def timeout(self) -> httpx.Timeout:
        """The limit of every network operation of this facility."""
        return httpx.Timeout(self.settings.timeout)

    def _transport(self) -> RetryTransport:
        inner = httpx.AsyncHTTPTransport(verify=self.settings.verify, retries=1)
        return RetryTransport(
            inner,
            timeout=self.settings.timeout,
            max_retries=self.settings.max_retries,
            max_retry_after=self.settings.max_retry_after,
        )

    @property
    def provider(self) -> ClientCredentialsProvider:
        """The facility's token provider."""
        if self._provider is None:
            self._token_http = httpx.AsyncClient(
                transport=self._transport(), timeout=self.timeout()
            )
            self._provider = ClientCredentialsProvider(
                self.facility,
                self.settings.token_url,
                self.settings.client_id,
                self.settings.client_secret,
                self._token_http,
            )
        return self._provider

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client for FirecREST and its staging area; adds the token to API calls only."""
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=self._transport(),
                timeout=self.timeout(),
                auth=BearerAuth(self.provider, self.settings.url),
            )
        return self._http

    async def close(self) -> None:
        """Close the HTTP clients."""
        for http in (self._http, self._token_http):
            if http is not None:
                await http.aclose()
        self._http = self._token_http = None
        self._provider = None
