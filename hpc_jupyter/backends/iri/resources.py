"""The facility's resources (`/status/resources`): its compute and storage, by id or name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import NotFound
from .client import IRIClient


@dataclass(frozen=True)
class Resource:
    """One resource as `/status/resources` reports it."""

    id: str
    name: str
    group: str
    type: str
    status: str


def as_resource(raw: dict[str, Any]) -> Resource:
    """One row of `/status/resources`."""
    return Resource(
        id=str(raw.get("id") or ""),
        name=str(raw.get("name") or ""),
        group=str(raw.get("group") or ""),
        type=str(raw.get("resource_type") or "unknown"),
        status=str(raw.get("current_status") or "unknown"),
    )


def find(resources: list[Resource], wanted: str, kind: str) -> Resource:
    """The resource whose id, then name, then group is `wanted` (names ignore case)."""
    lowered = wanted.lower()
    rules: list[Callable[[Resource], bool]] = [
        lambda r: r.id == wanted,
        lambda r: r.name.lower() == lowered,
        lambda r: r.group.lower() == lowered and r.type == kind,
    ]
    for rule in rules:
        found = [r for r in resources if rule(r)]
        if len(found) == 1:
            return found[0]
    known = ", ".join(sorted({f"{r.name} ({r.type})" for r in resources})) or "none"
    raise NotFound(f"The IRI API has no {kind} resource {wanted!r}; it has: {known}.")


class Resources:
    """The compute and storage resources of a facility, looked up once and refreshed on demand."""

    def __init__(self, client: IRIClient) -> None:
        self.client = client
        self._ids: tuple[str, str] | None = None
        self._lock = asyncio.Lock()

    async def all(self) -> list[Resource]:
        """Every resource, with its current status (asked now)."""
        rows = await self.client.paged("GET", "status/resources")
        return [as_resource(row) for row in rows]

    async def pair(self) -> tuple[Resource, Resource]:
        """The configured compute and storage resources, with their current status."""
        settings = self.client.settings
        resources = await self.all()
        compute = find(resources, settings.compute_resource, "compute")
        storage = find(resources, settings.storage_resource, "storage")
        self._ids = (compute.id, storage.id)
        return compute, storage

    async def ids(self) -> tuple[str, str]:
        """The ids of the compute and storage resources (resolved once)."""
        if self._ids is None:
            async with self._lock:
                if self._ids is None:
                    await self.pair()
        assert self._ids is not None
        return self._ids
