"""The `slurmrestd` facility kind: a Slurm cluster through its REST daemon, with a user's JWT."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Any

from ...auth import SlurmJWT
from ...auth.device import DeviceLogin
from ...auth.device_settings import DeviceSettings
from ...auth.hub import HubSettings, HubToken
from ...auth.login import LoginSource
from ...errors import FacilityAuthError, HPCError
from ...models import AuthState, AuthStatus
from ..base import BackendContext, FileBackend, StatusProbe
from ..local.files import LocalFiles
from ..settings import read_settings
from .facility import SlurmFacility
from .history import SlurmHistory
from .rest_client import SlurmRestClient
from .rest_jobs import SlurmRestJobs
from .rest_status import SlurmRestStatus
from .schema import collection
from .settings import SlurmRestSettings

LOGIN_FILE = "login.json"
"""The user's login tokens, in the facility's data directory (0600)."""

AUTH_FRESH = 5.0
"""Seconds a good auth status is answered as it is; older, it is answered and asked again in
the background, so a facility's info does not wait for slurmrestd."""
AUTH_MAX_AGE = 60.0
"""Seconds after which a good auth status is asked again before answering."""


class SlurmRestFacility(SlurmFacility):
    """Slurm through slurmrestd; its options are those of `SlurmRestSettings`."""

    kind = "slurmrestd"
    settings_class = SlurmRestSettings

    def __init__(
        self,
        name: str,
        client: SlurmRestClient,
        jobs: SlurmRestJobs,
        files: FileBackend | None,
        system: str,
        home: str,
    ) -> None:
        super().__init__(name, jobs, files, system, home)
        self.client = client
        self._rest_jobs = jobs
        self._auth: tuple[float, AuthState] | None = None
        """The last good auth status from slurmrestd, and when it was asked (monotonic)."""
        self._auth_refresh: asyncio.Task[AuthState] | None = None
        self._status = SlurmRestStatus(client, jobs, system)

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> SlurmRestFacility:
        settings = read_settings(SlurmRestSettings, name, options)
        token: SlurmJWT | HubToken | DeviceLogin
        if isinstance(settings.token, HubSettings):
            token = HubToken(name, settings.token)
        elif isinstance(settings.token, DeviceSettings):
            token = DeviceLogin(name, settings.token, context.data_dir / LOGIN_FILE)
        else:
            token = SlurmJWT(name, settings.token)
        client = SlurmRestClient(name, settings.url, settings.user, token, timeout=settings.timeout)
        files = LocalFiles(settings.files) if settings.files else None
        home = settings.start_dir(settings.user)
        jobs = SlurmRestJobs(
            name,
            client,
            files,
            home=home,
            api_version=settings.api_version,
            partition=settings.partition,
            account=settings.account,
        )
        if settings.history_days:
            jobs.history = SlurmHistory(name, client, jobs.version, settings.history_days)
        return cls(name, client, jobs, files, settings.system or name, home)

    @property
    def login(self) -> LoginSource | None:
        token = self.client.token
        return token if isinstance(token, DeviceLogin) else None

    async def prepare_status(self, system: str) -> None:
        # The probes name their calls in the API version spoken; a failure to learn it is
        # left to them (they fail the same way and say why).
        with contextlib.suppress(HPCError):
            await self._rest_jobs.version()

    def status_probes(self, system: str) -> list[StatusProbe]:
        return self._status.probes()

    async def auth_state(self) -> AuthState:
        if isinstance(self.client.token, (HubToken, DeviceLogin)):
            state = await self.client.token.state()  # no Hub or no login, or it has expired
            if state.status != AuthStatus.OK:
                return state
        cached = self._auth
        # A good status is reused for a while, unless Slurm has refused the token since;
        # a bad one is never reused, so that a renewed token shows at once.
        if cached is not None and self.client.refused_at < cached[0]:
            age = time.monotonic() - cached[0]
            if age < AUTH_MAX_AGE:
                if age >= AUTH_FRESH and self._auth_refresh is None:
                    self._auth_refresh = asyncio.create_task(self._refresh())
                return cached[1]
        return await self._ask_auth()

    async def _refresh(self) -> AuthState:
        try:
            return await self._ask_auth()
        finally:
            self._auth_refresh = None

    async def _ask_auth(self) -> AuthState:
        """slurmrestd's word on the token; a good answer is remembered."""
        asked = time.monotonic()
        # ping/ needs the token up to v0.0.38; 24.11 on answer it 200 (`responding: false`)
        # whatever the token, so from v0.0.39 on partitions/ (511 when refused) asks instead.
        try:
            version = await self._rest_jobs.version()
            probe = "ping" if version <= 38 else "partitions"
            await self.client.call("GET", f"/slurm/v0.0.{version}{collection(version, probe)}")
        except FacilityAuthError:
            self._auth = None
            return AuthState(
                AuthStatus.EXPIRED,
                f"Slurm does not accept the token of facility {self.name!r}: renew it "
                f"({self.client.token_origin()}).",
            )
        except HPCError:
            self._auth = None
            return AuthState(
                AuthStatus.ERROR,
                f"slurmrestd of facility {self.name!r} cannot be reached at {self.client.url}.",
            )
        state = AuthState(AuthStatus.OK)
        self._auth = (asked, state)
        return state

    async def close(self) -> None:
        if self._auth_refresh is not None:
            self._auth_refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._auth_refresh
        if isinstance(self.client.token, DeviceLogin):
            await self.client.token.close()
        await self.client.close()
