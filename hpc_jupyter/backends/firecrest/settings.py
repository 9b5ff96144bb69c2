"""The settings of a `firecrest` facility, read and checked from its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...auth.device_settings import DeviceSettings
from ...auth.hub import HubSettings
from ...auth.secrets import SecretSource
from ...errors import ConfigError
from ..options import VERIFY, RetrySettings, http_url, hub_or_login, number, secret, text
from ..settings import Check, option, read_settings

SECRET_KINDS = ("env", "file", "value")
"""The sources the `client_secret` option accepts."""

_NO_CREDENTIALS = "must not carry credentials; use client_secret"


def _api_version(facility: str, key: str, value: Any) -> int:
    if value not in (1, 2, "1", "2") or isinstance(value, bool):
        raise ConfigError(facility, key, "must be 2 (FirecREST v2) or 1 (older deployments)")
    return int(value)


@dataclass(frozen=True, kw_only=True)
class FirecrestSettings(RetrySettings):
    """Everything a FirecREST facility needs to reach its API; the secret stays redacted."""

    url: str = option(
        "FirecREST's URL, e.g. `https://api.cscs.ch/hpc/firecrest/v2`",
        http_url("required: an http(s) URL", _NO_CREDENTIALS),
        missing="required: an http(s) URL",
    )
    token_url: str | None = option(
        "the OIDC token endpoint that trades the client's id and secret for access tokens",
        http_url("required: an http(s) URL", _NO_CREDENTIALS, strip_slash=False),
        default=None,
        shown_default="required, unless `token` is set",
    )
    client_id: str | None = option(
        "the OIDC client id",
        text("required: the OIDC client id", absent="required: the OIDC client id", strip=False),
        default=None,
        shown_default="required, unless `token` is set",
    )
    client_secret: SecretSource | None = option(
        "the OIDC client secret; read once at start (a warning names an unset variable or "
        "unreadable file) and again for every new token",
        secret(SECRET_KINDS),
        default=None,
        shown_default="required, unless `token` is set",
        secret=True,
    )
    token: HubSettings | DeviceSettings | None = option(
        '`{"hub": {"key": "access_token"}}`: instead of client credentials, the user\'s own '
        "access token, which JupyterHub holds in its auth_state (a Hub-spawned server only); "
        'or `{"login": {"flow": "device", "issuer": ..., "client_id": ..., "scope": ...}}`: '
        "a device login the user makes from the panel or `%hpc_login` (see the login docs)",
        hub_or_login(),
        default=None,
    )
    api_version: int = option(
        "2, or 1 for deployments that still run FirecREST v1",
        Check("`2` or `1`", _api_version),
        default=2,
    )
    system: str | None = option(
        "the default system; every system is reachable with `?system=`",
        text("must be a system name", strip=False),
        default=None,
        shown_default="the first system FirecREST lists",
    )
    timeout: float = option(
        "seconds to wait for one network operation (connect, read or write)",
        number(0.1),
        default=30.0,
    )
    verify: bool | str = option(
        "check the server's TLS certificate (true), not (false), or with this CA bundle",
        VERIFY,
        default=True,
    )

    @classmethod
    def parse(cls, facility: str, options: Mapping[str, Any]) -> FirecrestSettings:
        """Check every option; `ConfigError` names the key at fault."""
        settings = read_settings(cls, facility, options)
        if settings.token is not None:
            for key in ("token_url", "client_id", "client_secret"):
                if key in options:
                    raise ConfigError(facility, key, "must not be set with `token` (one or other)")
            return settings
        for key, problem in _CLIENT_CREDENTIALS.items():
            if getattr(settings, key) is None:
                raise ConfigError(facility, key, problem)
        return settings


_CLIENT_CREDENTIALS = {
    "token_url": "required: an http(s) URL",
    "client_id": "required: the OIDC client id",
    "client_secret": 'required, e.g. {"env": "F7T_SECRET"}',
}
"""The options a facility without `token` needs, and what a missing one is reported as."""
