"""slurmrestd through the upstream stack, on recorded answers: 429s, one new token, redaction."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpc_jupyter.auth import SecretSource, SlurmJWT
from hpc_jupyter.backends.slurm.rest_client import SlurmRestClient
from hpc_jupyter.backends.slurm.rest_jobs import SlurmRestJobs
from hpc_jupyter.errors import (
    FacilityAuthError,
    FacilityError,
    RateLimited,
    Unavailable,
    ValidationError,
)
from tests.backends import upstream as upstream_answers
from tests.backends.upstream import Answer, Upstream, fixed

SAMPLES = Path(__file__).parent / "samples"
URL = "http://slurmrestd.test:6820"
PING = "/slurm/v0.0.42/ping/"
PARTITIONS = "/slurm/v0.0.42/partitions/"
SUBMIT = "/slurm/v0.0.42/job/submit"
DB_JOBS = "/slurmdb/v0.0.42/jobs/"


def recorded(name: str, status: int | None = None) -> httpx.Response:
    """A recorded slurmrestd answer (22.05's samples are bodies only: give their status)."""
    return upstream_answers.recorded(SAMPLES / name, status)


def jwt(user: str) -> str:
    """A Slurm-shaped JWT for `user`, valid for an hour."""
    claims = json.dumps({"exp": int(time.time()) + 3600, "sun": user}).encode()
    payload = base64.urlsafe_b64encode(claims).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.c2lnbmVk"


def slurm_token(request: httpx.Request) -> str:
    assert request.headers["X-SLURM-USER-NAME"] == "hpcuser"
    return str(request.headers["X-SLURM-USER-TOKEN"])


@pytest.fixture
def upstream() -> Upstream:
    return Upstream(slurm_token, {PING: fixed(httpx.Response(200, json={}))})


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "jwt"
    path.write_text(f"SLURM_JWT={jwt('hpcuser')}\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def client(upstream: Upstream, token_file: Path) -> SlurmRestClient:
    source = SecretSource.parse("trixie", "token", {"file": str(token_file)})
    token = SlurmJWT("trixie", source)
    return SlurmRestClient("trixie", URL, "hpcuser", token, transport=httpx.MockTransport(upstream))


@pytest.fixture
def jobs(client: SlurmRestClient) -> SlurmRestJobs:
    return SlurmRestJobs("trixie", client, None, home="/home/hpcuser", api_version=42)


def renew_on_refusal(token_file: Path, refusal: httpx.Response) -> Answer:
    """A refusal after which the user's token file holds a new token (`scontrol token`)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        token_file.write_text(jwt("hpcuser") + "x\n")
        return refusal

    return refuse


async def test_a_429_is_now_retried_and_a_submitted_json_body_is_sent_again(
    jobs: SlurmRestJobs, client: SlurmRestClient, upstream: Upstream
) -> None:
    # Given a slurmrestd (or a proxy in front of it) that first asks us to slow down
    slow_down = httpx.Response(429, headers={"Retry-After": "0"})
    upstream.then(PARTITIONS, slow_down, recorded("partitions.json"))
    upstream.then(SUBMIT, slow_down, recorded("submit-good.json"))

    # When partitions are read and a job is submitted, both come after one retry
    partitions = await jobs.partitions("trixie")
    submitted = await client.call("POST", SUBMIT, body={"job": {"script": "#!/bin/sh\n"}})

    assert "debug" in {partition.name for partition in partitions}
    assert submitted["job_id"] == 61
    assert len(upstream.sent_to(PARTITIONS)) == len(upstream.sent_to(SUBMIT)) == 2
    await client.close()


async def test_a_429_that_lasts_is_rate_limited(
    client: SlurmRestClient, upstream: Upstream
) -> None:
    upstream.then(PARTITIONS, httpx.Response(429, text="slow down", headers={"Retry-After": "0"}))

    with pytest.raises(RateLimited) as limited:
        await client.call("GET", PARTITIONS)

    assert limited.value.message == "slurmrestd is rate limiting requests; try again later."
    await client.close()


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(lambda: recorded("auth-expired-jobs.json"), id="24.11-511"),
        pytest.param(lambda: recorded("2205-expired-token-jobs.json", 500), id="22.05-500"),
    ],
)
async def test_a_refused_token_is_read_again_once_then_the_call_succeeds(
    jobs: SlurmRestJobs,
    upstream: Upstream,
    token_file: Path,
    refusal: Callable[[], httpx.Response],
) -> None:
    first = token_file.read_text().removeprefix("SLURM_JWT=").strip()
    upstream.then(PARTITIONS, renew_on_refusal(token_file, refusal()), recorded("partitions.json"))

    partitions = await jobs.partitions("trixie")

    assert partitions
    assert upstream.sent_to(PARTITIONS) == [first, token_file.read_text().strip()]
    await jobs.client.close()


async def test_a_second_refusal_is_the_users_auth_error(
    client: SlurmRestClient, upstream: Upstream, token_file: Path
) -> None:
    upstream.then(PARTITIONS, recorded("2205-expired-token-jobs.json", 500))

    with pytest.raises(FacilityAuthError) as refused:
        await client.call("GET", PARTITIONS)

    assert refused.value.message == (
        "Slurm did not accept the token for user 'hpcuser' on facility 'trixie': it is expired, "
        "signed with another key, or belongs to another user. Check the facility's `token` "
        f"(file {token_file})."
    )
    assert len(upstream.sent_to(PARTITIONS)) == 2
    await client.close()


@pytest.mark.parametrize("refused_token", [False, True])
async def test_a_refused_slurmdb_call_is_told_apart_from_a_slurmdbd_outage(
    client: SlurmRestClient, upstream: Upstream, refused_token: bool
) -> None:
    # Given 24.11's answer on /slurmdb/ to a refused token, which is also its outage answer
    upstream.then(DB_JOBS, recorded("auth-expired-slurmdb.json"))
    probe = recorded("auth-expired-jobs.json") if refused_token else recorded("partitions.json")
    upstream.then(PARTITIONS, probe)

    # When accounting is read: a /slurm/ call with the same token says which it is
    expected: type[FacilityError] = FacilityAuthError if refused_token else Unavailable
    with pytest.raises(expected) as failed:
        await client.call("GET", DB_JOBS)

    if not refused_token:
        assert "accounting database (slurmdbd) of facility 'trixie' is unavailable" in (
            failed.value.message
        )
    assert len(upstream.sent_to(DB_JOBS)) == 2
    await client.close()


async def test_a_token_echoed_upstream_never_reaches_the_error_or_the_log(
    client: SlurmRestClient, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a proxy in front of slurmrestd that echoes the headers it could not read
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        token = request.headers["X-SLURM-USER-TOKEN"]
        return httpx.Response(400, text=f"malformed header X-SLURM-USER-TOKEN: {token}\nmore")

    upstream.then(SUBMIT, echo)

    with pytest.raises(ValidationError) as failed:
        await client.call("POST", SUBMIT, body={"job": {}})

    error: Any = failed.value
    assert error.message == (
        "slurmrestd could not read the request: malformed header X-SLURM-USER-TOKEN: [redacted]."
    )
    token = upstream.sent_to(SUBMIT)[0]
    assert token.startswith("eyJ")
    for text in (error.message, repr(error), caplog.text, repr(client)):
        assert token not in text
    await client.close()


async def test_an_unserved_path_asks_about_the_api_version(
    client: SlurmRestClient, upstream: Upstream
) -> None:
    upstream.then(PARTITIONS, httpx.Response(404, text="Not Found"))

    with pytest.raises(FacilityError) as unserved:
        await client.call("GET", PARTITIONS)

    assert unserved.value.message == (
        "slurmrestd does not serve this path; is `api_version` right for this site?"
    )
    await client.close()


async def test_a_bad_token_is_read_twice_however_many_probes_meet_it(
    upstream: Upstream, tmp_path: Path
) -> None:
    # Given a token command that prints a token slurmrestd refuses everywhere
    reads = tmp_path / "reads"
    command = f"sh -c 'echo >> {reads}; echo not.a.token'"
    source = SecretSource.parse("bad", "token", {"command": command})
    mock = httpx.MockTransport(upstream)
    client = SlurmRestClient("bad", URL, "hpcuser", SlurmJWT("bad", source), transport=mock)
    jobs = SlurmRestJobs("bad", client, None, home="/home/hpcuser", api_version=42)
    upstream.queued[PING] = [fixed(recorded("auth-expired-jobs.json"))]
    upstream.then(PARTITIONS, recorded("auth-expired-jobs.json"))

    # When partitions are asked for: the configured version is probed first, then they are read
    with pytest.raises(FacilityAuthError):
        await jobs.partitions("trixie")

    # Then the probe took its refusal as it came; the call read the token once more, not twice
    assert len(upstream.sent_to(PING)) == 1 and len(upstream.sent_to(PARTITIONS)) == 2
    assert len(reads.read_text().splitlines()) == 2
    await client.close()


async def test_a_token_echoed_in_slurms_own_errors_is_redacted(
    client: SlurmRestClient, upstream: Upstream
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        token = request.headers["X-SLURM-USER-TOKEN"]
        said = {"error_number": 9, "description": f"job rejected for token {token}"}
        return httpx.Response(500, json={"errors": [said]})

    upstream.then(SUBMIT, echo)

    with pytest.raises(FacilityError) as failed:
        await client.call("POST", SUBMIT, body={"job": {}})

    assert failed.value.message == (
        "Slurm refused the request: job rejected for token [redacted] (error 9)."
    )
    await client.close()
