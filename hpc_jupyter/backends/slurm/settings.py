"""The settings of the Slurm kinds: `slurm-cli` and `slurmrestd` share most of them."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...auth.device_settings import DeviceSettings
from ...auth.hub import HubSettings
from ...auth.secrets import SecretSource
from ...errors import ConfigError
from ..options import DAYS, SECONDS, secret_or_hub, text
from ..settings import Check, option
from .schema import NEWEST, OLDEST

_VERSION = re.compile(r"^(?:v?0\.0\.)?(\d+)$")


def _files(facility: str, key: str, spec: Any) -> Path | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or spec.get("kind") != "local":
        raise ConfigError(facility, key, 'must be {"kind": "local", "root": "/path"}')
    extra = set(spec) - {"kind", "root"}
    if extra:
        raise ConfigError(facility, key, f"unknown key {sorted(extra)[0]!r}")
    root = spec.get("root")
    if not isinstance(root, str) or not root:
        raise ConfigError(facility, key, "needs a `root` directory")
    path = Path(os.path.expanduser(root)).resolve()
    if not path.is_dir():
        raise ConfigError(facility, key, f"root {str(path)!r} is not a directory")
    return path


def _absolute(facility: str, key: str, value: Any) -> str | None:
    home: str | None = text().read(facility, key, value)
    if home is not None and not home.startswith("/"):
        raise ConfigError(facility, key, "must be an absolute path")
    return home


def _words(facility: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w for w in value):
        raise ConfigError(facility, key, 'must be a list of words, e.g. ["ssh", "login01"]')
    return list(value)


def _slurmrestd_url(facility: str, key: str, value: Any) -> str:
    url: str | None = text().read(facility, key, value)
    if url is None or not re.match(r"^https?://[^/]+", url):
        raise ConfigError(facility, key, "needs the slurmrestd URL, e.g. http://127.0.0.1:6820")
    return url


def _api_version(facility: str, key: str, value: Any) -> int | None:
    if value is None:
        return None
    match = _VERSION.match(str(value))
    number = int(match.group(1)) if match else -1
    if not OLDEST <= number <= NEWEST:
        raise ConfigError(
            facility, key, f"use one of v0.0.{OLDEST} to v0.0.{NEWEST}, e.g. 'v0.0.40'"
        )
    return number


@dataclass(frozen=True, kw_only=True)
class SlurmSettings:
    """The options both Slurm kinds take."""

    partition: str | None = option(
        "the partition when neither the request nor the script's `#SBATCH` lines say",
        text(),
        default=None,
    )
    account: str | None = option(
        "the account when neither the request nor the script's `#SBATCH` lines say",
        text(),
        default=None,
    )
    files: Path | None = option(
        "the filesystem the jobs see, for file views and job logs; without it, jobs work but "
        "logs cannot be read",
        Check('`{"kind": "local", "root": DIR}`', _files),
        default=None,
    )
    home: str | None = option(
        "where jobs start when nothing says",
        Check("an absolute path", _absolute),
        default=None,
        shown_default="the `files` root, else the user's home",
    )
    system: str | None = option(
        "the name the cluster is shown under",
        text(),
        default=None,
        shown_default="the facility's name",
    )
    history_days: int = option(
        "finished jobs of the last N days from accounting (`/slurmdb/` or `sacct`) stay listed",
        DAYS,
        default=7,
    )

    def start_dir(self, user: str) -> str:
        """Where jobs start by default: `home`, else the files root, else the user's home."""
        if self.home is not None:
            return self.home
        if self.files is not None:
            return str(self.files)
        try:
            import pwd

            return pwd.getpwnam(user).pw_dir
        except (KeyError, ImportError):
            return f"/home/{user}"


@dataclass(frozen=True, kw_only=True)
class SlurmCLISettings(SlurmSettings):
    """Options of the `slurm-cli` kind (all optional)."""

    user: str | None = option(
        "whose jobs to show", text(), default=None, shown_default="the user the server runs as"
    )
    prefix: list[str] = option(
        'words put before every Slurm command, e.g. `["ssh", "login01"]`',
        Check("a list of words", _words),
        default_factory=list,
    )
    timeout: float = option("seconds a Slurm command may take", SECONDS, default=60.0)


@dataclass(frozen=True, kw_only=True)
class SlurmRestSettings(SlurmSettings):
    """Options of the `slurmrestd` kind."""

    url: str = option(
        "slurmrestd's URL",
        Check("an http(s) URL", _slurmrestd_url),
        missing="needs the slurmrestd URL, e.g. http://127.0.0.1:6820",
    )
    user: str = option(
        "the Slurm user the token belongs to",
        text(absent="needs the Slurm user name the token belongs to"),
        missing="needs the Slurm user name the token belongs to",
    )
    token: SecretSource | HubSettings | DeviceSettings = option(
        'where the user\'s JWT comes from, e.g. `{"command": "scontrol token lifespan=3600"}`; '
        "read again before its `exp` and once after Slurm refuses it; "
        '`{"hub": {"key": "access_token"}}` takes the IdP token JupyterHub holds for the user '
        "(for a Slurm that accepts it with `AuthAltParameters=jwks=`); "
        '`{"login": {"flow": "device", ...}}` the IdP token of a device login the user makes '
        "from the panel or `%hpc_login` (the same Slurm setup)",
        secret_or_hub(),
        missing='needs a token source, e.g. {"command": "scontrol token lifespan=600"}',
        secret=True,
    )
    api_version: int | None = option(
        f"the API version to speak, `v0.0.{OLDEST}` … `v0.0.{NEWEST}`",
        Check("a version such as `v0.0.40`", _api_version),
        default=None,
        shown_default="the newest the server serves",
    )
    timeout: float = option("seconds to wait for one request", SECONDS, default=30.0)
