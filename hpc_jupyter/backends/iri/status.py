"""The IRI API's status and account calls: resources, incidents, balances."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from ...errors import FacilityError, HPCError
from ...models import Allocation, Health, Notice, NoticeKind, SystemHealth
from ..base import StatusProbe
from ..stamps import unix_seconds
from .client import IRIClient
from .resources import as_resource, find

RELEVANT = frozenset({"compute", "system", "storage", "service"})
"""Resource types that bear on jobs and files; websites and networks are left out."""
HEALTH = {"up": Health.UP, "degraded": Health.DEGRADED, "down": Health.DOWN}
KINDS = {
    "planned": NoticeKind.MAINTENANCE,
    "unplanned": NoticeKind.INCIDENT,
    "reservation": NoticeKind.RESERVATION,
}
OVER = frozenset({"completed", "cancelled"})
"""Resolutions of incidents that are over: left out of the notices."""
OPEN = ("unresolved", "pending", "extended")
"""Resolutions of incidents still on or ahead: asked for one by one (`resolution=`), as the
list of all incidents only grows (the recorded demo lists 53, all over)."""

Rows = list[dict[str, Any]]


def _last_segment(uri: Any) -> str:
    return str(uri).rstrip("/").rsplit("/", 1)[-1]


def system_health(row: dict[str, Any], name: str) -> SystemHealth:
    """One resource of `GET /status/resources` under `name`; its `current_status` as health.

    The API says no more than the word; when the resource goes by the system's name, the
    message says which resource it is.
    """
    status = str(row.get("current_status") or "unknown")
    health = HEALTH.get(status, Health.UNKNOWN)
    own = str(row.get("name") or row.get("id"))
    message = None
    if own != name:
        kind = row.get("resource_type") or "compute"
        message = f"Its {kind} resource {own!r} is {status}, as the IRI API reports."
    return SystemHealth(name, health, message, unix_seconds(row.get("last_modified")))


def notice(row: dict[str, Any], names: dict[str, str]) -> Notice | None:
    """One incident of `GET /status/incidents`; None once it is resolved (completed, cancelled)."""
    resolution = str(row.get("resolution") or "")
    if resolution in OVER:
        return None
    kind = KINDS.get(str(row.get("type") or ""), NoticeKind.INCIDENT)
    touched = [_last_segment(uri) for uri in row.get("resource_uris") or []]
    return Notice(
        id=str(row.get("id") or ""),
        kind=kind,
        title=str(row.get("name") or row.get("description") or kind.value),
        start=unix_seconds(row.get("start")),
        end=unix_seconds(row.get("end")),
        systems=tuple(dict.fromkeys(names.get(rid, rid) for rid in touched)),
        status=resolution or None,
    )


def _entries(
    row: dict[str, Any], account: str, default: bool | None, scope: str, note: str
) -> list[Allocation]:
    found = []
    for entry in row.get("entries") or []:
        if not isinstance(entry, dict) or entry.get("allocation") is None:
            continue
        allocated = float(entry["allocation"])
        used = None if entry.get("usage") is None else float(entry["usage"])
        found.append(
            Allocation(
                account=account,
                unit=str(entry.get("unit") or "") or None,
                allocated=allocated,
                used=used,
                remaining=None if used is None else round(allocated - used, 6),
                default=default,
                scope=scope,
                note=note,
            )
        )
    return found


def _rows(answer: Any) -> Rows:
    """The objects of a list answer; anything else is an answer this version cannot read."""
    if not isinstance(answer, list):
        raise ValueError("not a list")
    return [row for row in answer if isinstance(row, dict)]


@contextlib.contextmanager
def _readable(facility: str) -> Iterator[None]:
    """An answer of another shape than the spec's as the project's error, not a crash."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError):
        raise FacilityError(
            f"The IRI API of facility {facility!r} answered in a form this version does not "
            "understand.",
            facility=facility,
        ) from None


