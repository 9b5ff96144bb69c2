"""`{"login": {"flow": "device", ...}}`: where a facility's OAuth device login (RFC 8628) goes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

LOGIN_KEYS = ("flow", "issuer", "device_url", "token_url", "client_id", "scope", "pkce", "margin")
FLOWS = ("device",)


@dataclass(frozen=True)
class DeviceSettings:
    """A device login at an OIDC provider: by its issuer (discovery) or by its two endpoints."""

    client_id: str
    """A public client of the provider with the device grant enabled (no secret)."""
    issuer: str | None = None
    """The issuer URL: the endpoints come from its `.well-known/openid-configuration`."""
    device_url: str | None = None
    """The device authorization endpoint, when not discovered."""
    token_url: str | None = None
    """The token endpoint, when not discovered."""
    scope: str | None = None
    """Space-separated scopes, e.g. `openid offline_access` (a refresh token needs the latter
    at some providers)."""
    pkce: bool = True
    """Send a PKCE S256 challenge with the device request (Keycloak requires it)."""
    margin: float = 60.0
    """Refresh once the access token has less than this many seconds left."""
    flow: str = "device"


def is_login_spec(value: Any) -> bool:
    """True when a configured token is `{"login": ...}`."""
    return isinstance(value, Mapping) and len(value) == 1 and "login" in value


def _url(facility: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise ConfigError(facility, key, "must be an http(s) URL")
    parts = urlsplit(value)
    if not parts.netloc or parts.username or parts.password:
        raise ConfigError(facility, key, "must be an http(s) URL without user or password")
    return value.rstrip("/")


def parse_login(facility: str, key: str, spec: Any) -> DeviceSettings:
    """Check `{"login": {...}}`; `ConfigError` names the facility and the sub-key at fault."""
    if not is_login_spec(spec):
        raise ConfigError(facility, key, 'must be {"login": {...}}')
    inner = spec["login"]
    where = f"{key}.login"
    if not isinstance(inner, Mapping):
        raise ConfigError(facility, where, 'must be a dict such as {"flow": "device", ...}')
    unknown = sorted(set(inner) - set(LOGIN_KEYS))
    if unknown:
        raise ConfigError(facility, where, f"unknown keys {unknown}; known: {list(LOGIN_KEYS)}")
    flow = inner.get("flow")
    if flow not in FLOWS:
        raise ConfigError(facility, f"{where}.flow", f"must be one of {list(FLOWS)}")
    client_id = inner.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip():
        raise ConfigError(facility, f"{where}.client_id", "required: the OIDC client id")
    issuer = inner.get("issuer")
    endpoints = {name: inner.get(name) for name in ("device_url", "token_url")}
    if issuer is not None:
        issuer = _url(facility, f"{where}.issuer", issuer)
        for name, value in endpoints.items():
            if value is not None:
                raise ConfigError(facility, f"{where}.{name}", "must not be set with `issuer`")
    else:
        for name, value in endpoints.items():
            if value is None:
                raise ConfigError(
                    facility, f"{where}.{name}", "required unless `issuer` is set (discovery)"
                )
            endpoints[name] = _url(facility, f"{where}.{name}", value)
    scope = inner.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope.strip()):
        raise ConfigError(facility, f"{where}.scope", "must be space-separated scopes")
    pkce = inner.get("pkce", True)
    if not isinstance(pkce, bool):
        raise ConfigError(facility, f"{where}.pkce", "must be true or false")
    margin = inner.get("margin", 60.0)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin < 30:
        raise ConfigError(facility, f"{where}.margin", "must be a number of seconds, 30 or more")
    return DeviceSettings(
        client_id=client_id.strip(),
        issuer=issuer,
        device_url=endpoints["device_url"],
        token_url=endpoints["token_url"],
        scope=scope.strip() if scope else None,
        pkce=pkce,
        margin=float(margin),
    )
