"""The `firecrest` facility kind: FirecREST v2 (or v1) through pyfirecrest, tokens held here."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...auth.device import DeviceLogin
from ...auth.device_settings import DeviceSettings
from ...auth.hub import HubToken
from ...auth.login import LoginSource
from ...errors import FacilityAuthError, HPCError
from ...models import AuthState, AuthStatus, System
from ..base import BackendContext, FacilityBackend, StatusProbe
from .connection import FirecrestConnection
from .files import FirecrestFiles
from .jobs import FirecrestJobs
from .settings import FirecrestSettings
from .status import FirecrestStatus
from .v1.connection import V1Connection
from .v1.files import V1Files
from .v1.jobs import V1Jobs
from .v1.status import V1Status

__all__ = ["FirecrestFacility"]

log = logging.getLogger(__name__)

LOGIN_FILE = "login.json"
"""The user's login tokens, in the facility's data directory (0600)."""


class FirecrestFacility(FacilityBackend):
    """FirecREST v2 or v1; its options are those of `FirecrestSettings`."""

    kind = "firecrest"
    default_poll_interval = 30.0
    settings_class = FirecrestSettings
    _files: FirecrestFiles | V1Files

    def __init__(
        self,
        name: str,
        settings: FirecrestSettings,
        spool_dir: str | None,
        login_file: Path | None = None,
    ) -> None:
        super().__init__(name)
        self.settings = settings
        self._login: DeviceLogin | None = None
        if isinstance(settings.token, DeviceSettings):
            assert login_file is not None, "a login facility needs a file for its tokens"
            self._login = DeviceLogin(name, settings.token, login_file)
        self.connection: FirecrestConnection | V1Connection
        self._status: FirecrestStatus | V1Status
        if settings.api_version == 1:
            self.connection = V1Connection(name, settings)
            self._files = V1Files(self.connection, spool_dir)
            self._jobs = V1Jobs(self.connection, self._files)
            self._status = V1Status(self.connection, self._jobs)
        else:
            self.connection = FirecrestConnection(name, settings)
            self._files = FirecrestFiles(self.connection, spool_dir)
            self._jobs = FirecrestJobs(self.connection)
            self._status = FirecrestStatus(self.connection)
        self.connection.login = self._login

    @property
    def login(self) -> LoginSource | None:
        return self._login

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> FirecrestFacility:
        settings = FirecrestSettings.parse(name, options)
        spool = context.data_dir / "spool"
        return cls(name, settings, str(spool), context.data_dir / LOGIN_FILE)

    async def systems(self) -> list[System]:
        systems = await self.connection.systems()
        default = self.settings.system if self.settings.system in systems else None
        if default is None and systems:
            default = next(iter(systems))
        return [
            System(
                name=info.name,
                status="available" if info.healthy else "degraded",
                default=info.name == default,
                home=info.default_workdir,
            )
            for info in systems.values()
        ]

    def status_probes(self, system: str) -> list[StatusProbe]:
        return self._status.probes(system)

    async def auth_state(self) -> AuthState:
        provider = self.connection.provider
        if isinstance(provider, (HubToken, DeviceLogin)):
            return await provider.state()  # not in a Hub / not logged in: "log in again"
        try:
            await provider.token()
        except FacilityAuthError as err:  # says which source or refusal; never the secret
            return AuthState(AuthStatus.ERROR, err.message)
        except HPCError:
            return AuthState(
                AuthStatus.UNKNOWN,
                f"The token service of facility {self.name!r} cannot be reached right now.",
            )
        return AuthState(AuthStatus.OK)

    async def start(self) -> None:
        spool = self._files.spool_dir
        if spool is not None:
            os.makedirs(spool, mode=0o700, exist_ok=True)
        # Read the secret once now, so a missing variable or unreadable file shows at start;
        # the server still starts, and the facility's auth status repeats the problem.
        if self.settings.client_secret is None:
            return  # the token comes from JupyterHub: its auth status says what is wrong
        try:
            await self.settings.client_secret.read()
        except FacilityAuthError as err:
            log.warning("facility %r, key 'client_secret': %s", self.name, err.message)

    async def close(self) -> None:
        if self._login is not None:
            await self._login.close()
        await self.connection.close()
