"""A FirecREST v1 facility's files: listings and file operations through pyfirecrest's v1 client."""

from __future__ import annotations

import contextlib
import posixpath
from typing import Any

from ....errors import Conflict, NotFound, UpstreamTimeout, ValidationError
from ....models import Capability, FileEntry, FileType
from ...base import FileBackend, ReadStream, UploadSink
from ...file_entries import listing_entry
from ..entries import from_stat
from ..files import absolute, check_mode
from .connection import V1Connection
from .failures import translated_v1
from .transfer import V1Upload, open_v1_download

_TYPES = {"-": FileType.FILE, "d": FileType.DIRECTORY, "l": FileType.LINK}


def from_v1_listing(raw: dict[str, Any], directory: str | None) -> FileEntry:
    """One v1 `ls` row (`link_target`, `last_modified`); `directory` None: `name` is the path."""
    name = str(raw["name"])
    path = posixpath.join(directory, name) if directory is not None else name
    kind = str(raw.get("type") or "-")
    return listing_entry(
        raw,
        path,
        _TYPES.get(kind, FileType.OTHER),
        kind,
        raw.get("last_modified"),
        raw.get("link_target"),
    )


class V1Files(FileBackend):
    """Files on a FirecREST v1 system; large files move through its external transfers."""

    capabilities = FileBackend.capabilities | {
        Capability.FILES_HEAD_TAIL,
        Capability.FILES_CHECKSUM,
        Capability.FILES_CHOWN,
    }

    def __init__(self, connection: V1Connection, spool_dir: str | None = None) -> None:
        self.connection = connection
        self.facility = connection.facility
        self.spool_dir = spool_dir

    async def _client(self, system: str) -> Any:
        await self.connection.system(system)  # NotFound for a system the facility lacks
        return self.connection.client

    async def home(self, system: str) -> str:
        info = await self.connection.system(system)
        return info.default_workdir or "/"

    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        path = absolute(path)
        client = await self._client(system)
        with translated_v1(self.facility):
            rows = await client.list_files(system, path, show_hidden=True)
        if len(rows) == 1 and rows[0].get("name") == path:  # `ls` of a file names itself
            raise ValidationError(f"{path!r} is not a directory.")
        return sorted((from_v1_listing(row, path) for row in rows), key=lambda e: e.name)

    async def stat(self, system: str, path: str) -> FileEntry:
        path = absolute(path)
        if path == "/":
            client = await self._client(system)
            with translated_v1(self.facility):
                return from_stat(path, await client.stat(system, path))
        parent, name = posixpath.split(path)
        # A listing of the parent names the owner and a link's target, which stat does not.
        for entry in await self.list_dir(system, parent):
            if entry.name == name:
                return entry
        raise NotFound(f"No such file or directory: {path!r}.")

    async def is_directory(self, system: str, path: str) -> bool:
        """True when `path` exists and is a directory."""
        try:
            return (await self.stat(system, path)).type == FileType.DIRECTORY
        except NotFound:
            return False

    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        if offset < 0 or (length is not None and length < 0):
            raise ValidationError("offset and length must not be negative.")
        path = absolute(path)
        entry = await self.stat(system, path)
        if entry.type == FileType.DIRECTORY:
            raise ValidationError(f"{path!r} is a directory.")
        return await open_v1_download(
            self.connection, system, path, entry.size, offset, length, self.spool_dir
        )

    async def open_upload(self, system: str, path: str) -> UploadSink:
        path = absolute(path)
        parent = posixpath.dirname(path)
        if parent != "/" and not await self.is_directory(system, parent):
            raise NotFound(f"The directory of {path!r} does not exist; create it first.")
        if await self.is_directory(system, path):
            raise ValidationError(f"{path!r} is a directory; give the path of a file.")
        info = await self.connection.system(system)
        return V1Upload(self.connection, system, path, info.direct_limit, self.spool_dir, self.stat)

    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        path = absolute(path)
        if parents and await self.is_directory(system, path):
            return await self.stat(system, path)
        client = await self._client(system)
        with translated_v1(self.facility):
            await client.mkdir(system, path, p=parents or None)
        return await self.stat(system, path)

    async def _free_target(self, system: str, target: str) -> str:
        target = absolute(target)
        if await self.exists(system, target):
            raise Conflict(f"{target!r} already exists; choose another name or delete it first.")
        if not await self.is_directory(system, posixpath.dirname(target)):
            raise NotFound(f"The directory of {target!r} does not exist.")
        return target

    async def move(self, system: str, source: str, target: str) -> FileEntry:
        source = absolute(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
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
        return await self.stat(system, target)

    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        source = absolute(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
        client = await self._client(system)
        async with self._partial_copy_removed(system, target):
            with translated_v1(self.facility):
                await client.copy(system, source, target)
        return await self.stat(system, target)

    @contextlib.asynccontextmanager
    async def _partial_copy_removed(self, system: str, target: str) -> Any:
        """v1 runs `cp` under a short time limit; a killed one leaves part of the target."""
        try:
            yield
        except UpstreamTimeout:
            client = self.connection.client
            with contextlib.suppress(Exception):  # the partial target may not exist at all
                await client.simple_delete(system, target)
            raise UpstreamTimeout(
                f"FirecREST ({self.facility}) stopped the copy at its time limit for direct "
                f"operations, and what it had written to {target!r} was removed: FirecREST v1 "
                "cannot copy something this large in one call.",
                facility=self.facility,
            ) from None

    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        path = absolute(path)
        entry = await self.stat(system, path)
        info = await self.connection.system(system)
        if path in ("/", info.default_workdir, *self.connection.mounts.get(system, [])):
            raise ValidationError(f"{path!r} is a filesystem or your home; it is not deleted.")
        # FirecREST removes directories with everything in them; the seam asks for consent.
        empty = entry.type != FileType.DIRECTORY or not await self.list_dir(system, path)
        if not recursive and not empty:
            raise Conflict(f"{path!r} is not empty; delete it recursively.")
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
