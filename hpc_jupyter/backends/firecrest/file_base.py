"""What FirecREST's file backends (v2 and v1) share: stat from listings, checks before writes."""

from __future__ import annotations

import abc
import asyncio
import posixpath

from ...errors import Conflict, NotFound, ValidationError
from ...models import Capability, FileEntry, FileType
from ..base import FileBackend, ReadStream, UploadSink
from .session import FirecrestSession


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


class FirecrestFileBase(FileBackend):
    """The checks and lookups of both versions; each says how to list, move bytes and files.

    FirecREST does what it is asked without the seam's care: `mv` and `cp` overwrite, `rm`
    removes whole trees. So targets are checked free, and a directory is removed only
    recursively, here, before FirecREST is asked.
    """

    capabilities = FileBackend.capabilities | {
        Capability.FILES_HEAD_TAIL,
        Capability.FILES_CHECKSUM,
        Capability.FILES_CHOWN,
    }

    def __init__(self, connection: FirecrestSession, spool_dir: str | None = None) -> None:
        self.connection = connection
        self.facility = connection.facility
        self.spool_dir = spool_dir

    # -- what each version does its own way ---------------------------------------------------

    @abc.abstractmethod
    async def _stat_root(self, system: str) -> FileEntry:
        """`/`, which has no parent to list."""

    @abc.abstractmethod
    async def _download(
        self, system: str, path: str, size: int, offset: int, length: int | None
    ) -> ReadStream:
        """Stream part of a file known to be `size` bytes long."""

    @abc.abstractmethod
    def _upload(self, system: str, path: str, direct_limit: int, is_new: bool) -> UploadSink:
        """A sink for a file's new bytes; `is_new` when nothing was at `path` when it opened."""

    @abc.abstractmethod
    async def _mkdir(self, system: str, path: str, parents: bool) -> FileEntry:
        """Create a directory that is not there yet."""

    @abc.abstractmethod
    async def _move(self, system: str, source: str, target: str) -> None:
        """Move to a target checked free."""

    @abc.abstractmethod
    async def _copy(self, system: str, source: str, target: str) -> None:
        """Copy to a target checked free."""

    @abc.abstractmethod
    async def _remove(self, system: str, path: str) -> None:
        """Remove a file or a whole directory tree."""

    @abc.abstractmethod
    async def _undeletable(self, system: str) -> set[str]:
        """Paths never removed: filesystems' roots and the like."""

    # -- the seam ---------------------------------------------------------------------------

    async def home(self, system: str) -> str:
        info = await self.connection.system(system)
        return info.default_workdir or "/"

    async def stat(self, system: str, path: str) -> FileEntry:
        return await self.stat_listed(system, path)

    async def stat_listed(self, system: str, path: str) -> FileEntry:
        """`path`'s row in its parent's listing (a directory's owner is named nowhere else)."""
        path = absolute(path)
        if path == "/":
            return await self._stat_root(system)
        parent, name = posixpath.split(path)
        # A listing of the parent names the owner and a link's target, which stat does not.
        for entry in await self.list_dir(system, parent):
            if entry.name == name:
                return entry
        raise NotFound(f"No such file or directory: {path!r}.")

    async def probe(self, system: str, path: str) -> FileEntry:
        """What the checks need of `path`: its type and size (owner and group may be numbers).

        `NotFound` when nothing is there. By default the full `stat`; a version with a
        cheaper call (v2's `ops/stat`) says so.
        """
        return await self.stat(system, path)

    async def _probe_or_none(self, system: str, path: str) -> FileEntry | None:
        try:
            return await self.probe(system, path)
        except NotFound:
            return None

    async def exists(self, system: str, path: str) -> bool:
        return await self._probe_or_none(system, absolute(path)) is not None

    async def is_directory(self, system: str, path: str) -> bool:
        """True when `path` exists and is a directory."""
        entry = await self._probe_or_none(system, path)
        return entry is not None and entry.type == FileType.DIRECTORY

    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        if offset < 0 or (length is not None and length < 0):
            raise ValidationError("offset and length must not be negative.")
        path = absolute(path)
        entry = await self.probe(system, path)
        if entry.type == FileType.DIRECTORY:
            raise ValidationError(f"{path!r} is a directory.")
        return await self._download(system, path, entry.size, offset, length)

    async def open_upload(self, system: str, path: str) -> UploadSink:
        path = absolute(path)
        parent = posixpath.dirname(path)
        # Both checks at once: one round trip, and no listing of either directory.
        there, above = await asyncio.gather(
            self._probe_or_none(system, path),
            self._probe_or_none(system, parent) if parent != "/" else _root(),
        )
        if above is None or above.type != FileType.DIRECTORY:
            raise NotFound(f"The directory of {path!r} does not exist; create it first.")
        if there is not None and there.type == FileType.DIRECTORY:
            raise ValidationError(f"{path!r} is a directory; give the path of a file.")
        info = await self.connection.system(system)
        return self._upload(system, path, info.direct_limit, there is None)

    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        path = absolute(path)
        if parents and await self.is_directory(system, path):
            return await self.stat_listed(system, path)
        return await self._mkdir(system, path, parents)

    async def _pair(self, system: str, source: str, target: str) -> tuple[str, str]:
        """An existing source and a free target in an existing directory."""
        source = absolute(source)
        await self.probe(system, source)
        target = absolute(target)
        if await self.exists(system, target):
            raise Conflict(f"{target!r} already exists; choose another name or delete it first.")
        if not await self.is_directory(system, posixpath.dirname(target)):
            raise NotFound(f"The directory of {target!r} does not exist.")
        return source, target

    async def move(self, system: str, source: str, target: str) -> FileEntry:
        source, target = await self._pair(system, source, target)
        await self._move(system, source, target)
        return await self.stat(system, target)

    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        source, target = await self._pair(system, source, target)
        await self._copy(system, source, target)
        return await self.stat(system, target)

    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        path = absolute(path)
        entry = await self.probe(system, path)
        if path == "/" or path in await self._undeletable(system):
            raise ValidationError(f"{path!r} is a filesystem or your home; it is not deleted.")
        # FirecREST removes directories with everything in them; the seam asks for consent.
        empty = entry.type != FileType.DIRECTORY or not await self.list_dir(system, path)
        if not recursive and not empty:
            raise Conflict(f"{path!r} is not empty; delete it recursively.")
        await self._remove(system, path)


async def _root() -> FileEntry:
    """`/`, as the directory above a top-level path (it is always there)."""
    return FileEntry(
        name="/",
        path="/",
        type=FileType.DIRECTORY,
        size=0,
        permissions="",
        user="",
        group="",
        modified=0.0,
    )
