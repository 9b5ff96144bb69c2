"""Plumbing the facility test doubles share: recorded samples, the handler base, serving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tests.server_process import free_port

FakeT = TypeVar("FakeT")


class InjectedFailure(Protocol):
    """A failure a test asked a double for: the requests it matches and how often."""

    method: str
    path: str
    times: int


FailureT = TypeVar("FailureT", bound=InjectedFailure)


def load_sample(data: Path, pattern: str) -> dict[str, Any]:
    """The one recorded exchange (`{request, status, headers, body}`) under `data` matching."""
    (path,) = data.glob(pattern)
    recorded: dict[str, Any] = json.loads(path.read_text())
    return recorded


def take_failure(failures: list[FailureT], method: str, path: str) -> FailureT | None:
    """The injected failure for a request (method and path prefix), used up once; None if none."""
    for failure in list(failures):
        if failure.method == method and path.startswith(failure.path):
            failure.times -= 1
            if failure.times <= 0:
                failures.remove(failure)
            return failure
    return None


class DoubleHandler(web.RequestHandler, Generic[FakeT]):
    """A double's one handler: every method goes to `dispatch`, with the double's state at hand."""

    fake: FakeT

    def initialize(self, fake: FakeT) -> None:
        self.fake = fake

    def check_xsrf_cookie(self) -> None:
        return

    async def dispatch(self) -> None:
        raise NotImplementedError

    async def get(self) -> None:
        await self.dispatch()

    post = put = delete = get

    def form(self) -> dict[str, str]:
        """A form-encoded body (a token request) as a plain dict."""
        return {k: v[0].decode() for k, v in self.request.body_arguments.items()}

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.get_query_argument(name, default)


async def serve(
    handler: type[DoubleHandler[Any]], fake: Any, **server: Any
) -> tuple[HTTPServer, str]:
    """Serve a double on a free port of 127.0.0.1; the server and its URL.

    The port comes from this test process's own range, not the kernel's ephemeral ones: a
    double that goes down and comes back (`tests/firecrest/outage.py`) leaves its port free
    meanwhile, and an ephemeral one could be taken by another test process's double, whose
    answers (a token, a 401) would then be taken for this facility's.
    """
    app = web.Application([(r"/.*", handler, {"fake": fake})])
    http = HTTPServer(app, **server)
    sockets = bind_sockets(free_port(), "127.0.0.1")
    http.add_sockets(sockets)
    return http, f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
