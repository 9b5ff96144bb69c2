"""The named facilities of this server, built once from configuration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .backends.base import BackendContext, ConfigError, FacilityBackend
from .errors import FacilityAuthError, HPCError, Misconfigured, NotFound, ValidationError
from .models import AuthState, AuthStatus, FacilityInfo, System

log = logging.getLogger(__name__)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_FACILITIES: dict[str, dict[str, Any]] = {"local": {"kind": "local"}}
MISCONFIGURED_POLL_INTERVAL = 30.0
"""What a misconfigured facility shows as its poll interval (nothing polls it)."""
SYSTEMS_TTL = 60.0
"""Seconds a facility's systems are described from memory before it is asked again: their
`status` is health, which a server running for days must not show frozen."""


@dataclass(frozen=True)
class Misconfiguration:
    """A configured facility that could not be built: its kind as written, and why not."""

    kind: str
    problem: str
    """The `ConfigError` text: names the facility and the key, never a secret."""

    def user_message(self) -> str:
        """What a user reads: the mistake, and that the server's configuration must change."""
        return (
            f"This facility is misconfigured: {self.problem.rstrip('.')}. "
            "Fix the server's configuration (jupyter_server_config) and restart the server."
        )

    def describe(self, name: str) -> FacilityInfo:
        """The facility as the REST API lists it: no systems, no capabilities."""
        return FacilityInfo(
            name=name,
            kind=self.kind or "unknown",
            default_system=None,
            auth=AuthState(AuthStatus.MISCONFIGURED, self.user_message()),
            poll_interval=MISCONFIGURED_POLL_INTERVAL,
        )


