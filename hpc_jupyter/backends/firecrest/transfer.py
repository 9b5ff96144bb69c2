"""Moving file contents: direct below the system's limit, staged through S3 above it."""

from __future__ import annotations

import abc
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

import httpx
from firecrest.v2 import AsyncFirecrest

from ...errors import FacilityError, HPCError, ValidationError
from ...models import FileEntry
from ..base import ReadStream, UploadSink
from .connection import FirecrestConnection
from .failures import from_response, translated
from .session import FirecrestSession

log = logging.getLogger(__name__)
CHUNK_SIZE = 1024 * 1024
PART_READ_SIZE = 1024 * 1024
"""How much of an S3 part is read from the spool file at a time (pyfirecrest's default: 64 MiB,
which cost the server that much memory per part in flight)."""


def spool_file(spool_dir: str | None) -> IO[bytes]:
    """A new private temporary file in `spool_dir`, kept after closing (the caller removes it)."""
    return tempfile.NamedTemporaryFile(prefix="hpc-firecrest-", dir=spool_dir, delete=False)


class SpooledUpload(UploadSink):
    """Bytes spooled to a private local file and hashed as they come, then sent by `send`."""

    def __init__(
        self,
        connection: FirecrestSession,
        system: str,
        path: str,
        direct_limit: int,
        spool_dir: str | None,
        stat: Callable[[str, str], Awaitable[FileEntry]],
    ) -> None:
        self.connection = connection
        self.facility = connection.facility
        self.system = system
        self.path = path
        self.direct_limit = direct_limit
        """Below this size the file goes in one request; above it, through the staging area."""
        self._stat = stat
        self._file: IO[bytes] | None = spool_file(spool_dir)
        self.spool_path = self._file.name
        self._hash = hashlib.sha256()
        self.size = 0
        self.is_new = False
        """Nothing was at `path` when the upload opened (a staged upload may then land there)."""

    def __repr__(self) -> str:
        where = f"{self.facility}:{self.system}:{self.path}"
        return f"<{type(self).__name__} {where} {self.size} bytes>"

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
            entry = await self.send()
            return entry if entry is not None else await self._stat(self.system, self.path)
        finally:
            remove_quietly(self.spool_path)

    @abc.abstractmethod
    async def send(self) -> FileEntry | None:
        """Put the spooled bytes at `path` on the facility, checked by their checksum; the
        file's entry when it was asked for on the way (else the caller stats it)."""

    def staging_name(self) -> str:
        """A hidden name beside the target for a staged upload, renamed once it is complete."""
        directory, name = posixpath.split(self.path)
        return posixpath.join(directory, f".{name[:48]}.hpc-upload-{secrets.token_hex(6)}")

    def check_digest(self, digest: Any) -> None:
        """Raise unless the facility's SHA-256 of the uploaded file is that of what was sent."""
        if str(digest or "").lower() != self._hash.hexdigest():
            raise FacilityError(
                f"FirecREST ({self.facility}): the uploaded file's checksum does not match what "
                "was sent; the upload was not kept.",
                facility=self.facility,
            )

    async def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        remove_quietly(self.spool_path)


class FirecrestUpload(SpooledUpload):
    """An upload to FirecREST v2: direct below the system's limit, through S3 above it.

    A staged upload over an existing file lands under a hidden temporary name beside the
    target and is renamed only once its checksum matches, so a failure never leaves a partial
    file under the target name and the old file stays until the new one is complete. A staged
    upload of a new file lands at its name at once (no second transfer job for the rename) and
    is removed if it fails or its checksum does not match.
    """

    connection: FirecrestConnection

    async def send(self) -> FileEntry:
        client = await self.connection.for_system(self.system)
        if self.size < self.direct_limit:
            return await self._direct(client)
        return await self._staged(client)

    async def _direct(self, client: AsyncFirecrest) -> FileEntry:
        directory, name = posixpath.split(self.path)
        with translated(self.facility):
            await client.upload(self.system, self.spool_path, directory, name)
        return await self._verified(client, self.path)

    async def _staged(self, client: AsyncFirecrest) -> FileEntry:
        landing = self.path if self.is_new else self.staging_name()
        log.info("staged upload of %d bytes to %s:%s", self.size, self.system, self.path)
        try:
            await self._to_stage(client, landing)
            if landing == self.path:
                return await self._verified(client, landing)
            await self._verify(client, landing)
            with translated(self.facility):
                await client.mv(self.system, landing, self.path)
        except BaseException:
            await _discard(client, self.system, landing)
            raise
        return await self._stat(self.system, self.path)

    async def _to_stage(self, client: AsyncFirecrest, remote: str) -> None:
        """The S3 multipart upload and its transfer job, reading parts in small pieces."""
        directory, name = posixpath.split(remote)
        with translated(self.facility):
            upload: Any = await client.upload(
                self.system, self.spool_path, directory, name, blocking=False
            )
            upload.chunk_size = PART_READ_SIZE
            await upload.upload_file_to_stage()
            await upload.wait_for_transfer_job()

    async def _verified(self, client: AsyncFirecrest, remote: str) -> FileEntry:
        """Checksum and entry of the uploaded file, asked at once."""
        _, entry = await asyncio.gather(
            self._verify(client, remote), self._stat(self.system, remote)
        )
        return entry

    async def _verify(self, client: AsyncFirecrest, remote: str) -> None:
        with translated(self.facility):
            result: dict[str, Any] = await client.checksum(self.system, remote)
        self.check_digest(result.get("checksum"))


