"""The IRI kind through the upstream stack, on recorded answers: retries, one refresh, redaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hpc_jupyter.backends.iri import IRIFacility, make_provider
from hpc_jupyter.backends.iri.settings import IRISettings
from hpc_jupyter.errors import FacilityAuthError, FacilityError, ValidationError
from tests.backends import upstream as upstream_answers
from tests.backends.upstream import Upstream, Wire

SAMPLES = Path(__file__).parent / "samples"
URL = "https://iri.test/api/v1"
RESOURCES = "/api/v1/status/resources"
UPLOAD = "/api/v1/filesystem/upload/cfs"


def recorded(name: str, **headers: str) -> httpx.Response:
    """A recorded answer of the IRI API."""
    return upstream_answers.recorded(SAMPLES / name, **headers)


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "iri-token"
    path.write_text("first-bearer-token\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def facility(upstream: Upstream, token_file: Path) -> IRIFacility:
    settings = IRISettings.parse(
        "nersc",
        {
            "url": URL,
            "compute_resource": "compute nodes",
            "storage_resource": "cfs",
            "auth": {"file": str(token_file)},
            "max_retry_after": 0,
        },
    )
    facility = IRIFacility("nersc", settings, make_provider("nersc", settings.auth))
    facility.client.inner_transport = Wire(upstream)
    return facility


async def test_a_429_is_retried_and_a_one_shot_body_is_never_sent_twice(
    facility: IRIFacility, upstream: Upstream
) -> None:
    # Given an API that first asks us to slow down
    slow_down = httpx.Response(429, headers={"Retry-After": "0"})
    upstream.then(RESOURCES, slow_down, recorded("04-status-resources.json"))

    # When the systems are read: they come after one retry
    systems = await facility.systems()
    assert [system.name for system in systems] == ["perlmutter"]
    assert len(upstream.sent_to(RESOURCES)) == 2

    # An upload's form is bytes in memory and is sent again; a streamed body never is
    upstream.then(UPLOAD, slow_down, httpx.Response(200, json={"task_id": "t1"}))
    form = {"file": ("a.txt", b"data", "application/octet-stream")}
    answer = await facility.client.json("POST", "filesystem/upload/cfs", files=form)
    assert answer == {"task_id": "t1"} and len(upstream.sent_to(UPLOAD)) == 2

    async def chunks() -> AsyncIterator[bytes]:
        yield b"only once"

    upstream.then("/api/v1/stream", slow_down)
    refused = await facility.client.http.post("stream", content=chunks())
    assert refused.status_code == 429 and len(upstream.sent_to("/api/v1/stream")) == 1
    await facility.close()


async def test_a_refused_token_is_read_again_once_then_the_call_succeeds(
    facility: IRIFacility, upstream: Upstream, token_file: Path
) -> None:
    # Given an API that refuses the first token, which the user then replaces in its file
    def refuse(request: httpx.Request) -> httpx.Response:
        token_file.write_text("second-bearer-token\n")
        return recorded("70-err-bad-token.json")

    upstream.then(RESOURCES, refuse, recorded("04-status-resources.json"))

    # When the systems are read
    systems = await facility.systems()

    # Then the token was read again once and the call repeated with it
    assert [system.name for system in systems] == ["perlmutter"]
    assert upstream.sent_to(RESOURCES) == ["first-bearer-token", "second-bearer-token"]
    await facility.close()


async def test_a_second_refusal_is_the_users_auth_error(
    facility: IRIFacility, upstream: Upstream, token_file: Path
) -> None:
    upstream.then(RESOURCES, recorded("70-err-bad-token.json"))

    with pytest.raises(FacilityAuthError) as refused:
        await facility.systems()

    assert refused.value.message == (
        "The IRI API of facility 'nersc' refused the token: Facility Specific authentication "
        "failed: 401: Invalid API key Replace the bearer token (it comes from the file "
        f"{token_file})."
    )
    assert len(upstream.sent_to(RESOURCES)) == 2
    await facility.close()


async def test_a_token_echoed_upstream_never_reaches_the_error_or_the_log(
    facility: IRIFacility, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an API whose problem detail echoes the request's headers
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        detail = f"bad request; headers: authorization={request.headers['Authorization']}"
        return httpx.Response(413, json={"title": "Too big", "detail": detail})

    upstream.then(RESOURCES, echo)

    # When the call fails: IRI's 413 is the user's request refused
    with pytest.raises(ValidationError) as failed:
        await facility.systems()

    message = failed.value.message
    assert message.startswith("The IRI API of facility 'nersc' refused the request: bad request")
    for text in (message, repr(failed.value), caplog.text):
        assert "first-bearer-token" not in text
    await facility.close()


async def test_a_502_tells_the_outage_in_the_apis_words(
    facility: IRIFacility, upstream: Upstream
) -> None:
    upstream.then(RESOURCES, httpx.Response(503, json={"detail": "maintenance until 18:00"}))

    with pytest.raises(FacilityError) as down:
        await facility.systems()

    assert down.value.reason == "unavailable"
    assert down.value.message == (
        "The IRI API of facility 'nersc' is unavailable: maintenance until 18:00"
    )
    await facility.close()
