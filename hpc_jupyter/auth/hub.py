"""The user's access token from JupyterHub's auth_state, read with the server's own Hub token."""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import ConfigError, FacilityAuthError, Unavailable
from .base import CachedToken, Token
from .reaching import reaching
from .secrets import take_env_secret
from .static import jwt_expiry

log = logging.getLogger(__name__)

HUB_TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"  # noqa: S105 (a variable name)
HUB_VARIABLES = ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", HUB_TOKEN_VARIABLE)
HUB_KEYS = ("key", "margin")
HUB_TLS_VARIABLES = (
    "JUPYTERHUB_SSL_CLIENT_CA",
    "JUPYTERHUB_SSL_CERTFILE",
    "JUPYTERHUB_SSL_KEYFILE",
)
"""Set by the Hub's spawner when the Hub runs with `internal_ssl`: its CA, our cert and key."""
LOGIN_AGAIN = "Log in to JupyterHub again (log out of the Hub, then log in), then retry."


class HubNotUsable(FacilityAuthError):
    """No token can come from JupyterHub here, whoever logs in: no Hub, or a scope missing."""

    login_helps = False


@dataclass(frozen=True)
class HubSettings:
    """`{"hub": {"key": ..., "margin": ...}}`: where in auth_state the access token is."""

    key: str = "access_token"
    """A dotted path into auth_state, e.g. `tokens.<resource server>.access_token` (Globus)."""
    margin: float = 60.0
    """Read a new token once the current one has less than this many seconds left."""


def is_hub_spec(value: Any) -> bool:
    """True when a configured token or secret is `{"hub": ...}`."""
    return isinstance(value, Mapping) and len(value) == 1 and "hub" in value


def parse_hub(facility: str, key: str, spec: Any) -> HubSettings:
    """Check `{"hub": {...}}`; `ConfigError` names the facility and the sub-key at fault."""
    if not is_hub_spec(spec):
        raise ConfigError(facility, key, 'must be {"hub": {...}}')
    inner = spec["hub"]
    if inner is None:
        inner = {}
    if not isinstance(inner, Mapping):
        raise ConfigError(facility, f"{key}.hub", 'must be a dict such as {"key": "access_token"}')
    unknown = sorted(set(inner) - set(HUB_KEYS))
    if unknown:
        raise ConfigError(
            facility, f"{key}.hub", f"unknown keys {unknown}; known: {list(HUB_KEYS)}"
        )
    path = inner.get("key", "access_token")
    if (
        not isinstance(path, str)
        or not path.strip()
        or any(not part.strip() for part in path.split("."))
    ):
        raise ConfigError(
            facility,
            f"{key}.hub.key",
            "must be a key of auth_state, or a dotted path such as tokens.<server>.access_token",
        )
    margin = inner.get("margin", 60.0)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin < 30:
        raise ConfigError(facility, f"{key}.hub.margin", "must be a number of seconds, 30 or more")
    # Kernels and jobs inherit the server's environment, and this token, with the scope a hub
    # source needs, can read the user's access token: take it into memory now.
    take_env_secret(HUB_TOKEN_VARIABLE)
    return HubSettings(key=path.strip(), margin=float(margin))


