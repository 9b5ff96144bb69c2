"""Moving file contents: direct below the system's limit, staged through S3 above it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import posixpath
import secrets
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any

from firecrest.v2 import AsyncFirecrest

from ...errors import FacilityError, HPCError, ValidationError
from ...models import FileEntry
from ..base import ReadStream, UploadSink
from .connection import FirecrestConnection
from .failures import from_response, translated

log = logging.getLogger(__name__)
CHUNK_SIZE = 1024 * 1024


def _spool(spool_dir: str | None) -> IO[bytes]:
    return tempfile.NamedTemporaryFile(prefix="hpc-firecrest-", dir=spool_dir, delete=False)


class FirecrestUpload(UploadSink):
    """Bytes spooled to a private local file, then sent to FirecREST and checked by checksum.

    A staged upload lands under a hidden temporary name beside the target and is renamed only
    once its checksum matches, so a failure never leaves a partial file under the target name.
    """

    def __init__(
        self,
        connection: FirecrestConnection,
        system: str,
        path: str,
        direct_limit: int,
        spool_dir: str | None,
        stat: Callable[[str, str], Awaitable[FileEntry]],
    ) -> None:
        self.connection = connection
        self._stat = stat
        self.facility = connection.facility
        self.system = system
        self.path = path
        self.direct_limit = direct_limit
        self._file: IO[bytes] | None = _spool(spool_dir)
        self._spool_path = self._file.name
        self._hash = hashlib.sha256()
        self.size = 0

    def __repr__(self) -> str:
        return f"<FirecrestUpload {self.facility}:{self.system}:{self.path} {self.size} bytes>"

    async def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise ValidationError("This upload is already finished.")
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    async def commit(self) -> FileEntry:
        if self._file is None:
            raise ValidationError("This upload is already finished.")
        self._file.close()
        self._file = None
        try:
            client = await self.connection.for_system(self.system)
            if self.size < self.direct_limit:
                await self._direct(client)
            else:
                await self._staged(client)
            return await self._stat(self.system, self.path)
        finally:
            _remove(self._spool_path)

    async def _direct(self, client: AsyncFirecrest) -> None:
        directory, name = posixpath.split(self.path)
        with translated(self.facility):
            await client.upload(self.system, self._spool_path, directory, name)
        await self._verify(client, self.path)

    async def _staged(self, client: AsyncFirecrest) -> None:
        directory, name = posixpath.split(self.path)
        temporary = f".{name[:48]}.hpc-upload-{secrets.token_hex(6)}"
        staged = posixpath.join(directory, temporary)
        log.info(
            "hpc-jupyter: staged upload of %d bytes to %s:%s", self.size, self.system, self.path
        )
        try:
            with translated(self.facility):
                await client.upload(self.system, self._spool_path, directory, temporary)
            await self._verify(client, staged)
            with translated(self.facility):
                await client.mv(self.system, staged, self.path)
        except BaseException:
            await _discard(client, self.system, staged)
            raise

    async def _verify(self, client: AsyncFirecrest, remote: str) -> None:
        with translated(self.facility):
            result: dict[str, Any] = await client.checksum(self.system, remote)
        if str(result.get("checksum", "")).lower() != self._hash.hexdigest():
            raise FacilityError(
                f"FirecREST ({self.facility}): the uploaded file's checksum does not match what "
                "was sent; the upload was not kept.",
                facility=self.facility,
            )

    async def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        _remove(self._spool_path)


async def _discard(client: AsyncFirecrest, system: str, path: str) -> None:
    """Remove a staged temporary file, if it got that far; a failure here changes nothing."""
    try:
        await client.rm(system, path)
    except Exception as err:  # the upload already failed: report that, not this
        log.debug("hpc-jupyter: could not remove %s after a failed upload (%s)", path, type(err))


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


async def open_download(
    connection: FirecrestConnection,
    system: str,
    path: str,
    size: int,
    offset: int,
    length: int | None,
    spool_dir: str | None,
) -> ReadStream:
    """Stream `length` bytes of a remote file from `offset`: direct or from the staging area."""
    start = min(offset, size)
    count = size - start if length is None else min(length, size - start)
    if count <= 0:
        return ReadStream(length=0, chunks=_nothing())
    info = await connection.system(system)
    client = await connection.for_system(system)
    if size < info.direct_limit:
        spool = _spool(spool_dir)
        spool.close()
        try:
            with translated(connection.facility):
                await client.download(system, path, spool.name)
        except BaseException:
            _remove(spool.name)
            raise
        return ReadStream(length=count, chunks=_file_chunks(spool.name, start, count))
    with translated(connection.facility):
        transfer: Any = await client.download(system, path, os.devnull, blocking=False)
        await transfer.wait_for_transfer_job()
        url = transfer.transfer_data["transferDirectives"]["downloadUrl"]
    log.info("hpc-jupyter: staged download of %d bytes from %s:%s", count, system, path)
    return ReadStream(length=count, chunks=_staged_chunks(connection, str(url), start, count))


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


async def _file_chunks(name: str, start: int, count: int) -> AsyncIterator[bytes]:
    try:
        with open(name, "rb") as handle:
            handle.seek(start)
            remaining = count
            while remaining > 0:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK_SIZE, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
    finally:
        _remove(name)


async def _staged_chunks(
    connection: FirecrestConnection, url: str, start: int, count: int
) -> AsyncIterator[bytes]:
    headers = {"Range": f"bytes={start}-{start + count - 1}"}
    facility = connection.facility
    with translated(facility):
        async with connection.http.stream("GET", url, headers=headers) as response:
            if response.status_code not in (200, 206):
                await response.aread()
                raise from_response(facility, response)
            skip = start if response.status_code == 200 else 0  # a store that ignored Range
            remaining = count
            async for chunk in response.aiter_bytes(CHUNK_SIZE):
                if skip:
                    cut = min(skip, len(chunk))
                    chunk, skip = chunk[cut:], skip - cut
                if not chunk:
                    continue
                chunk = chunk[:remaining]
                remaining -= len(chunk)
                yield chunk
                if remaining <= 0:
                    break
    if remaining > 0:
        raise HPCError(f"FirecREST ({facility}): the download ended early.")
