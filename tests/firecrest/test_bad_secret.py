"""A `firecrest` facility whose client secret is wrong: a clear 401, never the secret."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
WRONG = "wrong-secret-0123456789"


@pytest.fixture
def client_secret() -> str:
    return WRONG


async def test_bad_secret_asks_to_check_client_credentials(
    api: API, fake: FakeFirecrest, caplog: pytest.LogCaptureFixture
) -> None:
    # When the facility is described, alone and in the list, then used
    facility = await api("facilities", "alps")
    listing = await api("facilities")
    body = await expect_error(api("facilities", "alps", "files"), 401)

    # Then it is still described, saying what is wrong; using it is a 401 that says the same
    assert facility["auth"]["status"] == "expired"
    assert "check your client credentials" in facility["auth"]["message"]
    assert facility["systems"] == [] and facility["default_system"] is None
    assert [f["name"] for f in listing["facilities"]] == ["alps"]
    assert body["reason"] == "facility_auth"
    assert "check your client credentials" in body["message"]
    assert fake.token_requests[0]["client_secret"] == WRONG
    for text in (json.dumps(facility), json.dumps(listing), json.dumps(body), caplog.text):
        assert WRONG not in text
