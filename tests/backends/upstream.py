"""A facility's HTTP API as the backend-unit tests drive it: queued recorded answers, a wire."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

Answer = Callable[[httpx.Request], httpx.Response]


def fixed(response: httpx.Response) -> Answer:
    return lambda _: response


def recorded(path: Path, status: int | None = None, **headers: str) -> httpx.Response:
    """A recorded answer (`{"status", "body"}`; a bare body when `status` is given)."""
    sample = json.loads(path.read_text())
    if status is not None:
        return httpx.Response(status, json=sample, headers=headers)
    return httpx.Response(sample["status"], json=sample["body"], headers=headers)


def bearer(request: httpx.Request) -> str:
    return str(request.headers.get("Authorization", "")).removeprefix("Bearer ")


class Wire(httpx.MockTransport):
    """A MockTransport that consumes the body as the network does: `MockTransport` reads it
    into memory, which would make every body look replayable."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async for _ in request.stream:  # type: ignore[union-attr]
            pass
        response = self.handler(request)
        return response if isinstance(response, httpx.Response) else await response


class Upstream:
    """An API: answers queued per path (the last one repeats), the token of each request kept.

    `token_of` reads the credential a request carries (a bearer token by default).
    """

    def __init__(
        self,
        token_of: Callable[[httpx.Request], str] = bearer,
        answers: Mapping[str, Answer] | None = None,
    ) -> None:
        self.token_of = token_of
        self.sent: list[tuple[str, str]] = []
        """(path, token) of each request, as it was sent."""
        self.queued: dict[str, list[Answer]] = {
            path: [answer] for path, answer in (answers or {}).items()
        }

    def then(self, path: str, *answers: httpx.Response | Answer) -> None:
        self.queued.setdefault(path, []).extend(
            answer if callable(answer) else fixed(answer) for answer in answers
        )

    def sent_to(self, path: str) -> list[str]:
        """The token each request to `path` carried."""
        return [token for sent, token in self.sent if sent == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.url.path, self.token_of(request)))
        queue = self.queued[request.url.path]
        return (queue.pop(0) if len(queue) > 1 else queue[0])(request)
