"""A FirecREST v1 facility's files: listings and file operations through pyfirecrest's v1 client."""

from __future__ import annotations

import contextlib
from typing import Any

from ....errors import UpstreamTimeout, ValidationError
from ....models import FileEntry
from ...base import ReadStream, UploadSink
from ..entries import from_listing, from_stat
from ..file_base import FirecrestFileBase, absolute, check_mode
from .connection import V1Connection
from .failures import translated_v1
from .transfer import V1Upload, open_v1_download


class V1Files(FirecrestFileBase):
    """Files on a FirecREST v1 system; large files move through its external transfers."""

    connection: V1Connection

    async def _client(self, system: str) -> Any:
        await self.connection.system(system)  # NotFound for a system the facility lacks
        return self.connection.client

    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            rows = await client.list_files(system, path, show_hidden=True)
        if len(rows) == 1 and rows[0].get("name") == path:  # `ls` of a file names itself
            raise ValidationError(f"{path!r} is not a directory.")
        return sorted((from_listing(row, path) for row in rows), key=lambda e: e.name)

    async def _stat_root(self, system: str) -> FileEntry:
        client = await self._client(system)
        with translated_v1(self.facility):
            return from_stat("/", await client.stat(system, "/"))

    async def _download(
        self, system: str, path: str, size: int, offset: int, length: int | None
    ) -> ReadStream:
        return await open_v1_download(
            self.connection, system, path, size, offset, length, self.spool_dir
        )

    def _upload(self, system: str, path: str, direct_limit: int, is_new: bool) -> UploadSink:
        return V1Upload(self.connection, system, path, direct_limit, self.spool_dir, self.stat)

    async def _mkdir(self, system: str, path: str, parents: bool) -> FileEntry:
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.mkdir(system, path, p=parents or None)
        return await self.stat(system, path)

    async def _move(self, system: str, source: str, target: str) -> None:
        client = await self._client(system)
        try:
            with translated_v1(self.facility):
                await client.mv(system, source, target)
        except UpstreamTimeout:
            # Across filesystems `mv` copies, then removes the source: stopped in the second
            # half, the target is the only whole copy, so nothing is removed here.
            raise UpstreamTimeout(
                f"FirecREST ({self.facility}) stopped the move at its time limit for direct "
                f"operations: check {source!r} and {target!r}; either may be incomplete.",
                facility=self.facility,
            ) from None

    async def _copy(self, system: str, source: str, target: str) -> None:
        """v1 runs `cp` under a short time limit; a killed one leaves part of the target."""
        client = await self._client(system)
        try:
            with translated_v1(self.facility):
                await client.copy(system, source, target)
        except UpstreamTimeout:
            with contextlib.suppress(Exception):  # the partial target may not exist at all
                await client.simple_delete(system, target)
            raise UpstreamTimeout(
                f"FirecREST ({self.facility}) stopped the copy at its time limit for direct "
                f"operations, and what it had written to {target!r} was removed: FirecREST v1 "
                "cannot copy something this large in one call.",
                facility=self.facility,
            ) from None

    async def _remove(self, system: str, path: str) -> None:
        client = await self._client(system)
        try:
            with translated_v1(self.facility):
                await client.simple_delete(system, path)
        except UpstreamTimeout:
            raise UpstreamTimeout(
                f"FirecREST ({self.facility}) stopped deleting {path!r} at its time limit for "
                "direct operations; part of it may already be gone.",
                facility=self.facility,
            ) from None

    async def _undeletable(self, system: str) -> set[str]:
        info = await self.connection.system(system)
        home = {info.default_workdir} if info.default_workdir else set()
        return set(self.connection.mounts.get(system, [])) | home

    async def chmod(self, system: str, path: str, mode: str) -> FileEntry:
        check_mode(mode)
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.chmod(system, path, mode)
        return await self.stat(system, path)

    async def chown(self, system: str, path: str, owner: str, group: str) -> FileEntry:
        """Change a file's owner and group (FirecREST allows only what the user may do)."""
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.chown(system, path, owner or None, group or None)
        return await self.stat(system, path)

    async def checksum(self, system: str, path: str) -> str:
        """The SHA-256 of a remote file, as lowercase hex."""
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            digest = await client.checksum(system, path)
        return str(digest).split()[0].lower() if digest else ""

    async def head(self, system: str, path: str, lines: int = 10) -> str:
        """The first `lines` lines of a text file."""
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            return str(await client.head(system, path, lines=str(lines)))

    async def tail(self, system: str, path: str, lines: int = 10) -> str:
        """The last `lines` lines of a text file."""
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            return str(await client.tail(system, path, lines=str(lines)))
