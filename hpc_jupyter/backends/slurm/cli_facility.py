"""The `slurm-cli` facility kind: Slurm's own commands, for a Jupyter server on a login node."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any

from ...models import Partition
from ..base import BackendContext, StatusProbe
from ..local.files import LocalFiles
from ..settings import read_settings
from .cli_jobs import SlurmCLIJobs
from .cli_status import SlurmCLIStatus
from .commands import SlurmCommands
from .facility import SlurmFacility
from .settings import SlurmCLISettings


class SlurmCLIFacility(SlurmFacility):
    """Slurm through its commands; its options are those of `SlurmCLISettings`."""

    kind = "slurm-cli"
    settings_class = SlurmCLISettings

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> SlurmCLIFacility:
        settings = read_settings(SlurmCLISettings, name, options)
        user = settings.user or getpass.getuser()
        files = LocalFiles(settings.files) if settings.files else None
        home = settings.start_dir(user)
        jobs = SlurmCLIJobs(
            name,
            user,
            SlurmCommands(name, settings.prefix, settings.timeout),
            files,
            home=home,
            partition=settings.partition,
            account=settings.account,
            history_days=settings.history_days,
        )
        facility = cls(name, jobs, files, settings.system or name, home)
        facility.cli_jobs = jobs
        facility.status = SlurmCLIStatus(jobs.commands, user, facility.system)
        return facility

    cli_jobs: SlurmCLIJobs
    status: SlurmCLIStatus

    def status_probes(self, system: str) -> list[StatusProbe]:
        async def partitions() -> list[Partition]:
            return await self.cli_jobs.partitions(self.system)

        return [
            StatusProbe("systems", "scontrol ping, sinfo --Node", self.status.systems),
            StatusProbe("notices", "scontrol show reservation", self.status.notices),
            StatusProbe("partitions", "scontrol show partition", partitions),
            StatusProbe(
                "allocations",
                "sshare, sacctmgr show user, scontrol show config",
                self.status.allocations,
            ),
        ]
