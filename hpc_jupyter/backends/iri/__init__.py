"""The `iri` facility kind: the DOE IRI Facility API (ALCF, NERSC), tokens held by the server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...auth import GlobusToken, HubToken, SecretToken, TokenSource
from ...auth.device import DeviceLogin
from ...auth.globus_login import GlobusLogin
from ...auth.login import LoginSource
from ...models import AuthState, AuthStatus, System
from ..base import BackendContext, FacilityBackend, StatusProbe
from .auth_config import AuthSettings
from .client import IRIClient
from .files import IRIFiles
from .jobs import IRIJobs
from .resources import Resources
from .settings import IRISettings
from .status import IRIStatus

__all__ = ["IRIFacility"]

_AVAILABLE = {"up": "available"}

LOGIN_FILE = "login.json"
"""The user's device-login tokens, in the facility's data directory (0600)."""


class IRIFacility(FacilityBackend):
    """The IRI API; its options are those of `IRISettings`.

    The facility has one system, the compute resource; files live on the storage resource.
    """

    kind = "iri"
    default_poll_interval = 60.0
    settings_class = IRISettings
    _files: IRIFiles
    _jobs: IRIJobs

    def __init__(self, name: str, settings: IRISettings, provider: TokenSource) -> None:
        super().__init__(name)
        self.settings = settings
        self.provider = provider
        self._login: LoginSource | None = None
        auth = settings.auth
        if isinstance(provider, DeviceLogin):
            self._login = provider
        elif auth.globus_login is not None and isinstance(provider, GlobusToken):
            assert auth.client_id is not None and auth.token_file is not None
            self._login = GlobusLogin(
                name, auth.globus_login, auth.client_id, auth.auth_url, auth.token_file, provider
            )
        self.client = IRIClient(name, settings, provider)
        self.resources = Resources(self.client)
        self._files = IRIFiles(self.client, self.resources)
        self._jobs = IRIJobs(self.client, self.resources, lambda: self._files)
        self._status = IRIStatus(self.client)

    @classmethod
    def create(cls, name: str, options: Mapping[str, Any], context: BackendContext) -> IRIFacility:
        settings = IRISettings.parse(name, options)
        login_file = context.data_dir / LOGIN_FILE
        return cls(name, settings, make_provider(name, settings.auth, login_file))

    @property
    def login(self) -> LoginSource | None:
        return self._login

    async def systems(self) -> list[System]:
        compute, storage = await self.resources.pair()
        status = _AVAILABLE.get(compute.status, compute.status)
        if storage.status != "up":
            status = f"{status}; storage {storage.name} {storage.status}"
        return [
            System(
                name=self.settings.system or compute.group or compute.name,
                status=status,
                default=True,
                home=self.settings.home,
            )
        ]

    def status_probes(self, system: str) -> list[StatusProbe]:
        return self._status.probes(system)

    async def auth_state(self) -> AuthState:
        state = await self.provider.state()
        if state.status in (AuthStatus.OK, AuthStatus.EXPIRED) or isinstance(
            self.provider, (HubToken, DeviceLogin)
        ):  # expired: the Globus login message; a Hub or login source says what to do itself
            return state
        return AuthState(
            AuthStatus.ERROR,
            f"The token of facility {self.name!r} cannot be used right now. "
            f"{self.provider.refused_message()}",
        )

    async def close(self) -> None:
        if self._login is not None:
            await self._login.close()
        await self.client.close()


def make_provider(
    facility: str, settings: AuthSettings, login_file: Path | None = None
) -> TokenSource:
    """The token source for the configured kind of auth (`login_file`: a login's tokens)."""
    if settings.kind == "static":
        assert settings.access_token is not None
        return SecretToken(facility, settings.access_token)
    if settings.kind == "hub":
        assert settings.hub is not None
        return HubToken(facility, settings.hub)
    if settings.kind == "login":
        assert settings.device is not None and login_file is not None
        return DeviceLogin(facility, settings.device, login_file)
    return GlobusToken(facility, settings)
