"""The built-in `local` facility: this machine's files under a root, and jobs as local processes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...models import System
from ..base import BackendContext, ConfigError, FacilityBackend, FileBackend, JobBackend
from .files import LocalFiles
from .jobs import LocalJobs
from .paths import RootedPaths

SYSTEM = "localhost"
log = logging.getLogger(__name__)


class LocalFacility(FacilityBackend):
    """Options: `root` (default: the Jupyter root dir), `max_running` (default: CPU count).

    `max_running` bounds the running jobs of every server that shares the job store (all the
    user's servers), since they share this machine.
    """

    kind = "local"
    default_poll_interval = 1.0
    _OPTIONS = frozenset({"root", "max_running"})

    def __init__(self, name: str, root: Path, data_dir: Path, max_running: int) -> None:
        super().__init__(name)
        self.root = root
        self._files = LocalFiles(root)
        self._jobs = LocalJobs(name, SYSTEM, RootedPaths(root), data_dir, max_running)
        self._sweep: asyncio.Future[None] | None = None

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> LocalFacility:
        for key in options:
            if key not in cls._OPTIONS:
                raise ConfigError(name, key, f"unknown option; known: {sorted(cls._OPTIONS)}")
        root = Path(os.path.expanduser(str(options.get("root", context.root_dir))))
        if not root.is_dir():
            raise ConfigError(name, "root", f"{str(root)!r} is not a directory")
        max_running = options.get("max_running", os.cpu_count() or 1)
        if not isinstance(max_running, int) or isinstance(max_running, bool) or max_running < 1:
            raise ConfigError(name, "max_running", "must be a whole number of at least 1")
        return cls(name, root, context.data_dir, max_running)

    @property
    def files(self) -> FileBackend:
        return self._files

    @property
    def jobs(self) -> JobBackend:
        return self._jobs

    async def systems(self) -> list[System]:
        return [System(name=SYSTEM, status="available", default=True, home=".")]

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
