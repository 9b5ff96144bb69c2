"""Listing and describing the facilities, all of them at once."""

from __future__ import annotations

import asyncio
from typing import Any

from ..registry import FacilityRegistry


class FacilityService:
    """The configured facilities as the REST API describes them."""

    def __init__(self, registry: FacilityRegistry) -> None:
        self.registry = registry

    async def list(self) -> list[dict[str, Any]]:
        """Every facility, in configuration order, described concurrently.

        A slow facility then delays the listing by its own time only, not by the sum of all.
        """
        described = await asyncio.gather(*map(self.describe, self.registry.names()))
        return list(described)

    async def describe(self, name: str) -> dict[str, Any]:
        """One facility: its systems, what it can do and its credential's state."""
        return (await self.registry.describe(name)).to_dict()