async def _discard(client: AsyncFirecrest, system: str, path: str) -> None:
    """Remove a staged temporary file, if it got that far; a failure here changes nothing."""
    try:
        await client.rm(system, path)
    except Exception as err:  # the upload already failed: report that, not this
        log.debug("could not remove %s after a failed upload (%s)", path, type(err))


def remove_quietly(path: str) -> None:
    """Remove a local file that may already be gone."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def byte_range(size: int, offset: int, length: int | None) -> tuple[int, int]:
    """Where a read of `length` bytes (None: to the end) from `offset` starts, and its length."""
    start = min(offset, size)
    return start, size - start if length is None else min(length, size - start)


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
    start, count = byte_range(size, offset, length)
    if count <= 0:
        return ReadStream(length=0, chunks=no_chunks())
    info = await connection.system(system)
    client = await connection.for_system(system)
    if size < info.direct_limit:
        return await direct_download(connection, system, path, start, count)
    with translated(connection.facility):
        transfer: Any = await client.download(system, path, os.devnull, blocking=False)
        await transfer.wait_for_transfer_job()
        url = transfer.transfer_data["transferDirectives"]["downloadUrl"]
    log.info("staged download of %d bytes from %s:%s", count, system, path)
    return ReadStream(length=count, chunks=staged_chunks(connection, str(url), start, count))


async def direct_download(
    connection: FirecrestSession, system: str, path: str, start: int, count: int
) -> ReadStream:
    """`ops/download` streamed (pyfirecrest's download would `stat` again, then hold it all)."""
    facility = connection.facility
    url = f"{connection.settings.url.rstrip('/')}/filesystem/{system}/ops/download"
    with translated(facility):
        request = connection.http.build_request("GET", url, params={"path": path})
        response = await connection.http.send(request, stream=True)
        if response.status_code != 200:
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise from_response(facility, response)
    return ReadStream(length=count, chunks=response_chunks(facility, response, start, count))


async def response_chunks(
    facility: str, response: httpx.Response, start: int, count: int
) -> AsyncIterator[bytes]:
    """`count` bytes from `start` of a streamed answer; closed once read or dropped."""
    try:
        with translated(facility):
            async for chunk in window(facility, response.aiter_bytes(CHUNK_SIZE), start, count):
                yield chunk
    finally:
        await response.aclose()


async def window(
    facility: str, chunks: AsyncIterator[bytes], skip: int, count: int
) -> AsyncIterator[bytes]:
    """`count` bytes of `chunks` after the first `skip`; an error if they end before that."""
    remaining = count
    async for chunk in chunks:
        if skip:
            cut = min(skip, len(chunk))
            chunk, skip = chunk[cut:], skip - cut
        if not chunk:
            continue
        chunk = chunk[:remaining]
        remaining -= len(chunk)
        yield chunk
        if remaining <= 0:
            return
    if remaining > 0:
        raise HPCError(f"FirecREST ({facility}): the download ended early.")


async def read_spooled(
    spool_dir: str | None, fetch: Callable[[str], Awaitable[None]], start: int, count: int
) -> ReadStream:
    """A small file fetched whole (`fetch` writes it to the path given), read from `start`."""
    spool = spool_file(spool_dir)
    spool.close()
    try:
        await fetch(spool.name)
    except BaseException:
        remove_quietly(spool.name)
        raise
    return ReadStream(length=count, chunks=file_chunks(spool.name, start, count))


async def no_chunks() -> AsyncIterator[bytes]:
    """Nothing to read."""
    return
    yield b""  # pragma: no cover - makes this an async generator


async def file_chunks(name: str, start: int, count: int) -> AsyncIterator[bytes]:
    """`count` bytes of a local file from `start`; the file is removed once read."""
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
        remove_quietly(name)


async def staged_chunks(
    connection: FirecrestSession, url: str, start: int, count: int
) -> AsyncIterator[bytes]:
    """`count` bytes from `start` of a file in the staging area, by its presigned URL."""
    headers = {"Range": f"bytes={start}-{start + count - 1}"}
    facility = connection.facility
    with translated(facility):
        async with connection.http.stream("GET", url, headers=headers) as response:
            if response.status_code not in (200, 206):
                await response.aread()
                raise from_response(facility, response)
            skip = start if response.status_code == 200 else 0  # a store that ignored Range
            async for chunk in window(facility, response.aiter_bytes(CHUNK_SIZE), skip, count):
                yield chunk
