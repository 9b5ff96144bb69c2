"""The `slurm-cli` facility kind: Slurm's own commands, for a Jupyter server on a login node."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any

from ..base import BackendContext, ConfigError
from ..options import check_keys, days_option, seconds_option, text_option
from .cli_jobs import SlurmCLIJobs
from .commands import SlurmCommands
from .facility import SlurmFacility
from .options import files_option, home_option


class SlurmCLIFacility(SlurmFacility):
    """Options (all optional): `user`, `prefix` (e.g. `["ssh", "login01"]`), `partition`,
    `account`, `files`, `home`, `system`, `history_days` (0: no sacct), `timeout`."""

    kind = "slurm-cli"
    _OPTIONS = frozenset(
        {
            "user",
            "prefix",
            "partition",
            "account",
            "files",
            "home",
            "system",
            "history_days",
            "timeout",
        }
    )

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> SlurmCLIFacility:
        check_keys(name, options, cls._OPTIONS)
        prefix = options.get("prefix", [])
        if not isinstance(prefix, list) or not all(isinstance(w, str) and w for w in prefix):
            raise ConfigError(name, "prefix", 'must be a list of words, e.g. ["ssh", "login01"]')
        user = text_option(name, options, "user") or getpass.getuser()
        timeout = seconds_option(name, options, "timeout", 60)
        days = days_option(name, options)
        files, root = files_option(name, options)
        home = home_option(name, options, root, user)
        jobs = SlurmCLIJobs(
            name,
            user,
            SlurmCommands(name, prefix, timeout),
            files,
            home=home,
            partition=text_option(name, options, "partition"),
            account=text_option(name, options, "account"),
            history_days=days,
        )
        return cls(name, jobs, files, text_option(name, options, "system") or name, home)
