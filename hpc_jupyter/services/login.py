"""The user's login to a facility: start it, finish it with a code, see where it stands, end it."""

from __future__ import annotations

from typing import Any

from ..auth.login import LoginSource
from ..errors import CapabilityError
from ..registry import FacilityRegistry


class LoginService:
    """The `/login` routes over the facilities that declare `auth.login`."""

    def __init__(self, registry: FacilityRegistry) -> None:
        self.registry = registry

    def _login(self, name: str) -> LoginSource:
        login = self.registry.get(name).login
        if login is None:
            raise CapabilityError(
                f"Facility {name!r} takes no login: its credentials come from its configuration."
            )
        return login

    async def status(self, name: str) -> dict[str, Any]:
        """Where the user's login to the facility stands (never a credential)."""
        return await self._login(name).status()

    async def start(self, name: str) -> dict[str, Any]:
        """Start a login, replacing a pending one; says where the user goes and what to type."""
        return await self._login(name).start()

    async def finish(self, name: str, code: str) -> dict[str, Any]:
        """Finish a pending login with the code the user pasted."""
        return await self._login(name).finish(code)

    async def logout(self, name: str) -> dict[str, Any]:
        """Forget the user's tokens for the facility."""
        return await self._login(name).logout()
