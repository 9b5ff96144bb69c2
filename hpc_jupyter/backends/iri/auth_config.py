"""How an `iri` facility authenticates: a Globus token file, a refresh token, or a bearer token."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...auth.device_settings import DeviceSettings, is_login_spec, parse_login
from ...auth.globus_login import GlobusLoginSettings, parse_globus_login
from ...auth.hub import HubSettings, is_hub_spec, parse_hub
from ...auth.login import how_to_log_in
from ...auth.secrets import SecretSource
from ..base import ConfigError

GLOBUS_AUTH_URL = "https://auth.globus.org"
_CLIENT_IN_PATH = re.compile(r"/\.globus/app/(?P<client>[0-9a-fA-F-]{36})/[^/]+/tokens\.json$")
_GLOBUS_KEYS = frozenset(
    {
        "token_file",
        "refresh_token",
        "access_token",
        "client_id",
        "resource_server",
        "auth_url",
        "login_hint",
        "login",
    }
)
ALCF_APP = "alcf_facility_api_app"
"""The app name under which ALCF's helper keeps its Globus tokens (globus-sdk's JSON storage)."""


def default_login_hint(source: str) -> str:
    """What to tell a user whose refresh token has expired."""
    return (
        f"Log in to Globus again with the tool that wrote {source} (for ALCF, the helper "
        "script's `authenticate --force`), then retry; the server reads the new tokens at once."
    )


@dataclass(frozen=True)
class AuthSettings:
    """One of: a Globus token file, a Globus refresh token from a secret source, a bearer token."""

    kind: str
    """`token_file`, `refresh_token`, `static`, `hub` or `login` (a device login)."""
    token_file: Path | None = None
    refresh_token: SecretSource | None = None
    access_token: SecretSource | None = None
    """The static bearer token (`static`) or a first access token (`refresh_token`)."""
    client_id: str | None = None
    resource_server: str | None = None
    auth_url: str = GLOBUS_AUTH_URL
    login_hint: str = ""
    hub: HubSettings | None = None
    """Where the access token is in JupyterHub's auth_state (`hub`)."""
    device: DeviceSettings | None = None
    """The device login that gives the bearer token (`login`)."""
    globus_login: GlobusLoginSettings | None = None
    """The Globus login that writes `token_file` (`token_file` with `login`)."""

    def __repr__(self) -> str:
        where = (
            self.token_file or self.refresh_token or self.access_token or self.hub or self.device
        )
        return f"<AuthSettings {self.kind} from {where!r}>"


def parse_auth(facility: str, spec: Any) -> AuthSettings:
    """Check the `auth` option; `ConfigError` names the key at fault, never a secret."""
    if isinstance(spec, Mapping) and len(spec) == 1 and next(iter(spec)) in SecretSource.KINDS:
        return AuthSettings("static", access_token=SecretSource.parse(facility, "auth", spec))
    if is_hub_spec(spec):
        return AuthSettings("hub", hub=parse_hub(facility, "auth", spec))
    if is_login_spec(spec):
        return AuthSettings("login", device=parse_login(facility, "auth", spec))
    if not isinstance(spec, Mapping):
        raise ConfigError(facility, "auth", "must be a dict")
    unknown = set(spec) - _GLOBUS_KEYS
    if unknown:
        raise ConfigError(
            facility, "auth", f"unknown keys {sorted(unknown)}; known: {sorted(_GLOBUS_KEYS)}"
        )
    client_id = _optional(facility, "auth.client_id", spec.get("client_id"))
    resource_server = _optional(facility, "auth.resource_server", spec.get("resource_server"))
    auth_url = _optional(facility, "auth.auth_url", spec.get("auth_url")) or GLOBUS_AUTH_URL
    hint = _optional(facility, "auth.login_hint", spec.get("login_hint"))
    login = None
    if "login" in spec:
        login = parse_globus_login(facility, "auth.login", spec["login"])
        if "refresh_token" in spec:
            raise ConfigError(facility, "auth.refresh_token", "must not be set with `login`")
        if client_id is None:
            raise ConfigError(facility, "auth.client_id", "required with `login`")
        hint = hint or how_to_log_in(facility)
    if "token_file" in spec or login is not None:
        raw = _optional(facility, "auth.token_file", spec.get("token_file"))
        if raw is None and login is not None:
            raw = f"~/.globus/app/{client_id}/{ALCF_APP}/tokens.json"
        if raw is None:
            raise ConfigError(facility, "auth.token_file", "must be the path of a tokens.json")
        path = Path(os.path.expanduser(raw))
        if client_id is None:
            match = _CLIENT_IN_PATH.search(str(path))
            client_id = match.group("client") if match else None
        if client_id is None:
            raise ConfigError(
                facility, "auth.client_id", "required: the token file's path does not name it"
            )
        if path.exists():
            SecretSource.parse(facility, "auth.token_file", {"file": str(path)})  # 0600 check
        return AuthSettings(
            "token_file",
            token_file=path,
            client_id=client_id,
            resource_server=resource_server,
            auth_url=auth_url.rstrip("/"),
            login_hint=hint or default_login_hint(str(path)),
            globus_login=login,
        )
    if "refresh_token" in spec:
        if client_id is None:
            raise ConfigError(facility, "auth.client_id", "required with a refresh_token")
        access = spec.get("access_token")
        return AuthSettings(
            "refresh_token",
            refresh_token=SecretSource.parse(facility, "auth.refresh_token", spec["refresh_token"]),
            access_token=None
            if access is None
            else SecretSource.parse(facility, "auth.access_token", access),
            client_id=client_id,
            resource_server=resource_server,
            auth_url=auth_url.rstrip("/"),
            login_hint=hint or default_login_hint("the configured refresh token"),
        )
    raise ConfigError(
        facility,
        "auth",
        'use {"token_file": ...}, {"refresh_token": ..., "client_id": ...}, {"hub": {...}}, '
        '{"login": {"flow": "device", ...}} or a bearer token source such as {"env": "IRI_TOKEN"}',
    )


def _optional(facility: str, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(facility, key, "must be a non-empty string")
    return value.strip()
