"""A facility's files: the facility and system resolved, inputs checked, then the backend asked."""

from __future__ import annotations

from ..backends.base import FileBackend, ReadStream, UploadSink
from ..errors import TooLarge, ValidationError
from ..inputs import check_path
from ..models import MAX_EXCERPT_LINES, FileEntry, FileExcerpt
from ..registry import FacilityRegistry
from ..sizefmt import format_size


class FileService:
    """Files of every facility. Paths are checked by the caller (`inputs.check_path`).

    `system` is as the request gave it: None (or empty) means the facility's default system.
    """

    def __init__(self, registry: FacilityRegistry, max_upload_size: int) -> None:
        self.registry = registry
        self.max_upload_size = max_upload_size
        """The largest upload accepted, in bytes (`HPCJupyterApp.max_upload_size`)."""

    async def _open(self, facility: str, system: str | None) -> tuple[FileBackend, str]:
        files = self.registry.get(facility).require_files()
        return files, await self.registry.resolve_system(facility, system)

    async def list_page(
        self, facility: str, system: str | None, path: str | None, offset: int, limit: int | None
    ) -> tuple[str, list[FileEntry], int]:
        """A directory's path, entries `offset` to `offset + limit` and how many it holds."""
        files, resolved = await self._open(facility, system)
        path = check_path(path or await files.home(resolved))
        entries, total = await files.list_page(resolved, path, offset, limit)
        return path, entries, total

    async def stat(self, facility: str, system: str | None, path: str) -> FileEntry:
        """One entry."""
        files, resolved = await self._open(facility, system)
        return await files.stat(resolved, path)

    async def excerpt(
        self, facility: str, system: str | None, path: str, lines: int, from_end: bool
    ) -> FileExcerpt:
        """The first (or, `from_end`, the last) `lines` lines of a text file."""
        files = self.registry.get(facility).require_files()
        if not 1 <= lines <= MAX_EXCERPT_LINES:
            raise ValidationError(f"lines must be from 1 to {MAX_EXCERPT_LINES}.")
        resolved = await self.registry.resolve_system(facility, system)
        read = files.tail if from_end else files.head
        return FileExcerpt.of(await read(resolved, path, lines), lines, from_end=from_end)

    async def checksum(self, facility: str, system: str | None, path: str) -> str:
        """A file's SHA-256, in hex."""
        files, resolved = await self._open(facility, system)
        return await files.checksum(resolved, path)

    async def open_read(
        self, facility: str, system: str | None, path: str, offset: int, length: int | None
    ) -> ReadStream:
        """A file (or `length` bytes of it from `offset`) to stream down."""
        files, resolved = await self._open(facility, system)
        return await files.open_read(resolved, path, offset=offset, length=length)

    def check_upload_size(self, declared: int) -> None:
        """Refuse an upload whose declared size is over the limit, before a byte of it is read."""
        if declared > self.max_upload_size:
            raise TooLarge(
                f"The upload is {format_size(declared)}; this server accepts at most "
                f"{format_size(self.max_upload_size)} (HPCJupyterApp.max_upload_size)."
            )

    async def open_upload(self, facility: str, system: str | None, path: str) -> UploadSink:
        """Start writing a file: bytes go to a temporary name until the sink's `commit()`."""
        files, resolved = await self._open(facility, system)
        return await files.open_upload(resolved, path)

    async def mkdir(self, facility: str, system: str | None, path: str, parents: bool) -> FileEntry:
        """Make a directory (and, with `parents`, those above it)."""
        files, resolved = await self._open(facility, system)
        return await files.mkdir(resolved, path, parents=parents)

    async def move(self, facility: str, system: str | None, source: str, target: str) -> FileEntry:
        """Move or rename an entry."""
        files, resolved = await self._open(facility, system)
        return await files.move(resolved, source, target)

    async def copy(self, facility: str, system: str | None, source: str, target: str) -> FileEntry:
        """Copy an entry."""
        files, resolved = await self._open(facility, system)
        return await files.copy(resolved, source, target)

    async def delete(self, facility: str, system: str | None, path: str, recursive: bool) -> None:
        """Delete an entry (a directory's content too, with `recursive`)."""
        files, resolved = await self._open(facility, system)
        await files.delete(resolved, path, recursive=recursive)

    async def chmod(self, facility: str, system: str | None, path: str, mode: str) -> FileEntry:
        """Change an entry's mode."""
        files, resolved = await self._open(facility, system)
        return await files.chmod(resolved, path, mode)

    async def chown(
        self, facility: str, system: str | None, path: str, owner: str, group: str
    ) -> FileEntry:
        """Change an entry's owner, group or both (`""` leaves one as it is)."""
        if not owner and not group:
            raise ValidationError("The request needs 'owner', 'group' or both.")
        files, resolved = await self._open(facility, system)
        return await files.chown(resolved, path, owner, group)
