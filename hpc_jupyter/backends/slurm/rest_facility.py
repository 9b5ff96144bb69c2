"""The `slurmrestd` facility kind: a Slurm cluster through its REST daemon, with a user's JWT."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...errors import FacilityAuthError, HPCError
from ...models import AuthState, AuthStatus
from ..base import BackendContext, ConfigError, FileBackend
from ..credentials import SecretSource
from ..options import check_keys, days_option, seconds_option, text_option
from .facility import SlurmFacility
from .history import SlurmHistory
from .options import files_option, home_option
from .rest_client import SlurmRestClient
from .rest_jobs import SlurmRestJobs
from .schema import NEWEST, OLDEST, collection
from .token import SlurmToken

_VERSION = re.compile(r"^(?:v?0\.0\.)?(\d+)$")


class SlurmRestFacility(SlurmFacility):
    """Options: `url`, `user`, `token` (required); `api_version`, `partition`, `account`,
    `files`, `home`, `system`, `history_days` (0 turns history off), `timeout`."""

    kind = "slurmrestd"
    _OPTIONS = frozenset(
        {
            "url",
            "user",
            "token",
            "api_version",
            "partition",
            "account",
            "files",
            "home",
            "system",
            "history_days",
            "timeout",
        }
    )

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
        check_keys(name, options, cls._OPTIONS)
        url = text_option(name, options, "url")
        if url is None or not re.match(r"^https?://[^/]+", url):
            raise ConfigError(name, "url", "needs the slurmrestd URL, e.g. http://127.0.0.1:6820")
        user = text_option(name, options, "user")
        if user is None:
            raise ConfigError(name, "user", "needs the Slurm user name the token belongs to")
        if "token" not in options:
            raise ConfigError(
                name,
                "token",
                'needs a token source, e.g. {"command": "scontrol token lifespan=600"}',
            )
        token = SlurmToken(SecretSource.parse(name, "token", options["token"]))
        version = _version(name, options.get("api_version"))
        timeout = seconds_option(name, options, "timeout", 30)
        days = days_option(name, options)
        files, root = files_option(name, options)
        home = home_option(name, options, root, user)
        client = SlurmRestClient(name, url, user, token, timeout=timeout)
        jobs = SlurmRestJobs(
            name,
            client,
            files,
            home=home,
            api_version=version,
            partition=text_option(name, options, "partition"),
            account=text_option(name, options, "account"),
        )
        if days:
            jobs.history = SlurmHistory(name, client, jobs.version, days)
        system = text_option(name, options, "system") or name
        return cls(name, client, jobs, files, system, home)

    async def auth_state(self) -> AuthState:
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
                f"({self.client.token.source.describe()}).",
            )
        except HPCError:
            return AuthState(
                AuthStatus.ERROR,
                f"slurmrestd of facility {self.name!r} cannot be reached at {self.client.url}.",
            )
        return AuthState(AuthStatus.OK)

    async def close(self) -> None:
        await self.client.close()


def _version(facility: str, value: Any) -> int | None:
    if value is None:
        return None
    match = _VERSION.match(str(value))
    number = int(match.group(1)) if match else -1
    if not OLDEST <= number <= NEWEST:
        raise ConfigError(
            facility, "api_version", f"use one of v0.0.{OLDEST} to v0.0.{NEWEST}, e.g. 'v0.0.40'"
        )
    return number
