"""An IRI facility's files on its storage resource: every call is a task, polled to its result."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import posixpath
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from ...errors import Conflict, FacilityError, NotFound, TooLarge, ValidationError
from ...models import Capability, FileEntry, FileType
from ...sizefmt import format_size
from ..base import FileBackend, ReadStream, UploadSink
from .client import IRIClient
from .entries import from_row, from_stat
from .resources import Resources
from .tasks import run_task


def clean_path(path: str) -> str:
    """A path as the API takes it: absolute, or relative to the user's home on the storage."""
    if not isinstance(path, str) or not path or "\x00" in path or "\n" in path:
        raise ValidationError(f"{path!r} is not a path on the facility.")
    return posixpath.normpath(path)


def _too_large(size: int, limit: int, what: str) -> TooLarge:
    return TooLarge(
        f"{what} is {format_size(size)}; the IRI API moves at most {format_size(limit)} "
        "directly. Move larger files with Globus transfer."
    )


class IRIFiles(FileBackend):
    """Files on the storage resource (e.g. Eagle); contents move directly, a few MiB at most."""

    capabilities = FileBackend.capabilities | {
        Capability.FILES_HEAD_TAIL,
        Capability.FILES_CHECKSUM,
        Capability.FILES_CHOWN,
    }

    def __init__(self, client: IRIClient, resources: Resources) -> None:
        self.client = client
        self.resources = resources
        self.facility = client.facility

    @property
    def limit(self) -> int:
        return self.client.settings.direct_limit

    async def _task(self, method: str, op: str, **kwargs: Any) -> Any:
        _, storage = await self.resources.ids()
        return await run_task(
            self.client, method, f"filesystem/{op}/{quote(storage, safe='')}", **kwargs
        )

    async def home(self, system: str) -> str:
        return self.client.settings.home

    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        path = clean_path(path)
        rows = await self._task("GET", "ls", params={"path": path, "showHidden": "true"})
        if not isinstance(rows, list):
            raise FacilityError(f"The IRI API listed {path!r} with no list.")
        if not rows:  # the API lists a missing path as empty: tell the two apart
            await self._stat_endpoint(path)
        entries = [from_row(row, posixpath.join(path, str(row.get("name")))) for row in rows]
        if len(entries) == 1 and entries[0].type != FileType.DIRECTORY:
            name = posixpath.basename(path)
            if entries[0].name in (name, path):  # `ls` of a file names the file itself
                raise ValidationError(f"{path!r} is not a directory.")
        return sorted(entries, key=lambda e: e.name)

    async def _stat_endpoint(self, path: str) -> FileEntry:
        return from_stat(path, await self._task("GET", "stat", params={"path": path}))

    async def stat(self, system: str, path: str) -> FileEntry:
        path = clean_path(path)
        parent, name = posixpath.split(path)
        if not name or name in (".", "..") or path == clean_path(self.client.settings.home):
            return await self._stat_endpoint(path)
        # A listing of the parent names the owner and a link's target, which stat does not.
        for entry in await self.list_dir(system, parent or "."):
            if entry.name == name:  # as asked: `a.txt`, not the listing's `./a.txt`
                return dataclasses.replace(entry, path=path)
        raise NotFound(f"No such file or directory: {path!r}.")

    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        if offset < 0 or (length is not None and length < 0):
            raise ValidationError("offset and length must not be negative.")
        path = clean_path(path)
        entry = await self.stat(system, path)
        if entry.type == FileType.DIRECTORY:
            raise ValidationError(f"{path!r} is a directory.")
        want = max(0, entry.size - offset)
        if length is not None:
            want = min(want, length)
        if want > self.limit:
            raise _too_large(want, self.limit, f"Reading {path!r}")
        data = b"" if want == 0 else await self._bytes(path, offset, want, entry.size)
        return ReadStream(length=len(data), chunks=_one(data))

    async def _bytes(self, path: str, offset: int, want: int, size: int) -> bytes:
        if offset == 0 and want == size:  # the whole file: `download`, byte for byte
            encoded = await self._task("GET", "download", params={"path": path})
            try:
                return base64.b64decode(str(encoded), validate=True)
            except (binascii.Error, ValueError):
                raise FacilityError(
                    f"The IRI API sent {path!r} in a form this version does not read.",
                    facility=self.facility,
                ) from None
        output = await self._task(
            "GET", "view", params={"path": path, "offset": offset, "size": want}
        )
        content = output.get("content") if isinstance(output, dict) else None
        if not isinstance(content, str):
            raise FacilityError(f"The IRI API showed no content of {path!r}.")
        return content.encode()[:want]

    async def open_upload(self, system: str, path: str) -> UploadSink:
        path = clean_path(path)
        parent = posixpath.dirname(path)
        if parent and parent != "/":
            directory = await self.stat(system, parent)
            if directory.type != FileType.DIRECTORY:
                raise NotFound(f"The directory of {path!r} does not exist; create it first.")
        return IRIUpload(self, system, path)

    async def upload_bytes(self, system: str, path: str, data: bytes) -> FileEntry:
        """Write a whole file at once (at most `direct_limit` bytes)."""
        if len(data) > self.limit:
            raise _too_large(len(data), self.limit, f"The upload to {path!r}")
        name = posixpath.basename(path)
        await self._task(
            "POST",
            "upload",
            params={"path": path},
            files={"file": (name, data, "application/octet-stream")},
        )
        return await self.stat(system, path)

    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        path = clean_path(path)
        try:
            existing: FileEntry | None = await self.stat(system, path)
        except NotFound:
            existing = None
        if existing is not None:
            if parents and existing.type == FileType.DIRECTORY:
                return existing
            raise Conflict(f"{path!r} already exists.")
        row = await self._task("POST", "mkdir", json={"path": path, "parent": parents})
        return from_row(row, path)

    async def _free_target(self, system: str, target: str) -> str:
        target = clean_path(target)
        if await self.exists(system, target):
            raise Conflict(f"{target!r} already exists; choose another name or delete it first.")
        return target

    async def move(self, system: str, source: str, target: str) -> FileEntry:
        source = clean_path(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
        await self._task("POST", "mv", json={"path": source, "target_path": target})
        return await self.stat(system, target)

    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        source = clean_path(source)
        await self.stat(system, source)
        target = await self._free_target(system, target)
        await self._task("POST", "cp", json={"path": source, "target_path": target})
        return await self.stat(system, target)

    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        path = clean_path(path)
        if path in ("/", ".", clean_path(self.client.settings.home)):
            raise ValidationError(f"{path!r} is the top of the storage; it cannot be deleted.")
        entry = await self.stat(system, path)
        empty = entry.type != FileType.DIRECTORY or not await self.list_dir(system, path)
        if not recursive and not empty:  # the API removes trees: the seam asks for consent
            raise Conflict(f"{path!r} is not empty; delete it recursively.")
        await self._task("DELETE", "rm", params={"path": path})

    async def chmod(self, system: str, path: str, mode: str) -> FileEntry:
        if not isinstance(mode, str) or not (3 <= len(mode) <= 4) or set(mode) - set("01234567"):
            raise ValidationError(f"Mode {mode!r} is not an octal mode such as '755' or '0640'.")
        path = clean_path(path)
        row = await self._task("PUT", "chmod", json={"path": path, "mode": mode})
        return from_row(row, path)

    # -- the IRI API's extras, beyond the common seam -----------------------------------------

    async def chown(self, system: str, path: str, owner: str, group: str = "") -> FileEntry:
        """Change a file's owner and group (the facility allows only what the user may do)."""
        path = clean_path(path)
        row = await self._task("PUT", "chown", json={"path": path, "owner": owner, "group": group})
        return from_row(row, path)

    async def head(self, system: str, path: str, lines: int = 10) -> str:
        """The first `lines` lines of a text file."""
        return await self._lines("head", path, lines)

    async def tail(self, system: str, path: str, lines: int = 10) -> str:
        """The last `lines` lines of a text file."""
        return await self._lines("tail", path, lines)

    async def _lines(self, op: str, path: str, lines: int) -> str:
        if lines < 1:
            raise ValidationError("lines must be 1 or more.")
        output = await self._task("GET", op, params={"path": clean_path(path), "lines": lines})
        content = output.get("content") if isinstance(output, dict) else None
        return content if isinstance(content, str) else ""

    async def checksum(self, system: str, path: str) -> str:
        """The SHA-256 of a file, as lowercase hex."""
        path = clean_path(path)
        output = await self._task("GET", "checksum", params={"path": path})
        if not isinstance(output, dict):
            raise FacilityError(f"The IRI API sent no checksum of {path!r}.")
        algorithm = str(output.get("algorithm", "")).replace("-", "").lower()
        digest = str(output.get("checksum", "")).lower()
        if algorithm != "sha256" or len(digest) != 64 or set(digest) - set("0123456789abcdef"):
            raise FacilityError(f"The IRI API sent no SHA-256 checksum of {path!r}.")
        return digest


async def _one(data: bytes) -> AsyncIterator[bytes]:
    if data:
        yield data


class IRIUpload(UploadSink):
    """Bytes kept in memory (the API takes a whole file at once), sent on `commit()`."""

    def __init__(self, files: IRIFiles, system: str, path: str) -> None:
        self.files = files
        self.system = system
        self.path = path
        self._data = bytearray()
        self._open = True

    def __repr__(self) -> str:
        return f"<IRIUpload {self.files.facility}:{self.path} {len(self._data)} bytes>"

    async def write(self, chunk: bytes) -> None:
        if not self._open:
            raise ValidationError("The upload was already finished.")
        if len(self._data) + len(chunk) > self.files.limit:
            size = len(self._data) + len(chunk)
            await self.abort()
            raise _too_large(size, self.files.limit, f"The upload to {self.path!r}")
        self._data += chunk

    async def commit(self) -> FileEntry:
        if not self._open:
            raise ValidationError("The upload was already finished.")
        self._open = False
        data, self._data = bytes(self._data), bytearray()
        return await self.files.upload_bytes(self.system, self.path, data)

    async def abort(self) -> None:
        self._open = False
        self._data = bytearray()
