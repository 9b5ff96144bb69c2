"""Tokens, rate limits and upstream failures of a `firecrest` facility, and no leaked secret."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.backends.base import ConfigError
from hpc_jupyter.backends.firecrest.settings import FirecrestSettings
from hpc_jupyter.backends.http import retry_after_seconds
from hpc_jupyter.errors import FacilityAuthError
from tests.firecrest.double_fixtures import ON_BOTH
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"
LS = "/filesystem/localcluster/ops/ls"
LS_V1 = "/utilities/ls"


@pytest.fixture
def client_secret() -> str:
    return CLIENT_SECRET


def calls(fake: FakeFirecrest, path: str) -> int:
    return sum(1 for _, p, _ in fake.requests if p == path)


async def test_token_expiring_mid_sequence_is_renewed_once(api: API, fake: FakeFirecrest) -> None:
    # Given a first call made with a token
    await api(*FILES, params={"path": HOME})

    # When every token expires and several calls run at once
    fake.expire_tokens()
    results = await asyncio.gather(*(api(*FILES, params={"path": HOME}) for _ in range(5)))

    # Then all succeed, with one new token for all of them
    assert all(result["path"] == HOME for result in results)
    assert len(fake.token_requests) == 2


@ON_BOTH
async def test_rate_limit_waits_retry_after_then_succeeds(api: API, double: FakeFirecrest) -> None:
    # Given FirecREST answering one listing with 429 and Retry-After: 1
    ls = LS_V1 if isinstance(double, FakeFirecrestV1) else LS
    await api(*FILES, params={"path": HOME})
    double.fail("GET", ls, 429, {"message": "slow down"}, headers={"Retry-After": "1"})
    before = calls(double, ls)

    # When the client lists
    started = time.monotonic()
    listing = await api(*FILES, params={"path": HOME})

    # Then the listing came after waiting what FirecREST asked
    assert listing["path"] == HOME
    assert time.monotonic() - started >= 1.0
    assert calls(double, ls) == before + 2


async def test_rate_limit_is_bounded(api: API, fake: FakeFirecrest) -> None:
    # Given FirecREST answering every listing with 429, asking for an hour
    fake.fail("GET", LS, 429, {"message": "slow down"}, headers={"Retry-After": "3600"}, times=9)

    # When the client lists
    started = time.monotonic()
    body = await expect_error(api(*FILES, params={"path": HOME}), 429)

    # Then it gives up after a few capped waits (3 retries of at most 2 s), saying why
    assert body["reason"] == "rate_limited"
    assert time.monotonic() - started < 10
    assert calls(fake, LS) == 4


async def test_server_errors_are_bad_gateway(api: API, fake: FakeFirecrest) -> None:
    # Given FirecREST failing with 503, then with 500
    fake.fail("GET", LS, 503, {"message": "scheduler down"})
    unavailable = await expect_error(api(*FILES, params={"path": HOME}), 502)
    fake.fail("GET", LS, 500, {"message": "Unexpected"})
    failed = await expect_error(api(*FILES, params={"path": HOME}), 502)

    # Then both are 502 with the upstream reason
    assert unavailable["reason"] == "unavailable"
    assert "scheduler down" in unavailable["message"]
    assert failed["reason"] == "facility_error"


async def test_connection_dropped_after_a_500_is_reopened(api: API, fake: FakeFirecrest) -> None:
    # Given FirecREST closing the keep-alive connection after an unhandled 500
    await api(*FILES, params={"path": HOME})
    fake.fail("GET", LS, 500, {"message": "Unexpected"}, drop_connection=True)
    await expect_error(api(*FILES, params={"path": HOME}), 502)
    before = calls(fake, LS)

    # When the next listing meets the dead connection
    listing = await api(*FILES, params={"path": HOME})

    # Then it is sent again on a new connection and succeeds
    assert listing["path"] == HOME
    assert calls(fake, LS) == before + 2


async def test_no_secret_or_token_in_responses_or_logs(
    api: API, fake: FakeFirecrest, hpc_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given verbose logging while the facility works and fails
    caplog.set_level(logging.DEBUG)
    bodies = [json.dumps(await api("facilities"))]
    bodies.append(json.dumps(await api(*FILES, params={"path": HOME})))
    fake.expire_tokens()
    bodies.append(json.dumps(await api(*FILES, params={"path": HOME})))
    bodies.append(json.dumps(await expect_error(api(*FILES, params={"path": "/etc"}), 400)))
    facility = hpc_app.registry.get("alps")

    # When everything shown is gathered: responses, log lines, reprs
    shown = "\n".join(
        [*bodies, caplog.text, repr(facility), repr(facility.settings), repr(facility.connection)]
    )
    shown += repr(facility.connection.provider) + str(facility.settings.client_secret)

    # Then neither the client secret nor any token appears
    assert fake.tokens
    assert CLIENT_SECRET not in shown
    for token in fake.tokens:
        assert token not in shown


def test_retry_after_reads_seconds_and_dates_with_a_cap() -> None:
    assert retry_after_seconds("1", 5, 30) == 1
    assert retry_after_seconds("3600", 5, 30) == 30
    assert retry_after_seconds(None, 5, 30) == 5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 5, 30) == 0
    assert retry_after_seconds("soon", 5, 30) == 5


def _settings(secret: Any) -> FirecrestSettings:
    options = {
        "url": "https://f7t.example/v2",
        "token_url": "https://auth.example/token",
        "client_id": "c",
        "client_secret": secret,
    }
    return FirecrestSettings.parse("f", options)


async def test_secret_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a secret in the environment, a private file and a readable file
    monkeypatch.setenv("F7T_TEST_SECRET", "from-env")
    private = tmp_path / "private"
    private.write_text("from-file\n")
    private.chmod(0o600)
    shared = tmp_path / "shared"
    shared.write_text("x")
    shared.chmod(0o644)

    # When each source is configured and read
    from_env = _settings({"env": "F7T_TEST_SECRET"}).client_secret
    from_file = _settings({"file": str(private)}).client_secret
    unset = _settings({"env": "F7T_NOT_THERE"}).client_secret

    # Then private ones give the secret, redacted when shown; the rest are refused clearly
    assert await from_env.read() == "from-env"
    assert await from_file.read() == "from-file"
    assert "from-file" not in repr(from_file)
    assert "from-value" not in repr(_settings({"value": "from-value"}))
    with pytest.raises(ConfigError, match="chmod 600"):
        _settings({"file": str(shared)})
    with pytest.raises(FacilityAuthError, match="F7T_NOT_THERE is not set"):
        await unset.read()
    with pytest.raises(ConfigError, match="unknown source 'command'"):
        _settings({"command": "echo hi"})
    with pytest.raises(ConfigError, match="must be one of"):
        _settings("plain-text")


def test_api_version_is_2_or_1() -> None:
    options = {
        "url": "https://f7t.example/v1",
        "token_url": "https://auth.example/token",
        "client_id": "c",
        "client_secret": {"value": "x"},
    }
    assert FirecrestSettings.parse("f", options).api_version == 2
    assert FirecrestSettings.parse("f", {**options, "api_version": "1"}).api_version == 1
    for wrong in (3, "v2", True):
        with pytest.raises(ConfigError, match=r"must be 2 \(FirecREST v2\) or 1"):
            FirecrestSettings.parse("f", {**options, "api_version": wrong})
