"""Routes that describe the server and its facilities."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .._version import __version__
from ..errors import ValidationError
from ..protocol import API_VERSION
from .base import HPCAPIHandler


class InfoHandler(HPCAPIHandler):
    """GET /hpc/api/info: the version handshake of the Lab panel and the kernel client."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({"version": __version__, "api_version": API_VERSION})


class FacilitiesHandler(HPCAPIHandler):
    """GET /hpc/api/facilities: every configured facility."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({"facilities": await self.services.facilities.list()})


class FacilityHandler(HPCAPIHandler):
    """GET /hpc/api/facilities/{facility}: one facility, its systems and what it can do."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        self.write_json(await self.services.facilities.describe(facility))


class StatusHandler(HPCAPIHandler):
    """GET /hpc/api/facilities/{facility}/status: health, notices, partitions, allocations."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        refresh = self.query_text("refresh")
        if refresh not in (None, "true", "false"):
            raise ValidationError("refresh must be true or false.")
        status = await self.services.status.status(
            facility, self.system_argument(), refresh=refresh == "true"
        )
        self.write_json(status.to_dict())
