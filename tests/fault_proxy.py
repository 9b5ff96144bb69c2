"""A fault-injecting TCP proxy for HTTP/1.1, between the server under test and a facility.

It forwards bytes unchanged but for the `Connection` header: both sides are told
`Connection: close`, so every request is a connection of its own and can be matched by its
request line. On the requests a test names it injects one of:

- `latency`: the answer is held back `seconds` before it is forwarded;
- `reset_mid_request`: the first `after_bytes` of the request's body reach the facility, then
  both connections are reset (an upload cut off on its way);
- `reset_before_response`: the request reaches the facility, which acts on it, and the caller
  gets a connection reset instead of the answer (the case that tempts a client to retry);
- `reset_mid_response`: the first `after_bytes` of the answer, then a connection reset;
- `truncate`: the first `after_bytes` of the answer, then a clean close (the body is shorter
  than its Content-Length);
- `status`: an answer of its own (`status`, e.g. 503) without asking the facility.

`down` refuses every connection at once (the facility is unreachable) until it is cleared.
The proxy runs on the test's event loop; it knows nothing of the facility's API.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

KINDS = (
    "latency",
    "reset_mid_request",
    "reset_before_response",
    "reset_mid_response",
    "truncate",
    "status",
)


@dataclass
class Fault:
    """One fault, for requests whose method and path start like this, `times` times."""

    kind: str
    method: str = ""
    path: str = ""
    times: int = 1
    seconds: float = 0.0
    after_bytes: int = 0
    status: int = 503

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind

    def matches(self, method: str, path: str) -> bool:
        return method.startswith(self.method) and path.startswith(self.path)


@dataclass
class FaultProxy:
    """`url` stands for `upstream`; faults are added with `inject` and used up in order."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    down: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    injected: list[tuple[str, str, str]] = field(default_factory=list)
    url: str = ""
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        parts = urlsplit(self.upstream)
        self.url = f"{parts.scheme}://127.0.0.1:{port}{parts.path}".rstrip("/")
        return self

    async def stop(self) -> None:
        """Stop listening and end every connection, before the test's event loop closes (a
        connection left would be destroyed pending in a later test, failing that one)."""
        if self._server is not None:
            self._server.close()
        for _ in range(10):  # a connection accepted just now starts its task a step later
            await asyncio.sleep(0)
            if not self._tasks:
                break
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    @classmethod
    @contextlib.contextmanager
    def on_loop(cls, loop: asyncio.AbstractEventLoop, upstream: str) -> Iterator[FaultProxy]:
        """A proxy to `upstream` serving on `loop` (a test's, between its steps), then stopped."""
        proxy = loop.run_until_complete(cls(upstream).start())
        try:
            yield proxy
        finally:
            loop.run_until_complete(proxy.stop())

    def inject(self, kind: str, method: str = "", path: str = "", **options: float) -> Fault:
        fault = Fault(kind, method, path, **options)  # type: ignore[arg-type]
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()
        self.down = False

    def count(self, method: str, path: str) -> int:
        """How many requests (faulted or not) came for this method and path prefix."""
        return sum(1 for m, p in self.requests if m == method and p.startswith(path))

    # -- one connection ----------------------------------------------------------------------

    def _take(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                self.injected.append((fault.kind, method, path))
                return fault
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self._one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            _reset(writer)
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            with contextlib.suppress(Exception):
                writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            _reset(writer)
            return
        head = await reader.readuntil(b"\r\n\r\n")
        method, path = _request_line(head)
        self.requests.append((method, path))
        fault = self._take(method, path)
        if fault is not None and fault.kind == "status":
            body = b'{"message": "injected by the fault proxy"}'
            writer.write(
                b"HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                % (fault.status, len(body), body)
            )
            await writer.drain()
            return
        parts = urlsplit(self.upstream)
        up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            up_writer.write(_close_after(head))
            if fault is not None and fault.kind == "reset_mid_request":
                await _pipe(reader, up_writer, limit=fault.after_bytes)
                _reset(up_writer)
                _reset(writer)
                return
            pump = asyncio.ensure_future(_pipe(reader, up_writer))
            try:
                await self._answer(up_reader, writer, fault)
            finally:
                pump.cancel()
                with contextlib.suppress(BaseException):
                    await pump
        finally:
            up_writer.close()

    async def _answer(
        self, up: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: Fault | None
    ) -> None:
        chunks = _response(up)
        first = await anext(chunks)  # the facility has acted on the request by now
        if fault is not None and fault.kind == "latency":
            await asyncio.sleep(fault.seconds)
        if fault is not None and fault.kind == "reset_before_response":
            _reset(writer)
            return
        sent, chunk = 0, first
        while chunk:
            if fault is not None and fault.kind in ("reset_mid_response", "truncate"):
                room = fault.after_bytes - sent
                if len(chunk) >= room:
                    writer.write(chunk[:room])
                    await writer.drain()
                    if fault.kind == "reset_mid_response":
                        _reset(writer)
                    return
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            chunk = await anext(chunks, b"")


async def _response(up: asyncio.StreamReader) -> AsyncIterator[bytes]:
    """One answer: its head (saying `Connection: close`), then its body and no more.

    A facility may keep the connection open whatever the request asked (slurmrestd does), so
    the body ends where its Content-Length says; a chunked body or one without a length ends
    when the facility closes.
    """
    head = await up.readuntil(b"\r\n\r\n")
    yield _close_after(head)
    length = _content_length(head)
    while length is None or length > 0:
        chunk = await up.read(65536 if length is None else min(65536, length))
        if not chunk:
            return
        if length is not None:
            length -= len(chunk)
        yield chunk


def _content_length(head: bytes) -> int | None:
    lines = head[:-4].split(b"\r\n")[1:]
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines)}
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        return None
    value = fields.get(b"content-length")
    return int(value) if value is not None and value.isdigit() else None


def _request_line(head: bytes) -> tuple[str, str]:
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = line.partition(" ")
    return method, rest.rsplit(" ", 1)[0]


def _close_after(head: bytes) -> bytes:
    """A request's or an answer's head with `Connection: close`: one request a connection."""
    lines = [
        line
        for line in head[:-4].split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limit: int | None = None
) -> None:
    """The rest of the request (its body) to the facility; the first `limit` bytes only."""
    sent = 0
    while limit is None or sent < limit:
        chunk = await reader.read(65536 if limit is None else min(65536, limit - sent))
        if not chunk:
            return
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (RST), as a crashed peer or a middlebox does, not a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