class IRIStatus:
    """The status probes of an IRI facility: its resources, incidents and allocations."""

    def __init__(self, client: IRIClient) -> None:
        self.client = client
        self.settings = client.settings

    def probes(self, system: str) -> list[StatusProbe]:
        """Resources' health (the compute resource as `system`), incidents, allocations."""
        listing: asyncio.Task[Rows] | None = None

        def resources() -> Awaitable[Rows]:
            """One `GET /status/resources` for both probes that need it."""
            nonlocal listing
            if listing is None:
                listing = asyncio.ensure_future(self.client.paged("GET", "status/resources"))
            return asyncio.shield(listing)

        async def systems() -> list[SystemHealth]:
            rows = await resources()
            with _readable(self.client.facility):
                return self._systems(rows, system)

        async def notices() -> list[Notice]:
            with _readable(self.client.facility):
                return await self._notices(resources)

        async def allocations() -> list[Allocation]:
            with _readable(self.client.facility):
                return await self.allocations()

        return [
            StatusProbe("systems", "GET /status/resources", systems),
            StatusProbe(
                "notices", "GET /status/incidents?resolution=unresolved|pending|extended", notices
            ),
            StatusProbe(
                "allocations",
                "GET /account/projects, …/project_allocations, …/user_allocations",
                allocations,
            ),
        ]

    def _systems(self, rows: Rows, system: str) -> list[SystemHealth]:
        relevant = [row for row in rows if row.get("resource_type") in RELEVANT]
        wanted = self.settings.compute_resource
        try:
            compute_id = find([as_resource(row) for row in rows], wanted, "compute").id
        except HPCError:
            compute_id = None  # not found: every resource under its own name
        return [
            system_health(row, system if row.get("id") == compute_id else str(row.get("name")))
            for row in relevant
        ]

    async def _notices(self, resources: Callable[[], Awaitable[Rows]]) -> list[Notice]:
        pages = await asyncio.gather(
            *(self.client.paged("GET", "status/incidents", {"resolution": r}) for r in OPEN)
        )
        rows = list({str(row.get("id")): row for page in pages for row in page}.values())
        try:
            listed = await resources()
        except HPCError:
            listed = []  # the incidents still stand, naming resources by their ids
        names = {str(row.get("id")): str(row.get("name") or row.get("id")) for row in listed}
        relevant = {str(row.get("id")) for row in listed if row.get("resource_type") in RELEVANT}
        found = []
        for row in rows:
            item = notice(row, names)
            if item is None:
                continue
            touched = {_last_segment(uri) for uri in row.get("resource_uris") or []}
            if listed and touched and not touched & relevant:
                continue  # only websites or networks
            found.append(item)
        return found

    async def allocations(self) -> list[Allocation]:
        """Each project's allocations and the user's share of them, per unit."""
        projects = _rows(await self.client.json("GET", "account/projects"))
        capabilities = await self._capabilities()
        per_project = await asyncio.gather(
            *(self._project(project, capabilities) for project in projects)
        )
        return [allocation for found in per_project for allocation in found]

    async def _capabilities(self) -> dict[str, str]:
        """Capability id -> name (`CPU Nodes`), to tell one allocation from another."""
        try:
            rows = _rows(await self.client.json("GET", "account/capabilities"))
        except (HPCError, ValueError):
            return {}
        return {str(row.get("id")): str(row.get("name")) for row in rows if row.get("id")}

    async def _project(
        self, project: dict[str, Any], capabilities: dict[str, str]
    ) -> list[Allocation]:
        project_id = str(project["id"])
        account = str(project.get("name") or project_id)
        wanted = self.settings.account
        default = (wanted in (account, project_id)) if wanted else None
        base = f"account/projects/{project_id}/project_allocations"
        rows = _rows(await self.client.json("GET", base))
        shares = await asyncio.gather(
            *(self.client.json("GET", f"{base}/{row['id']}/user_allocations") for row in rows)
        )
        found: list[Allocation] = []
        for row, users in zip(rows, shares, strict=True):
            capability = _last_segment(row.get("capability_uri") or "")
            what = capabilities.get(capability, "allocation")
            found += _entries(row, account, default, "project", f"{what}: the project's")
            if isinstance(users, list) and len(users) == 1:  # several: which is this user's?
                user = users[0]
                note = f"{what}: user {user.get('user_id')}'s share"
                found += _entries(user, account, default, "user", note)
        return found
