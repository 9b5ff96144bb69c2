"""A slurmrestd cluster's status: controller ping, reservations, partitions, allocations.

Each part is one probe naming its call. Parts a release cannot give are left out: the usage
of an allocation comes from `/slurm/.../shares`, served from v0.0.40 on; before it, an
allocation has its limit but no usage.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ...errors import FacilityAuthError, HPCError
from ...models import Allocation, Health, Notice, NoticeKind, Partition, SystemHealth
from ..base import StatusProbe
from .accounting import allocations, shares_usage
from .rest_client import SlurmRestClient
from .rest_jobs import SlurmRestJobs
from .schema import collection, number

SHARES_SINCE = 40
"""The first API version with GET /slurm/.../shares (the usage that GrpTRESMins counts)."""
DB_PING_SINCE = 42
"""The first API version with GET /slurmdb/.../ping."""


class SlurmRestStatus:
    """The status probes of one slurmrestd facility (one cluster, shown as `system`)."""

    def __init__(self, client: SlurmRestClient, jobs: SlurmRestJobs, system: str) -> None:
        self.client = client
        self.jobs = jobs
        self.system = system

    def probes(self) -> list[StatusProbe]:
        """One probe per call; the version's own paths once it is known (configured or found)."""
        known = self.jobs.known_version()
        v = f"v0.0.{known}" if known is not None else "v0.0.{newest served}"
        version = known or 0

        def path(api: str, name: str) -> str:
            tail = collection(version, name) if known is not None else f"/{name}"
            return f"GET /{api}/{v}{tail}"

        probes = [
            StatusProbe("systems", path("slurm", "ping"), self.controllers),
            StatusProbe("notices", path("slurm", "reservations"), self.reservations),
            StatusProbe("partitions", path("slurm", "partitions"), self.partitions),
        ]
        if self.jobs.history is not None:  # accounting (slurmdbd) is configured for this facility
            source = path("slurmdb", "associations")
            if known is not None and known >= SHARES_SINCE:  # usage joins the limits it belongs to
                source += f" + GET /slurm/{v}/shares"
            probes.append(StatusProbe("allocations", source, self.limits))
            if known is not None and known >= DB_PING_SINCE:
                probes.append(StatusProbe("systems", path("slurmdb", "ping"), self.database))
        return probes

    async def _get(self, api: str, name: str, params: Mapping[str, str] | None = None) -> Any:
        version = await self.jobs.version()
        tail = f"/{name}" if name == "shares" else collection(version, name)
        return await self.client.call("GET", f"/{api}/v0.0.{version}{tail}", params=params)

    async def controllers(self) -> list[SystemHealth]:
        """The cluster is up while a controller (slurmctld) answers its ping."""
        data = await self._get("slurm", "ping")
        pings = [p for p in data.get("pings") or [] if isinstance(p, Mapping)]
        answering = [p for p in pings if _responding(p)]
        now = time.time()
        if not pings or not answering:
            names = ", ".join(str(p.get("hostname") or "?") for p in pings) or "none listed"
            return [
                SystemHealth(
                    self.system, Health.DOWN, f"No Slurm controller answers ({names}).", now
                )
            ]
        primary = [p for p in pings if p.get("mode") == "primary" or p.get("primary") is True]
        if primary and not any(_responding(p) for p in primary):
            backup = ", ".join(str(p.get("hostname")) for p in answering)
            return [
                SystemHealth(
                    self.system,
                    Health.DEGRADED,
                    f"The primary Slurm controller does not answer; the backup ({backup}) does.",
                    now,
                )
            ]
        return [SystemHealth(self.system, Health.UP, None, now)]

    async def database(self) -> list[SystemHealth]:
        """Slurm's accounting database (slurmdbd): jobs run without it, history and limits not."""
        name = f"{self.system} accounting"
        try:
            data = await self._get("slurmdb", "ping")
        except FacilityAuthError:
            raise
        except HPCError as err:
            return [SystemHealth(name, Health.DOWN, err.message, time.time())]
        pings = [p for p in data.get("pings") or [] if isinstance(p, Mapping)]
        if pings and all(p.get("responding") is not False for p in pings):
            return [SystemHealth(name, Health.UP, None, time.time())]
        return [SystemHealth(name, Health.DOWN, "slurmdbd does not answer.", time.time())]

    async def reservations(self) -> list[Notice]:
        """Reservations not yet ended: MAINT ones are maintenance, the others reservations."""
        data = await self._get("slurm", "reservations")
        now = time.time()
        notices = [_notice(entry, now) for entry in data.get("reservations") or [] if _named(entry)]
        return [n for n in notices if n.end is None or n.end > now]

    async def partitions(self) -> list[Partition]:
        """The partitions, as `GET .../partitions` (the jobs' own listing) gives them."""
        return await self.jobs.partitions(self.system)

    async def limits(self) -> list[Allocation]:
        """The user's accounts and their GrpTRESMins; usage too from v0.0.40 on (`/shares`)."""
        user = self.client.user
        mine = await self._get("slurmdb", "associations", {"user": user})
        rows = [a for a in mine.get("associations") or [] if isinstance(a, Mapping)]
        accounts = sorted({str(a.get("account")) for a in rows if a.get("account")})
        if accounts:  # the accounts' own associations hold the project's limit
            theirs = await self._get("slurmdb", "associations", {"account": ",".join(accounts)})
            rows += [
                a
                for a in theirs.get("associations") or []
                if isinstance(a, Mapping) and not a.get("user")
            ]
        usage = None
        if await self.jobs.version() >= SHARES_SINCE:
            shares = await self._get("slurm", "shares", {"users": user})
            found = shares.get("shares")
            listed = found.get("shares") if isinstance(found, Mapping) else found
            usage = shares_usage(s for s in listed or [] if isinstance(s, Mapping))
        return allocations(rows, user, usage)


def _responding(ping: Mapping[str, Any]) -> bool:
    """v0.0.38/39 say `ping: UP`; v0.0.40 on `responding: true` (and `pinged: UP`)."""
    if isinstance(ping.get("responding"), bool):
        return bool(ping["responding"])
    return str(ping.get("ping") or ping.get("pinged") or "").upper() == "UP"


def _named(entry: Any) -> bool:
    return isinstance(entry, Mapping) and bool(entry.get("name"))


def _notice(entry: Mapping[str, Any], now: float) -> Notice:
    flags = entry.get("flags")
    words = (
        [str(f).upper() for f in flags]
        if isinstance(flags, list)
        else [f.strip().upper() for f in str(flags or "").split(",") if f.strip()]
    )
    maintenance = "MAINT" in words
    start = number(entry.get("start_time"))
    end = number(entry.get("end_time"))
    partition = entry.get("partition")
    nodes = entry.get("node_list")
    touches = tuple(str(x) for x in (partition, nodes) if isinstance(x, str) and x)
    name = str(entry["name"])
    what = "Maintenance" if maintenance else "Reservation"
    where = f" on {', '.join(touches)}" if touches else ""
    return Notice(
        id=name,
        kind=NoticeKind.MAINTENANCE if maintenance else NoticeKind.RESERVATION,
        title=f"{what} {name}{where}",
        start=float(start) if start else None,
        end=float(end) if end else None,
        systems=touches,
        status="ACTIVE" if start and start <= now else "PLANNED",
    )
