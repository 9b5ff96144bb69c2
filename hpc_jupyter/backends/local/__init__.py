"""The built-in `local` facility: this machine's files under a root, and jobs as local processes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...models import Partition, System, SystemHealth
from ..base import BackendContext, FacilityBackend, StatusProbe
from ..settings import read_settings
from .files import LocalFiles
from .jobs import LocalJobs
from .machine import health
from .paths import RootedPaths
from .settings import LocalSettings

SYSTEM = "localhost"
log = logging.getLogger(__name__)


class LocalFacility(FacilityBackend):
    """This machine as a facility; its options are those of `LocalSettings`."""

    kind = "local"
    default_poll_interval = 1.0
    default_python = None  # jobs run on this machine: the kernel's own Python
    settings_class = LocalSettings
    _files: LocalFiles
    _jobs: LocalJobs

    def __init__(self, name: str, root: Path, data_dir: Path, max_running: int) -> None:
        jobs = LocalJobs(name, SYSTEM, RootedPaths(root), data_dir, max_running)
        super().__init__(name, LocalFiles(root), jobs)
        self.root = root
        self._sweep: asyncio.Future[None] | None = None

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> LocalFacility:
        defaults = {"root": context.root_dir, "max_running": os.cpu_count() or 1}
        settings = read_settings(LocalSettings, name, options, defaults)
        return cls(name, settings.root, context.data_dir, settings.max_running)

    async def systems(self) -> list[System]:
        return [System(name=SYSTEM, status="available", default=True, home=".")]

    def status_probes(self, system: str) -> list[StatusProbe]:
        async def machine() -> list[SystemHealth]:
            return [await asyncio.to_thread(health, SYSTEM, self.root)]

        async def partitions() -> list[Partition]:
            return await self._jobs.partitions(SYSTEM)

        return [
            StatusProbe("systems", "this machine's load, memory and disk", machine),
            StatusProbe("partitions", "the local queue", partitions),
        ]

    async def start(self) -> None:
        # Uploads cut off by a crash (SIGKILL, power loss) leave their temporary files behind.
        # Swept in the background, so that a huge tree does not delay the server's start;
        # listings never show them meanwhile.
        self._sweep = asyncio.ensure_future(self._sweep_uploads())
        await self._jobs.start()

    async def _sweep_uploads(self) -> None:
        removed = await self._files.sweep_uploads()
        if removed:
            log.info(
                "Removed %d temporary file(s) of interrupted uploads under %s", removed, self.root
            )

    async def close(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
        await self._jobs.close()
