"""FirecREST v1's status: each system's word from `/status/systems`, and the partitions."""

from __future__ import annotations

from typing import Any

from ....models import Health, Partition, SystemHealth
from ...base import StatusProbe
from .connection import V1Connection
from .failures import translated_v1
from .jobs import V1Jobs

HEALTH = {"available": Health.UP, "unavailable": Health.DOWN}


def system_health(row: dict[str, Any]) -> SystemHealth:
    """One row of v1's `/status/systems`: `available`, or not with FirecREST's description."""
    word = str(row.get("status") or "")
    health = HEALTH.get(word, Health.UNKNOWN)
    said = row.get("description")
    message = None if health is Health.UP else (f"{word}: {said}" if said else word or None)
    return SystemHealth(str(row["system"]), health, message)


class V1Status:
    """The status probes of a FirecREST v1 facility: no reservations, accounts or balances."""

    def __init__(self, connection: V1Connection, jobs: V1Jobs) -> None:
        self.connection = connection
        self.jobs = jobs

    async def systems(self) -> list[SystemHealth]:
        with translated_v1(self.connection.facility):
            rows: Any = await self.connection.client.all_systems()
        return [system_health(row) for row in rows if isinstance(row, dict) and row.get("system")]

    def probes(self, system: str) -> list[StatusProbe]:
        """Systems' words and `system`'s partitions (a compute task of v1.16+)."""

        async def partitions() -> list[Partition]:
            return await self.jobs.partitions(system)

        return [
            StatusProbe("systems", "GET /status/systems", self.systems),
            StatusProbe("partitions", "GET /compute/partitions", partitions),
        ]
