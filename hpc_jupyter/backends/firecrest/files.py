"""A FirecREST facility's files: listings and file operations through pyfirecrest."""

from __future__ import annotations

import posixpath
from typing import Any

from ...errors import Conflict, NotFound, ValidationError
from ...models import Capability, FileEntry, FileType
from ..base import FileBackend, ReadStream, UploadSink
from .connection import FirecrestConnection
from .entries import from_listing, from_stat
from .failures import translated
from .transfer import FirecrestUpload, open_download


def absolute(path: str) -> str:
    """FirecREST takes absolute paths only; say so before asking it."""
    if not isinstance(path, str) or not path.startswith("/") or "\x00" in path:
        raise ValidationError(f"{path!r} is not an absolute path on the facility.")
    normal = posixpath.normpath(path)
    return "/" + normal.lstrip("/")


def check_mode(mode: str) -> None:
    """Refuse anything but an octal mode, before FirecREST runs `chmod` with it."""
    if not isinstance(mode, str) or not (3 <= len(mode) <= 4) or set(mode) - set("01234567"):
        raise ValidationError(f"Mode {mode!r} is not an octal mode such as '755' or '0640'.")


class FirecrestFiles(FileBackend):
    """Files on a FirecREST system; large files move through its staged transfers."""

    capabilities = FileBackend.capabilities | {
        Capability.FILES_HEAD_TAIL,
        Capability.FILES_CHECKSUM,
        Capability.FILES_CHOWN,
    }

    def __init__(self, connection: FirecrestConnection, spool_dir: str | None = None) -> None:
        self.connection = connection
        self.facility = connection.facility
        self.spool_dir = spool_dir

    async def home(self, system: str) -> str:
        info = await self.connection.system(system)
        return info.default_workdir or "/"

    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            rows = await client.list_files(system, path, show_hidden=True)
        entries = [from_listing(row, path) for row in rows]
        if len(entries) == 1 and rows[0].get("name") == path:  # `ls` of a file names itself
            raise ValidationError(f"{path!r} is not a directory.")
        return sorted(entries, key=lambda e: e.name)

    async def stat(self, system: str, path: str) -> FileEntry:
        path = absolute(path)
        if path == "/":
            client = await self.connection.for_system(system)
            with translated(self.facility):
                return from_stat(path, await client.stat(system, path))
        parent, name = posixpath.split(path)
        # A listing of the parent names the owner and a link's target, which stat does not.
        for entry in await self.list_dir(system, parent):
            if entry.name == name:
                return entry
        raise NotFound(f"No such file or directory: {path!r}.")

    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        if offset < 0 or (length is not None and length < 0):
            raise ValidationError("offset and length must not be negative.")
        path = absolute(path)
        entry = await self.stat(system, path)
        if entry.type == FileType.DIRECTORY:
            raise ValidationError(f"{path!r} is a directory.")
        return await open_download(
            self.connection, system, path, entry.size, offset, length, self.spool_dir
        )

    async def open_upload(self, system: str, path: str) -> UploadSink:
        path = absolute(path)
        parent = posixpath.dirname(path)
        directory = await self.stat(system, parent) if parent != "/" else None
        if directory is not None and directory.type != FileType.DIRECTORY:
            raise NotFound(f"The directory of {path!r} does not exist; create it first.")
        if await self._is_directory(system, path):
            raise ValidationError(f"{path!r} is a directory; give the path of a file.")
        info = await self.connection.system(system)
        return FirecrestUpload(
            self.connection, system, path, info.direct_limit, self.spool_dir, self.stat
        )

    async def _is_directory(self, system: str, path: str) -> bool:
        try:
            return (await self.stat(system, path)).type == FileType.DIRECTORY
        except NotFound:
            return False

    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        path = absolute(path)
        client = await self.connection.for_system(system)
        if parents and await self._is_directory(system, path):
            return await self.stat(system, path)
        with translated(self.facility):
            row: dict[str, Any] = await client.mkdir(system, path, create_parents=parents)
        return from_listing(row, None)

    async def _free_target(self, system: str, target: str) -> str:
        target = absolute(target)
        if await self.exists(system, target):
            raise Conflict(f"{target!r} already exists; choose another name or delete it first.")
        if not await self._is_directory(system, posixpath.dirname(target)):
            raise NotFound(f"The directory of {target!r} does not exist.")
        return target

    async def move(self, system: str, source: str, target: str) -> FileEntry:
        source = absolute(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.mv(system, source, target)  # a transfer job, waited for
        return await self.stat(system, target)

    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        source = absolute(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.cp(system, source, target)  # a transfer job, waited for
        return await self.stat(system, target)

    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        path = absolute(path)
        entry = await self.stat(system, path)
        info = await self.connection.system(system)
        filesystems = {fs.get("path") for fs in info.raw.get("fileSystems") or []}
        if path in filesystems or path == "/":
            raise ValidationError(f"{path!r} is a filesystem's root; it cannot be deleted.")
        # FirecREST removes directories with everything in them; the seam asks for consent.
        empty = entry.type != FileType.DIRECTORY or not await self.list_dir(system, path)
        if not recursive and not empty:
            raise Conflict(f"{path!r} is not empty; delete it recursively.")
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.rm(system, path)

    async def chmod(self, system: str, path: str, mode: str) -> FileEntry:
        check_mode(mode)
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            row: dict[str, Any] = await client.chmod(system, path, mode)
        return from_listing(row, None)

    # -- FirecREST's extras, beyond the common seam ------------------------------------------

    async def chown(self, system: str, path: str, owner: str, group: str) -> FileEntry:
        """Change a file's owner and group (FirecREST allows only what the user may do)."""
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            row: dict[str, Any] = await client.chown(system, path, owner, group)
        return from_listing(row, None)

    async def checksum(self, system: str, path: str) -> str:
        """The SHA-256 of a remote file, as lowercase hex."""
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            result: dict[str, Any] = await client.checksum(system, path)
        return str(result["checksum"]).lower()

    async def head(self, system: str, path: str, lines: int = 10) -> str:
        """The first `lines` lines of a text file (FirecREST's `head`)."""
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            output: dict[str, Any] = await client.head(system, path, num_lines=lines)
        return _content(output)

    async def tail(self, system: str, path: str, lines: int = 10) -> str:
        """The last `lines` lines of a text file (FirecREST's `tail`)."""
        path = absolute(path)
        client = await self.connection.for_system(system)
        with translated(self.facility):
            output: dict[str, Any] = await client.tail(system, path, num_lines=lines)
        return _content(output)


def _content(output: Any) -> str:
    """The text of a head/tail answer (`{"content": ..., "contentType": "lines", ...}`)."""
    content = output.get("content") if isinstance(output, dict) else None
    return content if isinstance(content, str) else ""
