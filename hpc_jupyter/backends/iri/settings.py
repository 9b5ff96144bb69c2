"""The settings of an `iri` facility, read and checked from its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..base import ConfigError
from ..options import check_keys, number_option, verify_option
from .auth_config import AuthSettings, parse_auth

_OPTIONS = frozenset(
    {
        "url",
        "compute_resource",
        "storage_resource",
        "system",
        "home",
        "queue",
        "account",
        "filesystems",
        "custom_attributes",
        "auth",
        "timeout",
        "task_timeout",
        "max_retries",
        "max_retry_after",
        "direct_limit",
        "page_size",
        "max_pages",
        "historical",
        "verify",
    }
)

DIRECT_LIMIT = 5 * 1024 * 1024
"""The IRI API's largest `view` (5 MiB); uploads and downloads are direct, so kept as small."""


@dataclass(frozen=True)
class IRISettings:
    """Everything an IRI facility needs: where the API is, which resources, defaults, auth."""

    url: str
    """The API's base URL with its version, e.g. `https://api.alcf.anl.gov/api/v1`."""
    compute_resource: str
    """The id or name of the compute resource (`GET /status/resources`)."""
    storage_resource: str
    """The id or name of the storage resource files are read and written on."""
    auth: AuthSettings
    system: str | None = None
    home: str = "."
    queue: str | None = None
    account: str | None = None
    filesystems: str | None = None
    custom_attributes: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    task_timeout: float = 120.0
    max_retries: int = 3
    max_retry_after: float = 30.0
    direct_limit: int = DIRECT_LIMIT
    page_size: int = 100
    max_pages: int = 20
    historical: bool = True
    verify: bool | str = True

    @classmethod
    def parse(cls, facility: str, options: Mapping[str, Any]) -> IRISettings:
        """Check every option; `ConfigError` names the key at fault."""
        check_keys(facility, options, _OPTIONS)
        if "auth" not in options:
            raise ConfigError(
                facility, "auth", 'required, e.g. {"token_file": "~/.globus/app/.../tokens.json"}'
            )
        custom = options.get("custom_attributes", {})
        if not isinstance(custom, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in custom.items()
        ):
            raise ConfigError(facility, "custom_attributes", "must map names to strings")
        historical = options.get("historical", True)
        if not isinstance(historical, bool):
            raise ConfigError(facility, "historical", "must be true or false")
        num = number_option
        return cls(
            url=_url(facility, options.get("url")),
            compute_resource=_text(facility, "compute_resource", options, required=True) or "",
            storage_resource=_text(facility, "storage_resource", options, required=True) or "",
            auth=parse_auth(facility, options["auth"]),
            system=_text(facility, "system", options),
            home=_text(facility, "home", options) or ".",
            queue=_text(facility, "queue", options),
            account=_text(facility, "account", options),
            filesystems=_text(facility, "filesystems", options),
            custom_attributes=dict(custom),
            timeout=num(facility, "timeout", options.get("timeout", 30.0), 0.1),
            task_timeout=num(facility, "task_timeout", options.get("task_timeout", 120.0), 0.1),
            max_retries=int(num(facility, "max_retries", options.get("max_retries", 3), 0)),
            max_retry_after=num(
                facility, "max_retry_after", options.get("max_retry_after", 30.0), 0
            ),
            direct_limit=int(
                num(facility, "direct_limit", options.get("direct_limit", DIRECT_LIMIT), 1)
            ),
            page_size=int(num(facility, "page_size", options.get("page_size", 100), 1)),
            max_pages=int(num(facility, "max_pages", options.get("max_pages", 20), 1)),
            historical=historical,
            verify=verify_option(facility, options.get("verify", True)),
        )


def _url(facility: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(facility, "url", "required: the API's URL, e.g. https://.../api/v1")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(facility, "url", "must be an http(s) URL")
    if parts.username or parts.password or parts.query:
        raise ConfigError(facility, "url", "must not carry credentials or a query; use auth")
    return value.rstrip("/")


def _text(
    facility: str, key: str, options: Mapping[str, Any], required: bool = False
) -> str | None:
    value = options.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ConfigError(
            facility,
            key,
            "required: a non-empty string" if required else "must be a non-empty string",
        )
    return value.strip()
