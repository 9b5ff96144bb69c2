"""The checks facility options share; each says what it accepts, and `ConfigError` names the key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..auth.device_settings import DeviceSettings, is_login_spec, parse_login
from ..auth.hub import HubSettings, is_hub_spec, parse_hub
from ..auth.secrets import SecretSource
from ..errors import ConfigError
from .settings import Check, option


def text(
    problem: str = "must be a non-empty string",
    *,
    absent: str | None = None,
    single_line: bool = False,
    strip: bool = True,
) -> Check:
    """A non-empty string; `None` is no value unless `absent` says what is missing.

    `strip=False` keeps the value as written, blanks included (an id, a system name).
    """

    def read(facility: str, key: str, value: Any) -> str | None:
        if value is None and absent is None:
            return None
        if value is None or not isinstance(value, str) or not (value.strip() if strip else value):
            raise ConfigError(facility, key, absent if value is None and absent else problem)
        if single_line and "\n" in value:
            raise ConfigError(facility, key, problem)
        return value.strip() if strip else value

    return Check("a one-line string" if single_line else "a string", read)


def number(minimum: float, *, whole: bool = False) -> Check:
    """A number (not a boolean) of at least `minimum`; `whole` keeps its integer part."""

    def read(facility: str, key: str, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise ConfigError(facility, key, f"must be a number, {minimum} or more")
        return int(value) if whole else float(value)

    return Check(f"a {'whole ' if whole else ''}number, {minimum} or more", read)


def _seconds(facility: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(facility, key, "must be a number of seconds above zero")
    return float(value)


SECONDS = Check("seconds, above zero", _seconds)


def _days(facility: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(facility, key, "must be a whole number of days (0: off)")
    return value


DAYS = Check("a whole number of days (0: off)", _days)


def _flag(facility: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(facility, key, "must be true or false")
    return value


FLAG = Check("true or false", _flag)


def _verify(facility: str, key: str, value: Any) -> bool | str:
    if isinstance(value, bool) or (isinstance(value, str) and value):
        return value
    raise ConfigError(facility, key, "true, false, or the path of a CA bundle")


VERIFY = Check("true, false, or the path of a CA bundle", _verify)
"""`verify`: check the server's TLS certificate (true), not (false), or with this CA bundle."""


def _names_to_strings(facility: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(facility, key, "must map names to strings")
    return dict(value)


NAMES_TO_STRINGS = Check("a dict of names to strings", _names_to_strings)


def secret(kinds: tuple[str, ...] = SecretSource.KINDS) -> Check:
    """A secret source (`SecretSource`): where the secret is, never the secret itself."""

    def read(facility: str, key: str, value: Any) -> SecretSource:
        return SecretSource.parse(facility, key, value, kinds=kinds)

    shown = ", ".join(f'`{{"{kind}": ...}}`' for kind in kinds)
    return Check(f"a secret source: {shown}", read)


def secret_or_hub(kinds: tuple[str, ...] = SecretSource.KINDS) -> Check:
    """A secret source, `{"hub": {...}}` (the user's token from JupyterHub's auth_state), or
    `{"login": {...}}` (a device login the user makes)."""

    def read(facility: str, key: str, value: Any) -> SecretSource | HubSettings | DeviceSettings:
        if is_hub_spec(value):
            return parse_hub(facility, key, value)
        if is_login_spec(value):
            return parse_login(facility, key, value)
        return SecretSource.parse(facility, key, value, kinds=kinds)

    shown = ", ".join(f'`{{"{kind}": ...}}`' for kind in (*kinds, "hub", "login"))
    return Check(f"a secret source: {shown}", read)


def hub() -> Check:
    """`{"hub": {"key": ..., "margin": ...}}` only."""
    return Check('`{"hub": {...}}`', parse_hub)


def hub_or_login() -> Check:
    """`{"hub": {...}}`, or `{"login": {"flow": "device", ...}}`: a login the user makes."""

    def read(facility: str, key: str, value: Any) -> HubSettings | DeviceSettings:
        if is_login_spec(value):
            return parse_login(facility, key, value)
        return parse_hub(facility, key, value)

    return Check('`{"hub": {...}}` or `{"login": {...}}`', read)


def http_url(
    absent: str, credentials: str, *, query: bool = True, strip_slash: bool = True
) -> Check:
    """An http(s) URL without user or password (nor a query, unless `query`)."""

    def read(facility: str, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ConfigError(facility, key, absent)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(facility, key, "must be an http(s) URL")
        if parts.username or parts.password or (parts.query and not query):
            raise ConfigError(facility, key, credentials)
        return value.rstrip("/") if strip_slash else value

    return Check("an http(s) URL", read)


@dataclass(frozen=True, kw_only=True)
class RetrySettings:
    """The retry options of the kinds that send through `backends/http.py`'s `retrying()`."""

    max_retries: int = option(
        "retries of one request answered 429, or reset on a reused connection",
        number(0, whole=True),
        default=3,
    )
    max_retry_after: float = option(
        "the longest wait a `Retry-After` header is allowed to impose, in seconds",
        number(0),
        default=30.0,
    )
