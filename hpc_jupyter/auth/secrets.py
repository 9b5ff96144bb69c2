"""Where a facility's secret comes from: an environment variable, a private file, a command."""

from __future__ import annotations

import asyncio
import ctypes
import os
import shlex
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..backends.process import run_process
from ..errors import ConfigError, FacilityAuthError

COMMAND_TIMEOUT = 30.0

_TAKEN: dict[str, str] = {}
"""Secret variables taken out of this process's environment (`take_env_secret`), by name."""


def take_env_secret(name: str) -> str | None:
    """The value of the environment variable `name`, which is then removed from `os.environ`.

    Everything the server starts inherits its environment: kernels, terminals, local jobs,
    `sbatch` (which exports it into the job), token commands. A variable a facility reads a
    secret from is therefore taken into memory once and unset; the value stays known here, so
    two facilities may name one variable. A variable set again later is taken again.
    """
    value = os.environ.pop(name, None)
    if value is not None:
        _TAKEN[name] = value
        _scrub_initial_environment(name)
    return _TAKEN.get(name)


def _scrub_initial_environment(name: str) -> None:
    """Overwrite the value of `name` in the environment this process was started with (Linux).

    Unsetting a variable only drops it from `environ`: its bytes stay in the block the kernel
    wrote at exec, which /proc/<pid>/environ shows to every process of the same user, kernels
    included (they know the server's pid). The block is this process's own memory; zeroing a
    value there changes nothing else.
    """
    try:
        # Fields 50 and 51 of /proc/self/stat (proc(5)): where that block starts and ends.
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])
    except (OSError, ValueError, IndexError):
        return  # not Linux, or an old kernel: there is no such file to worry about
    if not 0 < start < end:
        return
    block = ctypes.string_at(start, end - start)
    prefix = name.encode() + b"="
    offset = 0
    for entry in block.split(b"\0"):
        if entry.startswith(prefix):
            ctypes.memset(start + offset + len(prefix), 0, len(entry) - len(prefix))
        offset += len(entry) + 1


class SecretSource:
    """A secret named in the configuration, read when needed and never shown.

    One of `{"env": NAME}` (taken out of the server's environment when the configuration is
    read: see `take_env_secret`), `{"file": PATH}` (refused unless only its owner can read it),
    `{"command": "..."}` (its standard output, stripped) or `{"value": "..."}`.
    """

    KINDS = ("env", "file", "command", "value")

    def __init__(self, kind: str, where: str) -> None:
        self.kind = kind
        self._where = where  # a variable name, path or command line; the secret itself for value

    @classmethod
    def parse(
        cls, facility: str, key: str, spec: Any, kinds: tuple[str, ...] = KINDS
    ) -> SecretSource:
        """Validate one configuration value; `ConfigError` names the facility and the key."""
        allowed = ", ".join(f'{{"{kind}": ...}}' for kind in kinds)
        if not isinstance(spec, Mapping) or len(spec) != 1:
            raise ConfigError(facility, key, f"must be one of {allowed}")
        ((kind, where),) = spec.items()
        if kind not in kinds:
            raise ConfigError(facility, key, f"unknown source {kind!r}; use one of {allowed}")
        if not isinstance(where, str) or not where.strip():
            raise ConfigError(facility, key, f"the {kind!r} source must be a non-empty string")
        if kind == "file":
            path = Path(os.path.expanduser(where))
            if path.exists():
                _check_private(path, lambda problem: ConfigError(facility, key, problem))
            where = str(path)
        if kind == "env":
            take_env_secret(where)
        if kind == "command":
            try:
                shlex.split(where)
            except ValueError as err:
                raise ConfigError(facility, key, f"the command cannot be parsed: {err}") from None
        return cls(kind, where)

    def describe(self) -> str:
        """Where the secret comes from, safe to show (never the secret itself)."""
        if self.kind == "env":
            return f"environment variable {self._where}"
        if self.kind == "file":
            return f"file {self._where}"
        if self.kind == "command":
            return f"command `{shlex.split(self._where)[0]}`"
        return "the configured value"

    async def read(self) -> str:
        """The secret now, or `FacilityAuthError` naming the source (never the secret)."""
        if self.kind == "value":
            return self._where
        if self.kind == "env":
            value = (take_env_secret(self._where) or "").strip()
            if not value:
                raise FacilityAuthError(f"The {self.describe()} is not set.")
            return value
        if self.kind == "file":
            return await asyncio.to_thread(self._read_file)
        return await self._run_command()

    def _read_file(self) -> str:
        path = Path(self._where)
        try:
            _check_private(path, FacilityAuthError)
            value = path.read_text().strip()
        except OSError as err:
            raise FacilityAuthError(f"Cannot read the {self.describe()}: {err.strerror}.") from None
        if not value:
            raise FacilityAuthError(f"The {self.describe()} is empty.")
        return value

    async def _run_command(self) -> str:
        try:
            done = await run_process(shlex.split(self._where), None, COMMAND_TIMEOUT)
        except OSError as err:
            raise FacilityAuthError(f"Cannot run the {self.describe()}: {err.strerror}.") from None
        except asyncio.TimeoutError:
            raise FacilityAuthError(
                f"The {self.describe()} did not finish within {COMMAND_TIMEOUT:.0f} s."
            ) from None
        if done.returncode != 0:
            # stderr explains failures and is not the secret (that goes to stdout).
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise FacilityAuthError(
                f"The {self.describe()} failed with exit code {done.returncode}"
                + (f": {detail[0][:200]}" if detail[0] else ".")
            )
        value = done.stdout.decode(errors="replace").strip()
        if not value:
            raise FacilityAuthError(f"The {self.describe()} printed nothing.")
        return value

    def __repr__(self) -> str:
        return f"<SecretSource {self.describe()}>"


def _check_private(path: Path, error: Any) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise error(
            f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
            f"make it private with `chmod 600 {path}`"
        )
