"""The Globus native-app login with PKCE: the user authorizes, pastes the code, we store tokens.

globus-sdk's `NativeAppAuthClient` is driven directly (its login flow managers block on
`input()`): `start` makes the authorize URL and keeps the PKCE verifier in this server only;
`finish` exchanges the pasted code and writes the tokens in globus-sdk's JSON storage format
to the facility's token file (by default where ALCF's helper keeps them), which the facility's
`GlobusToken` reads and keeps renewing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import globus_sdk

from ..errors import (
    ConfigError,
    Conflict,
    FacilityAuthError,
    HPCError,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from .globus import GlobusToken
from .globus_file import write_storage
from .login import how_to_log_in, login_model

log = logging.getLogger(__name__)

LOGIN_KEYS = ("flow", "scopes", "session_required_policies")


@dataclass(frozen=True)
class GlobusLoginSettings:
    """`auth.login` of an `iri` facility: `{"flow": "globus", "scopes": [...], ...}`."""

    scopes: tuple[str, ...]
    """The scopes to request, e.g. the IRI API's scope (its `https://auth.globus.org/scopes/
    <resource server>/...` string) and `openid`."""
    session_required_policies: tuple[str, ...] = ()
    """Globus session policies the facility requires (ids), passed to the authorize URL."""


def _strings(facility: str, key: str, value: Any, *, required: bool) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = value.split()
    if (
        not isinstance(value, (list, tuple))
        or (required and not value)
        or not all(isinstance(item, str) and item.strip() for item in value)
    ):
        raise ConfigError(facility, key, "must be a list of strings")
    return tuple(item.strip() for item in value)


def parse_globus_login(facility: str, key: str, spec: Any) -> GlobusLoginSettings:
    """Check `{"flow": "globus", ...}`; `ConfigError` names the sub-key at fault."""
    if not isinstance(spec, Mapping):
        raise ConfigError(facility, key, 'must be a dict such as {"flow": "globus", ...}')
    unknown = sorted(set(spec) - set(LOGIN_KEYS))
    if unknown:
        raise ConfigError(facility, key, f"unknown keys {unknown}; known: {list(LOGIN_KEYS)}")
    if spec.get("flow") != "globus":
        raise ConfigError(facility, f"{key}.flow", "must be 'globus' here")
    return GlobusLoginSettings(
        scopes=_strings(facility, f"{key}.scopes", spec.get("scopes"), required=True),
        session_required_policies=_strings(
            facility,
            f"{key}.session_required_policies",
            spec.get("session_required_policies"),
            required=False,
        ),
    )


class GlobusLogin:
    """A facility's Globus login: where the user goes, the pasted code, the token file."""

    flow = "globus"

    def __init__(
        self,
        facility: str,
        settings: GlobusLoginSettings,
        client_id: str,
        auth_url: str,
        token_file: Path,
        source: GlobusToken,
    ) -> None:
        self.facility = facility
        self.settings = settings
        self.client_id = client_id
        self.auth_url = auth_url.rstrip("/")
        self.token_file = token_file
        self.source = source
        self._client: globus_sdk.NativeAppAuthClient | None = None
        """The client of the pending login: it holds the PKCE verifier (never shown)."""
        self._authorize_url: str | None = None
        self._message: str | None = None

    def __repr__(self) -> str:
        return f"<GlobusLogin {self.facility!r} client_id={self.client_id!r}>"

    def _model(self, state: str, message: str | None) -> dict[str, Any]:
        shown = self._authorize_url if state == "pending" else None
        return login_model(self.flow, state, message, authorize_url=shown)

    async def status(self) -> dict[str, Any]:
        if self._client is not None:
            return self._model(
                "pending",
                "Open the authorize URL, log in to Globus, and paste the code it shows.",
            )
        try:
            await self.source.token()
        except FacilityAuthError:
            return self._model("logged_out", self._message or how_to_log_in(self.facility))
        except HPCError as err:  # Globus unreachable: the tokens are there, still a login
            return self._model("logged_in", err.message)
        return self._model("logged_in", None)

    async def start(self) -> dict[str, Any]:
        self._close_client()
        client = globus_sdk.NativeAppAuthClient(self.client_id, base_url=self.auth_url + "/")
        # PKCE S256: the flow keeps the verifier in this process; nothing here goes over the
        # network until the code is exchanged.
        client.oauth2_start_flow(requested_scopes=list(self.settings.scopes), refresh_tokens=True)
        policies = list(self.settings.session_required_policies) or globus_sdk.MISSING
        self._authorize_url = client.oauth2_get_authorize_url(session_required_policies=policies)
        self._client = client
        self._message = None
        return await self.status()

    async def finish(self, code: str) -> dict[str, Any]:
        client = self._client
        if client is None:
            raise Conflict(
                f"No Globus login of facility {self.facility!r} is pending: start one first."
            )
        try:
            tokens = await asyncio.to_thread(client.oauth2_exchange_code_for_tokens, code)
        except globus_sdk.GlobusAPIError as err:
            if err.http_status in (400, 401, 403):
                raise ValidationError(
                    "Globus did not accept the code: paste it again exactly as shown, or start "
                    "a new login."
                ) from None
            raise Unavailable(
                f"Globus Auth failed to exchange the code of facility {self.facility!r} "
                f"(HTTP {err.http_status}).",
                upstream_status=err.http_status,
            ) from None
        except globus_sdk.GlobusTimeoutError:
            raise UpstreamTimeout("Globus Auth did not answer in time.") from None
        except globus_sdk.NetworkError:
            raise Unavailable("Globus Auth cannot be reached.") from None
        if client is not self._client:
            return await self.status()  # logged out or restarted meanwhile: drop these tokens
        by_rs = {rs: dict(entry) for rs, entry in tokens.by_resource_server.items()}
        await asyncio.to_thread(write_storage, self.token_file, by_rs, globus_sdk.__version__)
        self._close_client()
        log.info("facility %r: logged in to Globus", self.facility)
        return await self.status()

    async def logout(self) -> dict[str, Any]:
        """Forget the pending login and the token file (shared with ALCF's helper)."""
        self._close_client()
        with contextlib.suppress(FileNotFoundError):
            self.token_file.unlink()
        self._message = f"You logged out of facility {self.facility!r}."
        return await self.status()

    async def close(self) -> None:
        self._close_client()

    def _close_client(self) -> None:
        client, self._client, self._authorize_url = self._client, None, None
        if client is not None:
            client.close()
