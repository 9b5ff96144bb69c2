"""A `firecrest` facility whose client secret is wrong: a clear 401, never the secret."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import expect_error
from double_fixtures import fake, hpc_facilities, s3, s3_server  # noqa: F401
from fake_firecrest import FakeFirecrest

API = Callable[..., Awaitable[Any]]
WRONG = "wrong-secret-0123456789"


@pytest.fixture
def client_secret() -> str:
    return WRONG


async def test_bad_secret_asks_to_check_client_credentials(
    api: API, fake: FakeFirecrest, caplog: pytest.LogCaptureFixture
) -> None:
    # When the facility is used with a client secret the token service refuses
    body = await expect_error(api("facilities", "alps"), 401)

    # Then the user is told to check the client credentials, and the secret is nowhere
    assert body["reason"] == "facility_auth"
    assert "check your client credentials" in body["message"]
    assert fake.token_requests[0]["client_secret"] == WRONG
    assert WRONG not in json.dumps(body)
    assert WRONG not in caplog.text
