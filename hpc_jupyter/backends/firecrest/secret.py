"""Client secrets read from the environment, a private file or the configuration, never shown."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..base import ConfigError


class Secret:
    """A credential that refuses to be printed: its repr and str are redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read_secret(facility: str, key: str, source: Any) -> Secret:
    """A secret from `{"env": NAME}`, `{"file": PATH}` (mode 0600 or stricter) or `{"value": S}`."""
    if not isinstance(source, Mapping) or len(source) != 1:
        raise ConfigError(
            facility, key, 'give exactly one of {"env": NAME}, {"file": PATH} or {"value": SECRET}'
        )
    ((how, where),) = source.items()
    if not isinstance(where, str) or not where:
        raise ConfigError(facility, key, f"{how!r} must be a non-empty string")
    if how == "env":
        value = os.environ.get(where)
        if not value:
            raise ConfigError(facility, key, f"the environment variable {where!r} is not set")
        return Secret(value)
    if how == "file":
        return Secret(_read_private_file(facility, key, Path(os.path.expanduser(where))))
    if how == "value":
        return Secret(where)
    raise ConfigError(facility, key, f"unknown secret source {how!r}; use env, file or value")


def _read_private_file(facility: str, key: str, path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        raise ConfigError(facility, key, f"cannot read {str(path)!r}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(facility, key, f"{str(path)!r} is not a regular file")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigError(
            facility, key, f"{str(path)!r} is readable by others; run: chmod 600 {path}"
        )
    try:
        value = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        raise ConfigError(facility, key, f"cannot read {str(path)!r}") from None
    if not value:
        raise ConfigError(facility, key, f"{str(path)!r} is empty")
    return value
