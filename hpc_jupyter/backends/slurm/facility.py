"""What the Slurm facility kinds share: one system, its jobs and the files they see."""

from __future__ import annotations

from ...models import System
from ..base import FacilityBackend, FileBackend, JobBackend


class SlurmFacility(FacilityBackend):
    """A Slurm cluster as one system, whose jobs start in `home` by default."""

    default_poll_interval = 5.0

    def __init__(
        self, name: str, jobs: JobBackend, files: FileBackend | None, system: str, home: str
    ) -> None:
        super().__init__(name, files, jobs)
        self.system = system
        self.home = home

    async def systems(self) -> list[System]:
        return [System(name=self.system, status="available", default=True, home=self.home)]