class HubToken(CachedToken):
    """The access token JupyterHub keeps for the user, read from `GET /users/{name}`.

    Not `GET /user`: it returns no auth_state (jupyterhub#5103). The Hub refreshes the token
    itself (`refresh_user`, run for requests like ours); this source reads it again ahead of
    its expiry. The server's Hub token is taken out of the environment when the configuration
    is read (`parse_hub`, `take_env_secret`), so kernels, terminals and jobs do not inherit it.
    """

    login_says_expired = True  # error only for no Hub or a missing scope (`login_helps` False)

    def __init__(
        self,
        facility: str,
        settings: HubSettings,
        http: httpx.AsyncClient | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(facility, clock)
        self.settings = settings
        self.margin = settings.margin
        env = os.environ if environ is None else environ
        self.api_url = (env.get("JUPYTERHUB_API_URL") or "").rstrip("/")
        self.user = env.get("JUPYTERHUB_USER") or ""
        self._hub_token = (
            take_env_secret(HUB_TOKEN_VARIABLE) if environ is None else env.get(HUB_TOKEN_VARIABLE)
        ) or ""
        self._missing = [name for name in HUB_VARIABLES if not env.get(name)]
        if self._hub_token and HUB_TOKEN_VARIABLE in self._missing:
            self._missing.remove(HUB_TOKEN_VARIABLE)  # taken when the configuration was read
        self._http = http
        self._tls = hub_tls(self.api_url, env)

    def __repr__(self) -> str:
        return f"<HubToken {self.facility!r} key={self.settings.key!r} user={self.user!r}>"

    @property
    def in_hub(self) -> bool:
        """Whether this server was started by JupyterHub (it has the Hub's URL, user and token)."""
        return bool(self.api_url and self.user and self._hub_token)

    def login_message(self) -> str:
        return f"JupyterHub has no valid login for facility {self.facility!r}. {LOGIN_AGAIN}"

    def refused_message(self) -> str:
        return f"The facility refused the token JupyterHub holds. {LOGIN_AGAIN}"

    async def _fetch(self) -> Token:
        if not self.in_hub:
            missing = self._missing
            raise HubNotUsable(
                f"Facility {self.facility!r} takes its token from JupyterHub, but this server "
                f"was not started by JupyterHub ({', '.join(missing) or 'its variables'} not "
                "set). Use it from a JupyterHub server, or configure another token source.",
                facility=self.facility,
            )
        user = await self._read_user()
        if "auth_state" not in user:
            raise HubNotUsable(
                f"JupyterHub does not show this server the login of facility {self.facility!r}: "
                "the server's Hub token lacks the admin:auth_state!user scope (the Hub's "
                "operators must grant it: see the operators' JupyterHub page).",
                facility=self.facility,
            )
        state = user["auth_state"]
        if not state:
            raise FacilityAuthError(self.login_message(), facility=self.facility)
        return self._token_in(state)

    async def _read_user(self) -> dict[str, Any]:
        url = f"{self.api_url}/users/{quote(self.user, safe='')}"
        headers = {"Authorization": f"token {self._hub_token}"}
        where = f"JupyterHub (for facility {self.facility!r})"
        http = self._http or httpx.AsyncClient(timeout=30.0, verify=self._tls or True)
        try:
            with reaching(where, at=self.api_url):
                response = await http.get(url, headers=headers)
        finally:
            if self._http is None:
                await http.aclose()
        if response.status_code in (401, 403):
            # The Hub refused the server's token, or its refresh_user found the login gone.
            raise FacilityAuthError(
                self.login_message(), facility=self.facility, upstream_status=response.status_code
            )
        if response.status_code != 200:
            raise Unavailable(
                f"{where} answered HTTP {response.status_code} for user {self.user!r}.",
                upstream_status=response.status_code,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise Unavailable(f"{where} gave no user model.")
        return body

    def _token_in(self, state: Any) -> Token:
        """The token at the configured key, and its expiry (`exp`, or `expires_at` beside it)."""
        holder, value = _lookup(state, self.settings.key.split("."))
        if not isinstance(value, str) or not value:
            raise FacilityAuthError(
                f"JupyterHub's login of facility {self.facility!r} holds no token at "
                f"{self.settings.key!r}. {LOGIN_AGAIN} If that does not help, the Hub's operators "
                "must check the facility's hub key.",
                facility=self.facility,
            )
        expires = jwt_expiry(value)
        beside = holder.get("expires_at") if isinstance(holder, dict) else None
        if expires is None and isinstance(beside, (int, float)) and not isinstance(beside, bool):
            expires = float(beside)
        if expires is not None and expires <= self.clock():
            # The Hub could not refresh it: for token requests it then keeps answering with the
            # stale auth_state (no 403), until the user logs in again in a browser.
            raise FacilityAuthError(
                f"The token JupyterHub holds for facility {self.facility!r} has expired and the "
                f"Hub could not renew it. {LOGIN_AGAIN}",
                facility=self.facility,
            )
        log.debug("read the token of facility %r from JupyterHub", self.facility)
        return Token(value, expires)


def hub_tls(api_url: str, env: Mapping[str, str]) -> ssl.SSLContext | None:
    """With the Hub's internal TLS (an https API URL and the spawner's certificate variables):
    trust the Hub's internal CA and show our certificate, as the Hub asks of its servers.

    None (the system's CAs, no client certificate) for a Hub on plain http or without them.
    """
    ca, cert, key = (env.get(name) for name in HUB_TLS_VARIABLES)
    if not api_url.startswith("https:") or not ca:
        return None
    try:
        context = ssl.create_default_context(cafile=ca)
        if cert and key:
            context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        # The server still starts; reading the token then says the Hub cannot be reached.
        log.warning("cannot use JupyterHub's internal TLS files (%s): %s", ca, err)
        return None
    return context


def _lookup(state: Any, parts: list[str]) -> tuple[Any, Any]:
    """The dict holding the value at the dotted path `parts`, and that value (None if absent).

    A key may hold dots itself (Globus resource servers: `tokens.transfer.api.globus.org.
    access_token`), so the longest key present wins at each level.
    """
    if not isinstance(state, dict):
        return None, None
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in state:
            if end == len(parts):
                return state, state[key]
            return _lookup(state[key], parts[end:])
    return state, None
