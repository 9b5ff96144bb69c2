"""The named facilities of this server, built once from configuration."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .backends.base import BackendContext, ConfigError, FacilityBackend
from .errors import FacilityAuthError, HPCError, NotFound, ValidationError
from .models import System

log = logging.getLogger(__name__)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_FACILITIES: dict[str, dict[str, Any]] = {"local": {"kind": "local"}}


class FacilityRegistry:
    """Facilities by name; each a `FacilityBackend` built from `{"kind": ..., **options}`."""

    def __init__(
        self, facilities: Mapping[str, FacilityBackend], intervals: Mapping[str, float]
    ) -> None:
        self._facilities = dict(facilities)
        self.intervals = dict(intervals)
        """Seconds between two job listings, by facility."""
        self._systems: dict[str, list[System]] = {}

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Mapping[str, Any]],
        kinds: Mapping[str, type[FacilityBackend]],
        root_dir: Path,
        data_dir: Path,
    ) -> FacilityRegistry:
        """Build every facility of `config`; `ConfigError` names the facility and key at fault."""
        facilities: dict[str, FacilityBackend] = {}
        intervals: dict[str, float] = {}
        for name, entry in (config or DEFAULT_FACILITIES).items():
            if not NAME_PATTERN.match(name):
                raise ConfigError(name, "name", "use letters, digits, '-' and '_' (64 at most)")
            if not isinstance(entry, Mapping):
                raise ConfigError(name, "kind", "each facility must be a dict with a 'kind'")
            options = dict(entry)
            kind = options.pop("kind", None)
            if kind not in kinds:
                raise ConfigError(name, "kind", f"unknown kind {kind!r}; known: {sorted(kinds)}")
            interval = options.pop("poll_interval", kinds[kind].default_poll_interval)
            number = isinstance(interval, (int, float)) and not isinstance(interval, bool)
            if not number or interval < 0.1:
                raise ConfigError(name, "poll_interval", "must be a number of seconds, 0.1 or more")
            intervals[name] = float(interval)
            context = BackendContext(root_dir=root_dir, data_dir=data_dir / name)
            facilities[name] = kinds[kind].create(name, options, context)
        return cls(facilities, intervals)

    def names(self) -> list[str]:
        """Facility names in configuration order."""
        return list(self._facilities)

    def get(self, name: str) -> FacilityBackend:
        """The facility called `name`, or `NotFound`."""
        try:
            return self._facilities[name]
        except KeyError:
            raise NotFound(
                f"No facility {name!r}; configured: {', '.join(self._facilities) or 'none'}."
            ) from None

    async def describe(self, name: str) -> dict[str, Any]:
        """A facility as the REST API shows it: never a credential."""
        facility = self.get(name)
        # A facility that cannot be reached or refuses its credentials is still described,
        # with what went wrong, so that one broken facility never hides the others.
        systems: list[System] = []
        default: str | None = None
        try:
            systems = await self.systems(name)
            default = await self.resolve_system(name, None)
            status = await facility.auth_status()
            message = facility.auth_message(status)
        except FacilityAuthError as err:
            status, message = "expired", err.message
        except HPCError as err:
            status, message = "error", err.message
        return {
            "name": name,
            "kind": facility.kind,
            "default_system": default,
            "systems": [system.to_dict() for system in systems],
            "capabilities": sorted(cap.value for cap in facility.capabilities),
            "auth": {"status": status, "message": message},
            "poll_interval": self.intervals[name],
        }

    async def systems(self, name: str) -> list[System]:
        """A facility's systems, asked once and then remembered."""
        if name not in self._systems:
            self._systems[name] = await self.get(name).systems()
        return self._systems[name]

    async def resolve_system(self, name: str, system: str | None) -> str:
        """The system to use: the one asked for (checked), or the facility's default."""
        systems = await self.systems(name)
        if system is None or system == "":
            for candidate in systems:
                if candidate.default:
                    return candidate.name
            if systems:
                return systems[0].name
            raise NotFound(f"Facility {name!r} reports no systems.")
        if len(system) > 128:
            raise ValidationError("The system name is too long.")
        if not any(candidate.name == system for candidate in systems):
            known = ", ".join(s.name for s in systems)
            raise NotFound(f"Facility {name!r} has no system {system!r}; it has: {known}.")
        return system

    async def start(self) -> None:
        """Start every facility's background work."""
        for facility in self._facilities.values():
            await facility.start()

    async def close(self) -> None:
        """Stop every facility, even when one fails to stop."""
        results = await asyncio.gather(
            *(facility.close() for facility in self._facilities.values()), return_exceptions=True
        )
        for facility, result in zip(self._facilities.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.warning("hpc-jupyter: facility %r did not close cleanly: %s", facility, result)
