"""Routes of the user's login to a facility: the panel and `%hpc_login` drive it."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import ValidationError
from .base import HPCAPIHandler

MAX_CODE = 4096


class LoginHandler(HPCAPIHandler):
    """GET, POST, DELETE /hpc/api/facilities/{facility}/login: see, start, end a login."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        self.write_json(await self.services.login.status(facility))

    @web.authenticated
    @authorized
    async def post(self, facility: str) -> None:
        self.write_json(await self.services.login.start(facility))

    @web.authenticated
    @authorized
    async def delete(self, facility: str) -> None:
        self.write_json(await self.services.login.logout(facility))


class LoginCodeHandler(HPCAPIHandler):
    """POST /hpc/api/facilities/{facility}/login/code: finish a login with the pasted code."""

    @web.authenticated
    @authorized
    async def post(self, facility: str) -> None:
        code = self.json_body().get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
            raise ValidationError("The body needs `code`: the code the provider showed.")
        self.write_json(await self.services.login.finish(facility, code.strip()))
