"""A FirecREST v1 facility's connection: pyfirecrest's v1 client, systems, limits, task waits."""

from __future__ import annotations

import logging
import posixpath
from typing import Any

from firecrest import FirecrestException
from firecrest.v1 import AsyncFirecrest
from packaging.version import InvalidVersion

from ....errors import HPCError
from ..session import DEFAULT_DIRECT_LIMIT, FirecrestSession, SystemInfo
from ..settings import FirecrestSettings
from .failures import translated_v1

log = logging.getLogger(__name__)

UNSTATED_VERSION = "1.16.0"
"""The version taken for a v1 deployment whose parameters do not say theirs: pyfirecrest would
take 1.15 and refuse what came in 1.16 (partitions); a server without it answers 404 instead."""

TASK_WAITS = [0.05, 0.1, 0.2, 0.4, 0.8] + [1.0] * 300
"""Seconds between looks at a FirecREST task (sbatch, squeue, scancel): about 5 minutes in all."""


class _TokenSetPerRequest:
    """pyfirecrest v1 asks for a token synchronously; `BearerAuth` replaces what this gives."""

    def get_access_token(self) -> str:
        return "set-per-request"


class V1Connection(FirecrestSession):
    """One pyfirecrest v1 client on the facility's session, and what the API says of systems."""

    def __init__(self, facility: str, settings: FirecrestSettings) -> None:
        super().__init__(facility, settings)
        self._client: AsyncFirecrest | None = None
        self.mounts: dict[str, list[str]] = {}
        """Each system's filesystems (their mount points), known once `systems()` answered."""

    @property
    def client(self) -> AsyncFirecrest:
        """pyfirecrest's v1 client, sending through our HTTP client (token, timeouts, retries)."""
        if self._client is None:
            client = AsyncFirecrest(self.settings.url, authorization=_TokenSetPerRequest())
            client._session = self.http  # ours: timeouts, retries, the token
            client.timeout = self.timeout()
            client.disable_client_logging = True  # it logs presigned URLs; we log ourselves
            client.num_retries_rate_limit = 0  # RetryTransport waits, with a cap
            client.time_between_calls = {service: 0.0 for service in client.time_between_calls}
            client.polling_sleep_times = list(TASK_WAITS)
            self._client = client
        return self._client

    async def _ask_systems(self) -> dict[str, SystemInfo]:
        """Status, filesystems and the direct limit, from v1's status service."""
        client = self.client
        with translated_v1(self.facility):
            try:
                parameters: Any = await client.parameters()
            except InvalidVersion:  # v1's image says "not defined" unless its build sets it
                client.set_api_version(UNSTATED_VERSION)
                parameters = await client.parameters()
            if not _states_version(parameters):
                client.set_api_version(UNSTATED_VERSION)
            rows: Any = await client.all_systems()
        limit = direct_limit(parameters)
        mounts = self.mounts = await self._filesystems(parameters)
        systems: dict[str, SystemInfo] = {}
        for row in rows:
            name = str(row["system"])
            healthy = row.get("status") == "available"
            paths = mounts.get(name, [])
            home = await self._home(name, paths) if healthy else (paths[0] if paths else None)
            systems[name] = SystemInfo(
                name=name, healthy=healthy, default_workdir=home, direct_limit=limit, raw=row
            )
        return systems

    async def _filesystems(self, parameters: dict[str, Any]) -> dict[str, list[str]]:
        """Each system's filesystem paths: `/status/filesystems` (v1.15+), else the parameters."""
        try:
            with translated_v1(self.facility):
                found: dict[str, list[dict[str, Any]]] = await self.client.filesystems()
            return {
                system: [str(fs["path"]) for fs in rows if fs.get("path")]
                for system, rows in found.items()
                if isinstance(rows, list)
            }
        except HPCError:
            pass
        mounts: dict[str, list[str]] = {}
        for entry in parameters.get("storage") or []:
            if isinstance(entry, dict) and entry.get("name") == "FILESYSTEMS":
                for item in entry.get("value") or []:
                    mounts[str(item.get("system"))] = [str(p) for p in item.get("mounted") or []]
        return mounts

    async def _home(self, system: str, paths: list[str]) -> str | None:
        """The user's directory in the first filesystem that has one, else its mount point.

        FirecREST v1 reports filesystems (`/home`, `/scratch`), not the user's directory in
        them; `whoami` names the user and a `stat` says whether `/home/<user>` exists.
        """
        if not paths:
            return None
        try:
            with translated_v1(self.facility):
                user = await self.client.whoami(system)
                for path in paths:
                    candidate = posixpath.join(path, str(user))
                    try:
                        await self.client.stat(system, candidate)
                    except FirecrestException:  # not there, or not the user's: try the next
                        continue
                    return candidate
        except HPCError as err:
            log.debug("no home directory found on %s (%s)", system, type(err))
        return paths[0]

    async def close(self) -> None:
        """Close the HTTP clients; the connection can be used again afterwards."""
        await super().close()
        self._client = None


def _states_version(parameters: dict[str, Any]) -> bool:
    """True when `/status/parameters` names the deployment's FirecREST version."""
    general = parameters.get("general") or []
    return any(
        isinstance(entry, dict) and entry.get("name") == "FIRECREST_VERSION" and entry.get("value")
        for entry in general
    )


def direct_limit(parameters: dict[str, Any]) -> int:
    """`UTILITIES_MAX_FILE_SIZE` (in MB) of `/status/parameters`, in bytes."""
    for entry in parameters.get("utilities") or []:
        if isinstance(entry, dict) and entry.get("name") == "UTILITIES_MAX_FILE_SIZE":
            try:
                megabytes = float(entry.get("value"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                break
            unit = str(entry.get("unit") or "MB").upper()
            scale = 1024 * 1024 if unit in ("MB", "MIB", "") else 1
            return int(megabytes * scale)
    return DEFAULT_DIRECT_LIMIT
