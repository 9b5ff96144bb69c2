"""The HTTP side of a FirecREST facility, any API version: one client, one token, retries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from ...auth import ClientCredentials, HubToken
from ...auth.device import DeviceLogin
from ...auth.hub import HubSettings
from ...errors import NotFound
from ..http import BearerAuth, RetryTransport, retrying
from .settings import FirecrestSettings

DEFAULT_DIRECT_LIMIT = 5 * 1024 * 1024
"""FirecREST's default limit of direct transfers: larger files go through staged ones."""


@dataclass(frozen=True)
class SystemInfo:
    """What the facility reports of a system: health, work directory, direct-transfer limit."""

    name: str
    healthy: bool
    default_workdir: str | None
    direct_limit: int
    raw: dict[str, Any]


class FirecrestSession:
    """One HTTP client for the API and its staging area, one token provider, and the systems.

    The clients are created on first use, on the running event loop; `close` drops them, and
    the session can be used again afterwards. Each API version says how to ask for the
    systems (`_ask_systems`); they are asked once.
    """

    def __init__(
        self, facility: str, settings: FirecrestSettings, login: DeviceLogin | None = None
    ) -> None:
        self.facility = facility
        self.settings = settings
        self.login = login
        """The user's login, when the token comes from one: it outlives `close`."""
        self._http: httpx.AsyncClient | None = None
        self._token_http: httpx.AsyncClient | None = None
        self._provider: ClientCredentials | HubToken | DeviceLogin | None = None
        self.inner_transport: httpx.AsyncBaseTransport | None = None
        """What sends the requests: the network, or a test's `httpx.MockTransport`."""
        self._systems: dict[str, SystemInfo] | None = None
        self._systems_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.facility!r} {self.settings.url}>"

    def timeout(self) -> httpx.Timeout:
        """The limit of every network operation of this facility."""
        return httpx.Timeout(self.settings.timeout)

    def _transport(self) -> RetryTransport:
        return retrying(
            self.settings.timeout,
            inner=self.inner_transport,
            verify=self.settings.verify,
            max_retries=self.settings.max_retries,
            max_retry_after=self.settings.max_retry_after,
            name=f"FirecREST ({self.facility})",
        )

    @property
    def provider(self) -> ClientCredentials | HubToken | DeviceLogin:
        """The facility's token provider."""
        if self.login is not None:
            return self.login
        if self._provider is None and isinstance(self.settings.token, HubSettings):
            self._provider = HubToken(self.facility, self.settings.token)
        if self._provider is None:
            settings = self.settings
            assert settings.token_url and settings.client_id and settings.client_secret
            self._token_http = httpx.AsyncClient(
                transport=self._transport(), timeout=self.timeout()
            )
            self._provider = ClientCredentials(
                self.facility,
                settings.token_url,
                settings.client_id,
                settings.client_secret,
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

    async def systems(self) -> dict[str, SystemInfo]:
        """Every system of the facility, asked once."""
        if self._systems is None:
            async with self._systems_lock:
                if self._systems is None:
                    self._systems = await self._ask_systems()
        return self._systems

    async def _ask_systems(self) -> dict[str, SystemInfo]:
        """Ask the API for the systems and their details."""
        raise NotImplementedError

    async def system(self, name: str) -> SystemInfo:
        """One system's details, or `NotFound`."""
        systems = await self.systems()
        if name not in systems:
            raise NotFound(f"Facility {self.facility!r} has no system {name!r}.")
        return systems[name]

    async def close(self) -> None:
        """Close the HTTP clients."""
        for http in (self._http, self._token_http):
            if http is not None:
                await http.aclose()
        self._http = self._token_http = None
        self._provider = None
