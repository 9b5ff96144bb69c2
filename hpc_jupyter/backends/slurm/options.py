"""Reading the options every Slurm facility kind shares: defaults and the files jobs see."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..base import ConfigError, FileBackend
from ..local.files import LocalFiles
from ..options import text_option


def files_option(
    facility: str, options: Mapping[str, Any]
) -> tuple[FileBackend | None, str | None]:
    """`files: {"kind": "local", "root": DIR}`: the filesystem the jobs see, and its root."""
    spec = options.get("files")
    if spec is None:
        return None, None
    if not isinstance(spec, Mapping) or spec.get("kind") != "local":
        raise ConfigError(facility, "files", 'must be {"kind": "local", "root": "/path"}')
    extra = set(spec) - {"kind", "root"}
    if extra:
        raise ConfigError(facility, "files", f"unknown key {sorted(extra)[0]!r}")
    root = spec.get("root")
    if not isinstance(root, str) or not root:
        raise ConfigError(facility, "files", "needs a `root` directory")
    path = Path(os.path.expanduser(root)).resolve()
    if not path.is_dir():
        raise ConfigError(facility, "files", f"root {str(path)!r} is not a directory")
    return LocalFiles(path), str(path)


def home_option(
    facility: str, options: Mapping[str, Any], files_root: str | None, user: str
) -> str:
    """Where jobs start by default: `home`, else the files root, else the user's home."""
    home = text_option(facility, options, "home") or files_root
    if home is None:
        try:
            import pwd

            home = pwd.getpwnam(user).pw_dir
        except (KeyError, ImportError):
            home = f"/home/{user}"
    if not home.startswith("/"):
        raise ConfigError(facility, "home", "must be an absolute path")
    return home
