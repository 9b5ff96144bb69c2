"""Routes for a facility's files: list, stat, stream down, stream up, head/tail, checksum, ops."""

from __future__ import annotations

import asyncio
import copy
from typing import Any
from urllib.parse import quote

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..backends.base import UploadSink
from ..errors import HPCError, ValidationError
from ..inputs import check_path, shown
from .base import HPCAPIHandler
from .listing_json import listing_body

_ABORTS: set[asyncio.Future[None]] = set()
SEND_PIECE = 1024 * 1024
UPLOAD_PIECE = 1024 * 1024
"""How much of an upload's body is read from the socket and handed to the facility at a time."""
"""Bytes of a big listing handed to the socket at a time."""


class FilesHandler(HPCAPIHandler):
    """GET .../files?path=P[&offset=N][&limit=N]: the entries of a directory, or a page of them."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        offset, limit = self.int_argument("offset"), self.int_argument("limit")
        # Without a path (or with an empty one), the system's home, as the spec says.
        path, entries, total = await self.services.files.list_page(
            facility, self.system_argument(), self.query_text("path"), offset or 0, limit
        )
        paged = offset is not None or limit is not None  # else the answer of old: no `total`
        # A big listing is emptied as it is made (its entries freed off the event loop).
        await self._send(*await listing_body(path, entries, total if paged else None))

    async def _send(self, body: bytes, etag: str | None) -> None:
        """Finish with a listing's JSON; with its `Etag` when made off the loop (a big one)."""
        if etag is None:
            self.finish(body)
            return
        # What tornado's finish() would hash on the loop, and its 304 (it checks only the
        # Etag it makes itself).
        self.set_header("Etag", etag)
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        # Sent a piece at a time, each once the last has left: given whole, tornado copies the
        # body behind the headers and writes as much as the socket takes in one go, 35 ms of
        # the event loop for 100,000 entries. The headers are those finish() would send.
        self.set_header("Content-Type", "application/json")
        self.set_header("Content-Length", str(len(body)))
        try:
            for start in range(0, len(body), SEND_PIECE):
                self.write(body[start : start + SEND_PIECE])
                await self.flush()
        except StreamClosedError:
            return  # the client went away
        self.finish()


class FileStatHandler(HPCAPIHandler):
    """GET .../files/stat?path=P: one entry."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        entry = await self.services.files.stat(
            facility, self.system_argument(), self.path_argument()
        )
        self.write_json(entry.to_dict())


class FileLinesHandler(HPCAPIHandler):
    """GET .../files/head or .../files/tail?path=P&lines=N: first or last lines of a text file."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, end: str) -> None:
        excerpt = await self.services.files.excerpt(
            facility,
            self.system_argument(),
            self.path_argument(),
            self.int_argument("lines", 10) or 0,
            from_end=end == "tail",
        )
        self.write_json(excerpt.to_dict())


