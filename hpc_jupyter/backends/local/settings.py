"""The settings of a `local` facility: where its files are, and how many jobs run at once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ..settings import Check, option


def _directory(facility: str, key: str, value: Any) -> Path:
    root = Path(os.path.expanduser(str(value)))
    if not root.is_dir():
        raise ConfigError(facility, key, f"{str(root)!r} is not a directory")
    return root


def _at_least_one(facility: str, key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(facility, key, "must be a whole number of at least 1")
    return value


@dataclass(frozen=True, kw_only=True)
class LocalSettings:
    """Options of the `local` kind; `create` supplies the defaults that depend on the machine."""

    root: Path = option(
        "files are served under this directory only; any path that resolves outside it "
        "(`..`, an absolute path, a symbolic link) is refused with 403",
        Check("a directory (`~` allowed)", _directory),
        shown_default="the Jupyter server's root directory",
    )
    max_running: int = option(
        "jobs beyond this many wait as PENDING; counts the running jobs of all the user's "
        "servers, which share this machine",
        Check("a whole number, 1 or more", _at_least_one),
        shown_default="the number of CPUs",
    )
