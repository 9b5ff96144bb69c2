"""FirecREST v2's status calls: systems' health, reservations, partitions and accounts."""

from __future__ import annotations

from typing import Any

from ...errors import FacilityError
from ...models import Allocation, Health, Notice, NoticeKind, Partition, SystemHealth
from ..base import StatusProbe
from ..stamps import unix_seconds
from .connection import FirecrestConnection
from .failures import from_response, translated
from .jobs import partition_from_record
from .states import whole_number

VITAL = frozenset({"ssh", "scheduler"})
"""Services without which a system takes no jobs: one unhealthy makes the system `down`."""
ACCOUNTS_NOTE = "FirecREST tells the account names only, not what is allocated or used."
NO_ACCOUNTING = "accounting_storage"
"""In FirecREST's `causedBy` when Slurm has no accounting database (`sacctmgr` refuses)."""


def _service_name(service: dict[str, Any]) -> str:
    kind = str(service.get("serviceType") or "service")
    path = service.get("path")
    return f"{kind} {path}" if path else kind


def system_health(raw: dict[str, Any]) -> SystemHealth:
    """One system of `GET /status/systems`: up, degraded (some services failing) or down.

    FirecREST checks each service (ssh, scheduler, filesystems, s3) every minute or so; before
    its first check `servicesHealth` is null and the health is unknown.
    """
    services = raw.get("servicesHealth")
    checked = unix_seconds(raw.get("lastHealthCheck"))
    name = str(raw["name"])
    if not isinstance(services, list) or not services:
        return SystemHealth(name, Health.UNKNOWN, "FirecREST has not checked it yet.", checked)
    failing = [s for s in services if isinstance(s, dict) and not s.get("healthy", False)]
    if not failing:
        return SystemHealth(name, Health.UP, None, checked)
    said = "; ".join(
        _service_name(s) + (f": {s['message']}" if s.get("message") else "") for s in failing
    )
    vital = any(str(s.get("serviceType")) in VITAL for s in failing)
    health = Health.DOWN if vital or len(failing) == len(services) else Health.DEGRADED
    return SystemHealth(name, health, f"Unhealthy: {said}.", checked)


def notice_from_reservation(row: dict[str, Any], system: str) -> Notice:
    """One reservation of `GET /status/{system}/reservations`: maintenance when it says `maint`.

    Slurm's MAINT flag is not in FirecREST's answer; a maintenance reservation is known by its
    name, features or state naming it (`maint`, `maintenance`), as sites name them.
    """
    name = str(row.get("name") or row.get("reservationName") or "")
    words = " ".join(str(row.get(key) or "") for key in ("name", "features", "state")).lower()
    kind = NoticeKind.MAINTENANCE if "maint" in words else NoticeKind.RESERVATION
    nodes = row.get("nodeList") or row.get("nodes")
    title = f"{'Maintenance' if kind is NoticeKind.MAINTENANCE else 'Reservation'} {name}"
    return Notice(
        id=name,
        kind=kind,
        title=f"{title} on {nodes}" if nodes else title,
        start=unix_seconds(whole_number(row.get("startTime"))),
        end=unix_seconds(whole_number(row.get("endTime"))),
        systems=(system,),
        status=row.get("state") or None,
    )


def allocations_from_userinfo(body: dict[str, Any], facility: str) -> list[Allocation]:
    """The accounts of `GET /status/{system}/userinfo` (FirecREST 2.5.1+ on Slurm), names only."""
    accounts = body.get("accounts")
    if not isinstance(accounts, list):
        raise FacilityError(
            f"FirecREST ({facility}) does not tell your accounts (this version or scheduler "
            "does not report them).",
            facility=facility,
        )
    return [
        Allocation(
            account=str(row["name"]),
            default=bool(row.get("default")),
            note=ACCOUNTS_NOTE,
        )
        for row in accounts
        if isinstance(row, dict) and row.get("name")
    ]


def _rows(answer: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects listed under `key` (anything else in the list is skipped)."""
    rows = answer.get(key) or []
    if not isinstance(rows, list):
        raise ValueError(f"{key} is not a list")
    return [row for row in rows if isinstance(row, dict)]


class FirecrestStatus:
    """The status probes of a FirecREST v2 facility, one per call of its `/status` API."""

    def __init__(self, connection: FirecrestConnection) -> None:
        self.connection = connection
        self.facility = connection.facility

    async def _get(self, endpoint: str) -> dict[str, Any]:
        """A status call's JSON answer; asked again each time (the systems' list is not kept)."""
        client = self.connection.client()
        with translated(self.facility):
            response = await client._get_request(endpoint=endpoint)
        if response.status_code != 200:
            error = from_response(self.facility, response)
            if NO_ACCOUNTING in response.text:
                raise FacilityError(
                    f"{error.message.rstrip('.')}: this Slurm has no accounting database "
                    "(slurmdbd), so FirecREST cannot list your accounts.",
                    facility=self.facility,
                ) from None
            raise error
        with translated(self.facility):
            answer = response.json()
        if not isinstance(answer, dict):
            raise FacilityError(
                f"FirecREST ({self.facility}) answered {endpoint} in a form this version does "
                "not understand.",
                facility=self.facility,
            )
        return answer

    async def systems(self) -> list[SystemHealth]:
        answer = await self._get("/status/systems")
        with translated(self.facility):
            return [system_health(raw) for raw in _rows(answer, "systems") if raw.get("name")]

    def probes(self, system: str) -> list[StatusProbe]:
        """Systems' health, and for `system` its reservations, partitions and accounts."""

        async def notices() -> list[Notice]:
            answer = await self._get(f"/status/{system}/reservations")
            with translated(self.facility):
                rows = _rows(answer, "reservations")
                return [notice_from_reservation(row, system) for row in rows]

        async def partitions() -> list[Partition]:
            answer = await self._get(f"/status/{system}/partitions")
            with translated(self.facility):
                return [partition_from_record(row) for row in _rows(answer, "partitions")]

        async def allocations() -> list[Allocation]:
            answer = await self._get(f"/status/{system}/userinfo")
            with translated(self.facility):
                return allocations_from_userinfo(answer, self.facility)

        return [
            StatusProbe("systems", "GET /status/systems", self.systems),
            StatusProbe("notices", f"GET /status/{system}/reservations", notices),
            StatusProbe("partitions", f"GET /status/{system}/partitions", partitions),
            StatusProbe("allocations", f"GET /status/{system}/userinfo", allocations),
        ]
