"""Any other path under /hpc/api: a JSON 404 like the API's other answers, not Jupyter's page."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import NotFound
from ..inputs import shown
from .base import HPCAPIHandler


class UnknownRouteHandler(HPCAPIHandler):
    """Every method of a path no route of the API matches (e.g. a facility name with a space)."""

    @web.authenticated
    @authorized
    async def get(self, rest: str | None = None) -> None:
        raise NotFound(
            f"Nothing is served at {shown('/hpc/api' + (rest or ''))}: see api/openapi.yaml "
            "for the routes. Facility names are letters, digits, '-' and '_'."
        )

    post = put = delete = patch = get


FALLBACK = (r"hpc/api(?P<rest>/.*)?", UnknownRouteHandler)
"""Served after every route of `HANDLERS`, so that it only takes what they do not."""