class FacilityRegistry:
    """Facilities by name; each a `FacilityBackend` built from `{"kind": ..., **options}`."""

    def __init__(
        self,
        facilities: Mapping[str, FacilityBackend],
        intervals: Mapping[str, float],
        misconfigured: Mapping[str, Misconfiguration] | None = None,
        order: list[str] | None = None,
        systems_ttl: float = SYSTEMS_TTL,
        clock: Callable[[], float] = time.monotonic,
        pythons: Mapping[str, str | None] | None = None,
    ) -> None:
        self._facilities = dict(facilities)
        self.intervals = dict(intervals)
        """Seconds between two job listings, by facility (working facilities only)."""
        self.pythons = dict(pythons or {})
        """The command running Python in jobs, by facility (None: the kernel's own); a
        facility not named here uses its kind's `default_python`."""
        self.misconfigured = dict(misconfigured or {})
        """The facilities whose configuration is wrong, by name: listed, never used."""
        self._order = order if order is not None else [*self._facilities, *self.misconfigured]
        self._systems: dict[str, tuple[float, list[System]]] = {}
        self._systems_ttl = systems_ttl
        self._clock = clock
        self._asking: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Mapping[str, Any]],
        kinds: Mapping[str, type[FacilityBackend]],
        root_dir: Path,
        data_dir: Path,
    ) -> FacilityRegistry:
        """Build every facility of `config`; one with a mistake is kept as misconfigured.

        A mistake is logged once, as an error naming the facility and the key; the other
        facilities work (under JupyterHub, one typo must not take the user's whole Lab down).
        """
        facilities: dict[str, FacilityBackend] = {}
        intervals: dict[str, float] = {}
        pythons: dict[str, str | None] = {}
        broken: dict[str, Misconfiguration] = {}
        for name, entry in (config or DEFAULT_FACILITIES).items():
            try:
                built = _build(name, entry, kinds, root_dir, data_dir)
                facilities[name], intervals[name], pythons[name] = built
                continue
            except ConfigError as err:
                problem, logged = str(err), False
            except Exception as err:  # a third-party kind's bug must not stop the server either
                log.exception("facility %r could not be set up", name)
                problem, logged = (
                    f"facility {name!r} could not be set up ({type(err).__name__})",
                    True,
                )
            if not (isinstance(name, str) and NAME_PATTERN.match(name)):
                # No route can name it, so it cannot be listed; the log is the only place to say.
                log.error("%s; this facility is left out", problem)
                continue
            if not logged:
                log.error("%s; the facility is shown as misconfigured until this is fixed", problem)
            kind = entry.get("kind") if isinstance(entry, Mapping) else None
            shown = kind[:64] if isinstance(kind, str) else ""
            broken[name] = Misconfiguration(shown, problem)
        order = [
            name for name in (config or DEFAULT_FACILITIES) if name in facilities or name in broken
        ]
        return cls(facilities, intervals, broken, order, pythons=pythons)

    def names(self) -> list[str]:
        """Facility names in configuration order, misconfigured ones included."""
        return list(self._order)

    def get(self, name: str) -> FacilityBackend:
        """The facility called `name`, or `NotFound`, or `Misconfigured` naming the mistake."""
        try:
            return self._facilities[name]
        except KeyError:
            pass
        if name in self.misconfigured:
            raise Misconfigured(self.misconfigured[name].user_message(), facility=name)
        raise NotFound(
            f"No facility {name[:64]!r}; configured: {', '.join(self._order) or 'none'}."
        )

    async def describe(self, name: str) -> FacilityInfo:
        """A facility as the REST API shows it: never a credential."""
        if name in self.misconfigured:
            return self.misconfigured[name].describe(name)
        facility = self.get(name)
        # A facility that cannot be reached or refuses its credentials is still described,
        # with what went wrong, so that one broken facility never hides the others.
        systems: list[System] = []
        default: str | None = None
        try:
            systems = await self.systems(name)
            default = await self.resolve_system(name, None)
            auth = await facility.auth_state()
        except FacilityAuthError as err:
            auth = AuthState(
                AuthStatus.EXPIRED if err.login_helps else AuthStatus.ERROR, err.message
            )
        except HPCError as err:
            auth = AuthState(AuthStatus.ERROR, err.message)
        return FacilityInfo(
            name=name,
            kind=facility.kind,
            default_system=default,
            systems=tuple(systems),
            capabilities=facility.capabilities,
            auth=auth,
            poll_interval=self.intervals[name],
            python=self.pythons.get(name, facility.default_python),
        )

    async def systems(self, name: str) -> list[System]:
        """A facility's systems, asked again once those remembered are `SYSTEMS_TTL` old.

        A failed refresh raises (`describe` then shows the facility's error, as for one never
        reached) but keeps the systems remembered: their names still route requests.
        """
        facility = self.get(name)
        if name not in self._asking:
            self._asking[name] = asyncio.Lock()
        async with self._asking[name]:  # concurrent callers share one question to the facility
            remembered = self._systems.get(name)
            if remembered is not None and self._clock() - remembered[0] < self._systems_ttl:
                return remembered[1]
            systems = await facility.systems()
            self._systems[name] = (self._clock(), systems)
            return systems

    async def _system_names(self, name: str) -> list[System]:
        """The systems to route by: those remembered, however old (names do not go stale)."""
        remembered = self._systems.get(name)
        if remembered is not None:
            self.get(name)  # still configured and started
            return remembered[1]
        return await self.systems(name)

    async def resolve_system(self, name: str, system: str | None) -> str:
        """The system to use: the one asked for (checked), or the facility's default."""
        systems = await self._system_names(name)
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
        """Start every facility's background work; one that cannot start is set aside.

        It is then listed as misconfigured, with what failed, and the others start as usual.
        """
        for name, facility in list(self._facilities.items()):
            try:
                await facility.start()
            except Exception as err:  # one facility must not keep the others from starting
                log.exception("facility %r could not start", name)
                del self._facilities[name]
                self.intervals.pop(name, None)
                problem = f"facility {name!r} could not start ({type(err).__name__})"
                self.misconfigured[name] = Misconfiguration(facility.kind, problem)
                with contextlib.suppress(Exception):  # already logged; stop what did start
                    await facility.close()

    async def close(self) -> None:
        """Stop every facility, even when one fails to stop."""
        results = await asyncio.gather(
            *(facility.close() for facility in self._facilities.values()), return_exceptions=True
        )
        for facility, result in zip(self._facilities.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.warning("facility %r did not close cleanly: %s", facility, result)


def _build(
    name: Any,
    entry: Any,
    kinds: Mapping[str, type[FacilityBackend]],
    root_dir: Path,
    data_dir: Path,
) -> tuple[FacilityBackend, float, str | None]:
    """One facility, its poll interval and Python command from its configuration, or
    `ConfigError`."""
    if not (isinstance(name, str) and NAME_PATTERN.match(name)):
        raise ConfigError(str(name)[:64], "name", "use letters, digits, '-' and '_' (64 at most)")
    if not isinstance(entry, Mapping):
        raise ConfigError(name, "kind", "each facility must be a dict with a 'kind'")
    options = dict(entry)
    kind = options.pop("kind", None)
    if not isinstance(kind, str) or kind not in kinds:
        shown = repr(kind)[:40]
        raise ConfigError(name, "kind", f"unknown kind {shown}; known: {sorted(kinds)}")
    interval = options.pop("poll_interval", kinds[kind].default_poll_interval)
    number = isinstance(interval, (int, float)) and not isinstance(interval, bool)
    if not number or interval < 0.1:
        raise ConfigError(name, "poll_interval", "must be a number of seconds, 0.1 or more")
    python = options.pop("python", kinds[kind].default_python)
    if python is not None and not (isinstance(python, str) and python.strip()):
        raise ConfigError(name, "python", "must be a command, e.g. 'python3' or a full path")
    if python is not None and ("\n" in python or "\0" in python):
        raise ConfigError(name, "python", "must be a command on one line")
    context = BackendContext(root_dir=root_dir, data_dir=data_dir / name)
    return kinds[kind].create(name, options, context), float(interval), python
