"""Checks for facility options that every kind shares; a `ConfigError` names the key at fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import ConfigError


def check_keys(facility: str, options: Mapping[str, Any], known: frozenset[str]) -> None:
    """Refuse any option this kind does not know, naming it."""
    for key in options:
        if key not in known:
            raise ConfigError(facility, key, f"unknown option; known: {sorted(known)}")


def text_option(facility: str, options: Mapping[str, Any], key: str) -> str | None:
    """An optional non-empty string."""
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(facility, key, "must be a non-empty string")
    return value.strip()


def number_option(facility: str, key: str, value: Any, minimum: float) -> float:
    """A number (not a boolean) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError(facility, key, f"must be a number, {minimum} or more")
    return float(value)


def seconds_option(facility: str, options: Mapping[str, Any], key: str, default: float) -> float:
    """A positive number of seconds."""
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(facility, key, "must be a number of seconds above zero")
    return float(value)


def days_option(facility: str, options: Mapping[str, Any]) -> int:
    """`history_days`: how far back finished jobs stay listed (0: no history)."""
    days = options.get("history_days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ConfigError(facility, "history_days", "must be a whole number of days (0: off)")
    return days


def verify_option(facility: str, value: Any) -> bool | str:
    """`verify`: check the server's TLS certificate (true), not (false), or with this CA bundle."""
    if isinstance(value, bool) or (isinstance(value, str) and value):
        return value
    raise ConfigError(facility, "verify", "true, false, or the path of a CA bundle")
