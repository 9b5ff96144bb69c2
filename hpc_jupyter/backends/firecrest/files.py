"""A FirecREST v2 facility's files: listings and file operations through pyfirecrest."""

from __future__ import annotations

from typing import Any

from ...errors import NotFound, PermissionDenied, ValidationError
from ...models import FileEntry
from ..base import ReadStream, UploadSink
from .connection import FirecrestConnection
from .entries import from_listing, from_stat
from .failures import translated
from .file_base import FirecrestFileBase, absolute, check_mode
from .transfer import FirecrestUpload, open_download


class FirecrestFiles(FirecrestFileBase):
    """Files on a FirecREST system; large files move through its staged transfers."""

    connection: FirecrestConnection

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
        """A file's own `ls` row (one call, no listing of its directory); a directory's row
        still comes from its parent's listing, the only place that names its owner."""
        path = absolute(path)
        if path != "/":
            client = await self.connection.for_system(system)
            try:
                with translated(self.facility):
                    rows = await client.list_files(system, path, show_hidden=True)
            except (NotFound, PermissionDenied):
                rows = []  # the parent's listing says what is wrong, in the usual words
            if len(rows) == 1 and rows[0].get("name") == path:  # `ls` of a file names itself
                return from_listing(rows[0], None)
        return await self.stat_listed(system, path)

    async def probe(self, system: str, path: str) -> FileEntry:
        """`ops/stat`: type and size in one call whatever the directory's size."""
        path = absolute(path)
        client = await self.connection.for_system(system)
        try:
            with translated(self.facility):
                return from_stat(path, await client.stat(system, path))
        except NotFound:
            raise NotFound(f"No such file or directory: {path!r}.") from None

    async def _stat_root(self, system: str) -> FileEntry:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            return from_stat("/", await client.stat(system, "/"))

    async def _download(
        self, system: str, path: str, size: int, offset: int, length: int | None
    ) -> ReadStream:
        return await open_download(
            self.connection, system, path, size, offset, length, self.spool_dir
        )

    def _upload(self, system: str, path: str, direct_limit: int, is_new: bool) -> UploadSink:
        upload = FirecrestUpload(
            self.connection, system, path, direct_limit, self.spool_dir, self.stat
        )
        upload.is_new = is_new
        return upload

    async def _mkdir(self, system: str, path: str, parents: bool) -> FileEntry:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            row: dict[str, Any] = await client.mkdir(system, path, create_parents=parents)
        return from_listing(row, None)

    async def _move(self, system: str, source: str, target: str) -> None:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.mv(system, source, target)  # a transfer job, waited for

    async def _copy(self, system: str, source: str, target: str) -> None:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.cp(system, source, target)  # a transfer job, waited for

    async def _remove(self, system: str, path: str) -> None:
        client = await self.connection.for_system(system)
        with translated(self.facility):
            await client.rm(system, path)

    async def _undeletable(self, system: str) -> set[str]:
        info = await self.connection.system(system)
        return {str(fs.get("path")) for fs in info.raw.get("fileSystems") or []}

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