class FileChecksumHandler(HPCAPIHandler):
    """GET .../files/checksum?path=P: a file's SHA-256."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        digest = await self.services.files.checksum(
            facility, self.system_argument(), self.path_argument()
        )
        self.write_json({"algorithm": "sha256", "checksum": digest})


def _read_in_big_pieces(connection: Any) -> int:
    """Read this request's body in `UPLOAD_PIECE`s, not tornado's 64 KiB.

    A sixteenth of the per-piece work (socket reads, buffer copies, `data_received` calls) for
    the same bytes: uploads 1.2-1.4x faster (benchmarks/results/upload_download.md). The
    parameters are the server's, shared by every connection: this request gets its own copy.
    Returns the socket's usual read size, to be put back when the request ends (the stream
    outlives the request on a kept-alive connection).
    """
    params = copy.copy(connection.params)
    params.chunk_size = UPLOAD_PIECE
    connection.params = params
    usual: int = connection.stream.read_chunk_size
    connection.stream.read_chunk_size = max(usual, UPLOAD_PIECE)
    return usual


@web.stream_request_body
class FileContentHandler(HPCAPIHandler):
    """GET streams a file (or a byte range) down; PUT streams a request body into a file.

    An upload goes to a temporary name and is renamed only once the whole body has arrived,
    so a broken upload never leaves a half-written file under the target name.
    """

    _sink: UploadSink | None = None
    _usual_read_size: int | None = None
    _upload_error: HPCError | None = None

    async def prepare(self, *, _redirect_to_login: bool = False) -> None:  # type: ignore[override]
        await super().prepare()
        if self.request.method != "PUT":
            return
        if not self.current_user:
            raise web.HTTPError(403)  # never accept a body from someone unknown
        # @authorized on put() runs only once the whole body is in: ask the authorizer now,
        # before a byte of it reaches the facility.
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        )
        if not allowed:
            raise web.HTTPError(403, f"Not authorized to write on resource: {self.auth_resource}.")
        files = self.services.files
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit():
            # Refuse before reading: the client learns why at once instead of a dropped connection.
            files.check_upload_size(int(declared))
        connection = self.request.connection
        connection.set_max_body_size(files.max_upload_size)  # type: ignore[union-attr]
        self._usual_read_size = _read_in_big_pieces(connection)
        self._sink = await files.open_upload(
            self.path_kwargs["facility"], self.system_argument(), self.path_argument()
        )

    async def data_received(self, chunk: bytes) -> None:
        if self._sink is None or self._upload_error is not None:
            return
        try:
            await self._sink.write(chunk)
        except HPCError as err:
            self._upload_error = err  # reported once the body has been read

    @web.authenticated
    @authorized
    async def put(self, facility: str) -> None:
        sink = self._sink
        if sink is None:
            raise ValidationError("No upload was started.")
        if self._upload_error is not None:
            await sink.abort()
            raise self._upload_error
        entry = await sink.commit()
        self._sink = None
        self.write_json(entry.to_dict(), status=201)

    def on_connection_close(self) -> None:
        self._drop_upload()

    def on_finish(self) -> None:
        self._drop_upload()
        if self._usual_read_size is not None:
            stream = self.request.connection.stream  # type: ignore[union-attr]
            stream.read_chunk_size = self._usual_read_size

    def _drop_upload(self) -> None:
        if self._sink is not None:
            sink, self._sink = self._sink, None
            task = asyncio.ensure_future(sink.abort())
            _ABORTS.add(task)  # keep a reference until it is done
            task.add_done_callback(_ABORTS.discard)

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        path = self.path_argument()
        stream = await self.services.files.open_read(
            facility,
            self.system_argument(),
            path,
            offset=self.int_argument("offset", 0) or 0,
            length=self.int_argument("length"),
        )
        name = path.rstrip("/").rsplit("/", 1)[-1] or "download"
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Length", str(stream.length))
        self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")
        try:
            async for chunk in stream.chunks:
                self.write(chunk)
                await self.flush()
        except StreamClosedError:
            return  # the client went away; the generator closes the file
        finally:
            await stream.chunks.aclose()  # type: ignore[attr-defined]
        # APIHandler.finish() sets application/json unless told otherwise; that is what an
        # empty file would get, its headers not having been flushed with a chunk.
        self.finish(set_content_type="application/octet-stream")


class FileOperationHandler(HPCAPIHandler):
    """POST .../files/{op} with a JSON body: mkdir, move, copy, delete, chmod, chown."""

    @web.authenticated
    @authorized
    async def post(self, facility: str, op: str) -> None:
        files, system, body = self.services.files, self.system_argument(), self.json_body()
        if op == "mkdir":
            entry = await files.mkdir(
                facility, system, _path(body, "path"), parents=_flag(body, "parents")
            )
            self.write_json(entry.to_dict(), status=201)
        elif op == "move":
            entry = await files.move(facility, system, _path(body, "source"), _path(body, "target"))
            self.write_json(entry.to_dict())
        elif op == "copy":
            entry = await files.copy(facility, system, _path(body, "source"), _path(body, "target"))
            self.write_json(entry.to_dict(), status=201)
        elif op == "delete":
            await files.delete(
                facility, system, _path(body, "path"), recursive=_flag(body, "recursive")
            )
            self.set_status(204)
            self.finish()
        elif op == "chmod":
            entry = await files.chmod(facility, system, _path(body, "path"), _text(body, "mode"))
            self.write_json(entry.to_dict())
        elif op == "chown":
            owner, group = _optional_text(body, "owner"), _optional_text(body, "group")
            entry = await files.chown(facility, system, _path(body, "path"), owner, group)
            self.write_json(entry.to_dict())
        else:  # the route pattern admits only the six above
            raise ValidationError(f"Unknown file operation {shown(op)}.")


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"The request needs {key!r}: a non-empty string.")
    return value


def _path(body: dict[str, Any], key: str) -> str:
    """A path of the body, checked for size before any facility sees it."""
    return check_path(_text(body, key), key)


def _optional_text(body: dict[str, Any], key: str) -> str:
    """A string that may be absent (then `""`)."""
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{key!r} must be a string.")
    if "\x00" in value:
        raise ValidationError(f"{key!r} contains a NUL character.")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ValidationError(f"{key!r} must be true or false.")
    return value
