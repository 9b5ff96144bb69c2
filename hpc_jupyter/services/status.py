"""A facility's status, assembled from its parts and kept a while; the checks before a submit."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from ..backends.base import StatusProbe
from ..errors import CapabilityError, FacilityAuthError, HPCError, UpstreamTimeout
from ..foresight import check
from ..models import (
    Allocation,
    FacilityStatus,
    JobRequest,
    Notice,
    Partition,
    StatusSource,
    SubmitCheck,
    SystemHealth,
)
from ..registry import FacilityRegistry

log = logging.getLogger(__name__)
STATUS_TTL = 60.0
"""Seconds a facility's status is answered from memory: it changes slowly, and some parts
(accounting) are costly for the facility."""
PART_TIMEOUT = 15.0
"""Seconds one part may take; a slower one is reported as failed, the others stand."""


class StatusService:
    """Each facility's status, asked for at most once per `STATUS_TTL` however many ask."""

    def __init__(self, registry: FacilityRegistry, clock: Callable[[], float] = time.time) -> None:
        self.registry = registry
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, FacilityStatus]] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[FacilityStatus]] = {}

    async def status(
        self, facility: str, system: str | None, refresh: bool = False
    ) -> FacilityStatus:
        """The facility's status; `refresh` asks the facility again whatever the cache holds."""
        backend = self.registry.get(facility)
        resolved = await self.registry.resolve_system(facility, system)
        await backend.prepare_status(resolved)
        probes = backend.status_probes(resolved)
        if not probes:
            raise CapabilityError(
                f"Facility {facility!r} does not report its status (systems, maintenance, "
                "allocations)."
            )
        key = (facility, resolved)
        cached = self._cache.get(key)
        if cached is not None and not refresh and self.clock() - cached[0] < STATUS_TTL:
            return cached[1]
        pending = self._pending.get(key)
        if pending is None:  # one round of asking at a time, shared by all who ask meanwhile
            pending = asyncio.ensure_future(self._assemble(facility, resolved, probes))
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        result = await asyncio.shield(pending)
        self._cache[key] = (self.clock(), result)
        return result

    async def _assemble(
        self, facility: str, system: str, probes: list[StatusProbe]
    ) -> FacilityStatus:
        asked_at = self.clock()
        answers = await asyncio.gather(*(self._ask(probe) for probe in probes))
        refusals = [error for _, error in answers if isinstance(error, FacilityAuthError)]
        if len(refusals) == len(answers):  # nothing answered, for want of credentials: log in
            raise refusals[0]
        parts: dict[str, list[object]] = {}
        sources: list[StatusSource] = []
        for probe, (items, error) in zip(probes, answers, strict=True):
            message = None if error is None else error.message
            sources.append(StatusSource(probe.part, probe.source, asked_at, message))
            if error is None:
                parts.setdefault(probe.part, []).extend(items)
        # A part given by two sources is whole only when both answered: failing one leaves it out.
        failed = {source.part for source in sources if source.error is not None}
        status = FacilityStatus(
            facility=facility,
            system=system,
            systems=_part(parts, failed, "systems", SystemHealth),
            notices=_part(parts, failed, "notices", Notice),
            partitions=_part(parts, failed, "partitions", Partition),
            allocations=_part(parts, failed, "allocations", Allocation),
            sources=tuple(sources),
        )
        return with_notices_ahead(status, self.clock())

    async def _ask(self, probe: StatusProbe) -> tuple[list[object], HPCError | None]:
        try:
            items = await asyncio.wait_for(probe.fetch(), PART_TIMEOUT)
        except asyncio.TimeoutError:
            return [], UpstreamTimeout(f"No answer within {PART_TIMEOUT:.0f} s.")
        except HPCError as err:
            log.info("status of %s: %s failed: %s", probe.part, probe.source, err.message)
            return [], err
        return list(items), None  # `_part` keeps each part's own kind of item

    async def check(self, facility: str, system: str | None, request: JobRequest) -> SubmitCheck:
        """What `request` would cost and the warnings before it goes out (never a refusal)."""
        status = await self.status(facility, system)
        return check(status, request, self.clock())


_T = TypeVar("_T")


def _part(
    parts: dict[str, list[object]], failed: set[str], name: str, kind: type[_T]
) -> tuple[_T, ...] | None:
    """One part, None when it failed or when no probe gave it."""
    if name in failed or name not in parts:
        return None
    return tuple(item for item in parts[name] if isinstance(item, kind))


def with_notices_ahead(status: FacilityStatus, now: float) -> FacilityStatus:
    """`status` without notices that have ended by `now`."""
    if status.notices is None:
        return status
    notices = tuple(n for n in status.notices if n.end is None or n.end > now)
    return dataclasses.replace(status, notices=notices)
