"""The `slurmrestd` facility kind: a Slurm cluster through its REST daemon, with a user's JWT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...auth import SlurmJWT
from ...auth.hub import HubSettings, HubToken
from ...errors import FacilityAuthError, HPCError
from ...models import AuthState, AuthStatus
from ..base import BackendContext, FileBackend
from ..local.files import LocalFiles
from ..settings import read_settings
from .facility import SlurmFacility
from .history import SlurmHistory
from .rest_client import SlurmRestClient
from .rest_jobs import SlurmRestJobs
from .schema import collection
from .settings import SlurmRestSettings


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

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> SlurmRestFacility:
        settings = read_settings(SlurmRestSettings, name, options)
        token: SlurmJWT | HubToken = (
            HubToken(name, settings.token)
            if isinstance(settings.token, HubSettings)
            else SlurmJWT(name, settings.token)
        )
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

    async def auth_state(self) -> AuthState:
        if isinstance(self.client.token, HubToken):
            state = await self.client.token.state()  # not in a Hub, or its login has expired
            if state.status != AuthStatus.OK:
                return state
        # ping/ needs the token up to v0.0.38; 24.11 on answer it 200 (`responding: false`)
        # whatever the token, so from v0.0.39 on partitions/ (511 when refused) asks instead.
        try:
            version = await self._rest_jobs.version()
            probe = "ping" if version <= 38 else "partitions"
            await self.client.call("GET", f"/slurm/v0.0.{version}{collection(version, probe)}")
        except FacilityAuthError:
            return AuthState(
                AuthStatus.EXPIRED,
                f"Slurm does not accept the token of facility {self.name!r}: renew it "
                f"({self.client.token_origin()}).",
            )
        except HPCError:
            return AuthState(
                AuthStatus.ERROR,
                f"slurmrestd of facility {self.name!r} cannot be reached at {self.client.url}.",
            )
        return AuthState(AuthStatus.OK)

    async def close(self) -> None:
        await self.client.close()
