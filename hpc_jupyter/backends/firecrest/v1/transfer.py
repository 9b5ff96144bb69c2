"""Moving file contents through FirecREST v1: direct below its size limit, staged above it.

Staged transfers use v1's external transfer tasks. pyfirecrest finishes an upload by running the
shell command the server sends (`curl ...`) and a download with a blocking `urlopen`; here the
upload form the server sends is posted, and the download streamed, with our own HTTP client.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import time
from collections.abc import AsyncIterator
from typing import Any

from firecrest.v1 import AsyncExternalDownload, AsyncExternalUpload, AsyncFirecrest

from ....errors import FacilityError, UpstreamTimeout
from ...base import ReadStream
from ..transfer import SpooledUpload, byte_range, no_chunks, read_spooled, staged_chunks
from .connection import V1Connection
from .failures import translated_v1

log = logging.getLogger(__name__)

FORM_ALLOWANCE = 64 * 1024
"""Room left for the multipart form around a direct upload (v1 limits the whole request)."""
STAGED_WAIT = 3600.0
"""Seconds a staged transfer may take; v1 looks at its staging area once a minute by default."""


class V1Upload(SpooledUpload):
    """An upload to FirecREST v1: direct below the limit, through the staging area above it.

    A staged upload lands under a hidden temporary name beside the target and is renamed only
    once its checksum matches, so a failure never leaves a partial file under the target name.
    """

    connection: V1Connection

    async def send(self) -> None:
        client = self.connection.client
        if self.size + FORM_ALLOWANCE < self.direct_limit:
            directory, name = posixpath.split(self.path)
            with translated_v1(self.facility):
                await client.simple_upload(self.system, self.spool_path, directory, name)
                digest = await client.checksum(self.system, self.path)
            self.check_digest(digest)
            return
        staged = self.staging_name()
        log.info("staged upload of %d bytes to %s:%s", self.size, self.system, self.path)
        try:
            await self._staged(client, staged)
            with translated_v1(self.facility):
                digest = await client.checksum(self.system, staged)
            self.check_digest(digest)
            with translated_v1(self.facility):
                await client.mv(self.system, staged, self.path)
        except BaseException:
            await _discard(client, self.system, staged)
            raise

    async def _staged(self, client: AsyncFirecrest, staged: str) -> None:
        directory, name = posixpath.split(staged)
        with translated_v1(self.facility):
            # The file lands as `targetPath/basename(sourcePath)`: the source names it.
            upload = await client.external_upload(self.system, name, directory)
        await wait_for(self.facility, upload, {"111"})
        with translated_v1(self.facility):
            form = (await upload.object_storage_data)["parameters"]
        await self._post(form, name)
        await wait_for(self.facility, upload, {"114"})

    async def _post(self, form: dict[str, Any], name: str) -> None:
        """Send the spooled file to the staging area as the server's form says."""
        method = str(form.get("method") or "POST").upper()
        http = self.connection.http
        with open(self.spool_path, "rb") as handle:
            if method == "POST":
                response = await http.post(
                    str(form["url"]),
                    data=form.get("data") or {},
                    files={"file": (name, handle)},
                    params=form.get("params") or None,
                    headers=form.get("headers") or None,
                )
            else:
                response = await http.request(
                    method,
                    str(form["url"]),
                    content=_read_chunks(handle),
                    params=form.get("params") or None,
                    headers=form.get("headers") or None,
                )
        if response.status_code >= 300:
            raise FacilityError(
                f"FirecREST ({self.facility}): the staging area refused the upload "
                f"(HTTP {response.status_code}).",
                facility=self.facility,
                upstream_status=response.status_code,
            )


async def _read_chunks(handle: Any) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(handle.read, 1024 * 1024):
        yield chunk


async def wait_for(
    facility: str,
    transfer: AsyncExternalUpload | AsyncExternalDownload,
    wanted: set[str],
    limit: float = STAGED_WAIT,
) -> None:
    """Wait until an external transfer's task reaches a status in `wanted`.

    A task that fails (115, 118 or 400) raises through `translated_v1`.
    """
    deadline = time.monotonic() + limit
    pause = 0.1
    while True:
        with translated_v1(facility):
            status = str(await transfer.status)
        if status in wanted:
            return
        if time.monotonic() > deadline:
            raise UpstreamTimeout(
                f"FirecREST ({facility}): the staged transfer did not finish in "
                f"{limit / 60:.0f} minutes (task status {status}).",
                facility=facility,
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, 5.0)


async def _discard(client: AsyncFirecrest, system: str, path: str) -> None:
    """Remove a staged temporary file, if it got that far; a failure here changes nothing."""
    try:
        await client.simple_delete(system, path)
    except Exception as err:  # the upload already failed: report that, not this
        log.debug("could not remove %s after a failed upload (%s)", path, type(err))


async def open_v1_download(
    connection: V1Connection,
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
    client = connection.client
    if size <= info.direct_limit:

        async def fetch(into: str) -> None:
            with translated_v1(connection.facility):
                try:
                    await client.simple_download(system, path, into)
                except UnicodeDecodeError:
                    # pyfirecrest reads the answer as JSON before it writes it: bytes that are
                    # not UTF-8 (a pickle, an image) break that, so they come staged instead
                    await _staged_into(connection, system, path, size, into)

        return await read_spooled(spool_dir, fetch, start, count)
    with translated_v1(connection.facility):
        transfer = await client.external_download(system, path)
    await wait_for(connection.facility, transfer, {"117"})
    with translated_v1(connection.facility):
        url = await transfer.object_storage_link
    log.info("staged download of %d bytes from %s:%s", count, system, path)
    chunks = staged_chunks(connection, str(url), start, count)
    return ReadStream(length=count, chunks=_then_invalidate(chunks, transfer))


async def _staged_into(
    connection: V1Connection, system: str, path: str, size: int, into: str
) -> None:
    """Download a whole remote file into the local file `into` through a staged transfer."""
    transfer = await connection.client.external_download(system, path)
    await wait_for(connection.facility, transfer, {"117"})
    url = await transfer.object_storage_link
    log.info("staged download of %d bytes from %s:%s (not text)", size, system, path)
    with open(into, "wb") as out:
        async for chunk in _then_invalidate(staged_chunks(connection, str(url), 0, size), transfer):
            out.write(chunk)


async def _then_invalidate(
    chunks: AsyncIterator[bytes], transfer: AsyncExternalDownload
) -> AsyncIterator[bytes]:
    """The chunks, then the download URL withdrawn (it would otherwise live for days)."""
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        try:
            await transfer.invalidate_object_storage_link()
        except Exception as err:  # the data is already sent; a stale link only expires later
            log.debug("could not withdraw a download link (%s)", type(err))
