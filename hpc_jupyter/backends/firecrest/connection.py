"""One facility's connection to FirecREST: the HTTP client, the token, pyfirecrest clients."""

from __future__ import annotations

from typing import Any

from firecrest.v2 import AsyncFirecrest

from .failures import translated
from .session import DEFAULT_DIRECT_LIMIT, FirecrestSession, SystemInfo
from .settings import FirecrestSettings


class _HeadersFromAuth:
    """pyfirecrest's authorization hook: adds nothing, as `BearerAuth` adds the token."""

    async def auth_headers(self) -> dict[str, str]:
        return {}


def system_info(raw: dict[str, Any]) -> SystemInfo:
    """Read one entry of `/status/systems`."""
    health = raw.get("servicesHealth") or []
    healthy = all(bool(service.get("healthy", True)) for service in health)
    workdir = None
    filesystems = raw.get("fileSystems") or []
    for filesystem in filesystems:
        if filesystem.get("defaultWorkDir"):
            workdir = filesystem.get("path")
            break
    if workdir is None and filesystems:
        workdir = filesystems[0].get("path")
    operation = raw.get("dataOperation") or {}
    limit = operation.get("max_ops_file_size") or DEFAULT_DIRECT_LIMIT
    return SystemInfo(
        name=str(raw["name"]),
        healthy=healthy,
        default_workdir=workdir,
        direct_limit=int(limit),
        raw=raw,
    )


class FirecrestConnection(FirecrestSession):
    """A FirecREST v2 facility: its session, systems' details and pyfirecrest clients.

    pyfirecrest decides between direct and staged transfers from a per-client size, so each
    system gets its own `AsyncFirecrest`; they all share one HTTP client and one token.
    """

    def __init__(self, facility: str, settings: FirecrestSettings) -> None:
        super().__init__(facility, settings)
        self._clients: dict[str, AsyncFirecrest] = {}

    def client(self, system: str | None = None) -> AsyncFirecrest:
        """The pyfirecrest client for `system` (or for calls about no system in particular)."""
        key = system or ""
        client = self._clients.get(key)
        if client is None:
            client = AsyncFirecrest(self.settings.url, authorization=_HeadersFromAuth())
            client._session = self.http  # ours: timeouts, retries, the token
            client.timeout = self.timeout()
            client.disable_client_logging = True  # it logs presigned URLs; we log ourselves
            client.num_retries_rate_limit = 0  # RetryTransport waits, with a cap
            if system is not None and self._systems and system in self._systems:
                client.MAX_DIRECT_UPLOAD_SIZE = self._systems[system].direct_limit
            self._clients[key] = client
        return client

    async def _ask_systems(self) -> dict[str, SystemInfo]:
        with translated(self.facility):
            raw = await self.client().systems()
            return {info.name: info for info in map(system_info, raw)}

    async def for_system(self, name: str) -> AsyncFirecrest:
        """The pyfirecrest client of a known system."""
        await self.system(name)
        return self.client(name)

    async def close(self) -> None:
        """Close the HTTP clients; the connection can be used again afterwards."""
        await super().close()
        self._clients.clear()
