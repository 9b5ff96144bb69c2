"""FirecREST v2 through the upstream stack, on recorded answers: retries, one refresh, redaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpc_jupyter.backends.firecrest import FirecrestFacility
from hpc_jupyter.backends.firecrest.settings import FirecrestSettings
from hpc_jupyter.errors import FacilityAuthError, FacilityError, NotFound
from hpc_jupyter.models import AuthState, AuthStatus
from tests.backends import upstream as upstream_answers
from tests.backends.upstream import Wire, bearer

SAMPLES = Path(__file__).parent / "samples"
URL = "https://firecrest.test/api"
TOKEN_URL = "https://auth.test/token"
SYSTEMS = "/api/status/systems"
MISSING = "/home/hpcuser/does-not-exist"


def recorded(name: str, **headers: str) -> httpx.Response:
    """A recorded FirecREST answer."""
    return upstream_answers.recorded(SAMPLES / name, **headers)


def jwt(n: int) -> str:
    return f"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlLWFjY291bnQtJ{n}.c2lnbmF0dXJl{n}"


class Upstream(upstream_answers.Upstream):
    """The token service and FirecREST: each token asked for is a new one, kept in `issued`."""

    def __init__(self) -> None:
        super().__init__()
        self.issued: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) != TOKEN_URL:
            return super().__call__(request)
        self.sent.append((request.url.path, bearer(request)))
        self.issued.append(jwt(len(self.issued) + 1))
        return httpx.Response(200, json={"access_token": self.issued[-1], "expires_in": 300})


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def facility(upstream: Upstream) -> FirecrestFacility:
    settings = FirecrestSettings.parse(
        "cscs",
        {
            "url": URL,
            "token_url": TOKEN_URL,
            "client_id": "hpc-jupyter",
            "client_secret": {"value": "client-secret-value"},
            "max_retry_after": 0,
        },
    )
    facility = FirecrestFacility("cscs", settings, None)
    facility.connection.inner_transport = Wire(upstream)
    return facility


async def test_a_429_is_retried_and_a_one_shot_upload_is_never_sent_twice(
    facility: FirecrestFacility, upstream: Upstream
) -> None:
    # Given a FirecREST that first asks us to slow down
    slow_down = httpx.Response(429, headers={"Retry-After": "0"})
    upstream.then(SYSTEMS, slow_down, recorded("02-status-systems.json"))

    # When the systems are read: they come after one retry
    systems = await facility.systems()
    assert [system.name for system in systems] == ["localcluster"]
    assert len(upstream.sent_to(SYSTEMS)) == 2

    # When a JSON body meets a 429 it is sent again; a streamed upload body never is
    upstream.then("/api/submit", slow_down, httpx.Response(201, json={"jobId": 1}))
    sent = await facility.connection.http.post(URL + "/submit", json={"job": {}})
    assert sent.status_code == 201 and len(upstream.sent_to("/api/submit")) == 2

    async def chunks() -> AsyncIterator[bytes]:
        yield b"only once"

    upstream.then("/api/upload", slow_down)
    refused = await facility.connection.http.post(URL + "/upload", content=chunks())
    assert refused.status_code == 429 and len(upstream.sent_to("/api/upload")) == 1
    await facility.close()


async def test_a_refused_token_is_renewed_once_then_the_call_succeeds(
    facility: FirecrestFacility, upstream: Upstream
) -> None:
    # Given a FirecREST that says the first token has expired
    upstream.then(
        SYSTEMS, recorded("67-err-expired-token.json"), recorded("02-status-systems.json")
    )

    # When the systems are read
    systems = await facility.systems()

    # Then one new token was fetched and the call repeated with it
    assert [system.name for system in systems] == ["localcluster"]
    assert upstream.sent_to(SYSTEMS) == upstream.issued
    assert len(upstream.issued) == 2
    await facility.close()


async def test_a_second_refusal_is_the_users_auth_error(
    facility: FirecrestFacility, upstream: Upstream
) -> None:
    upstream.then(SYSTEMS, recorded("67-err-expired-token.json"))

    with pytest.raises(FacilityAuthError) as refused:
        await facility.systems()

    assert refused.value.message == (
        "FirecREST refused the credentials of facility 'cscs': Access token expired "
        "Check your client credentials."
    )
    assert len(upstream.sent_to(SYSTEMS)) == 2 and len(upstream.issued) == 2
    await facility.close()


async def test_firecrest_words_a_missing_file_in_its_message(
    facility: FirecrestFacility, upstream: Upstream
) -> None:
    upstream.then(SYSTEMS, recorded("02-status-systems.json"))
    upstream.then("/api/filesystem/localcluster/ops/ls", recorded("73-err-ls-missing.json"))

    with pytest.raises(NotFound) as missing:
        await facility.files.list_dir("localcluster", MISSING)

    assert missing.value.message == (
        "FirecREST (cscs) found no such file, system or job: "
        f"ls: cannot access '{MISSING}': No such file or directory"
    )
    await facility.close()


async def test_a_token_echoed_upstream_never_reaches_the_error_or_the_log(
    facility: FirecrestFacility, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a FirecREST that echoes what it was sent in its error message
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        said = f"rejected {request.headers['Authorization']} (access_token={bearer(request)})"
        return httpx.Response(500, json={"message": said})

    upstream.then(SYSTEMS, echo)

    # When the call fails
    with pytest.raises(FacilityError) as failed:
        await facility.systems()

    # Then the error still says what happened, and no token is in it or in the log
    error: Any = failed.value
    assert error.message.startswith("FirecREST (cscs) failed (HTTP 500): rejected Bearer ")
    shown = [error.message, error.excerpt, repr(error), caplog.text, repr(facility.connection)]
    for token in upstream.issued:
        assert not any(token in text for text in shown)
    await facility.close()


async def test_the_auth_status_tells_a_refused_secret_from_an_unreachable_token_service(
    facility: FirecrestFacility, upstream: Upstream
) -> None:
    # Given a token service that cannot be reached: nobody can tell whether the secret is good
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    facility.connection.inner_transport = Wire(unreachable)
    assert await facility.auth_state() == AuthState(
        AuthStatus.UNKNOWN, "The token service of facility 'cscs' cannot be reached right now."
    )
    await facility.close()

    # Given a token service that refuses the client credentials: the user must fix them
    def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client"})

    facility.connection.inner_transport = Wire(refused)
    assert await facility.auth_state() == AuthState(
        AuthStatus.ERROR,
        "The token service of facility 'cscs' refused the client credentials: check your "
        "client credentials (client_id and client_secret).",
    )
    await facility.close()
