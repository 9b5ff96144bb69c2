"""The settings of a `firecrest` facility, read and checked from its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...auth.secrets import SecretSource
from ..base import ConfigError
from ..options import check_keys, number_option, verify_option

SECRET_KINDS = ("env", "file", "value")
"""The sources the `client_secret` option accepts."""

_OPTIONS = frozenset(
    {
        "url",
        "api_version",
        "token_url",
        "client_id",
        "client_secret",
        "system",
        "timeout",
        "max_retries",
        "max_retry_after",
        "verify",
    }
)


@dataclass(frozen=True)
class FirecrestSettings:
    """Everything a FirecREST facility needs to reach its API; the secret stays redacted."""

    url: str
    token_url: str
    client_id: str
    client_secret: SecretSource
    api_version: int = 2
    """2, or 1 for deployments that still run FirecREST v1."""
    system: str | None = None
    timeout: float = 30.0
    """Seconds to wait for one network operation (connect, read or write)."""
    max_retries: int = 3
    """Retries of one request answered 429, or reset on a reused connection."""
    max_retry_after: float = 30.0
    """The longest wait a `Retry-After` header is allowed to impose."""
    verify: bool | str = True

    @classmethod
    def parse(cls, facility: str, options: Mapping[str, Any]) -> FirecrestSettings:
        """Check every option; `ConfigError` names the key at fault."""
        check_keys(facility, options, _OPTIONS)
        url = _url(facility, "url", options.get("url"))
        token_url = _url(facility, "token_url", options.get("token_url"))
        client_id = options.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise ConfigError(facility, "client_id", "required: the OIDC client id")
        if "client_secret" not in options:
            raise ConfigError(facility, "client_secret", 'required, e.g. {"env": "F7T_SECRET"}')
        secret = SecretSource.parse(
            facility, "client_secret", options["client_secret"], kinds=SECRET_KINDS
        )
        api_version = options.get("api_version", 2)
        if api_version not in (1, 2, "1", "2") or isinstance(api_version, bool):
            raise ConfigError(
                facility, "api_version", "must be 2 (FirecREST v2) or 1 (older deployments)"
            )
        system = options.get("system")
        if system is not None and (not isinstance(system, str) or not system):
            raise ConfigError(facility, "system", "must be a system name")
        return cls(
            url=url.rstrip("/"),
            token_url=token_url,
            client_id=client_id,
            client_secret=secret,
            api_version=int(api_version),
            system=system,
            timeout=number_option(facility, "timeout", options.get("timeout", 30.0), 0.1),
            max_retries=int(
                number_option(facility, "max_retries", options.get("max_retries", 3), 0)
            ),
            max_retry_after=number_option(
                facility, "max_retry_after", options.get("max_retry_after", 30.0), 0
            ),
            verify=verify_option(facility, options.get("verify", True)),
        )


def _url(facility: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(facility, key, "required: an http(s) URL")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(facility, key, "must be an http(s) URL")
    if parts.username or parts.password:
        raise ConfigError(facility, key, "must not carry credentials; use client_secret")
    return value
