"""A `firecrest` facility whose secret source is missing: said at start, then in auth status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.firecrest.fake_firecrest import CLIENT_ID, FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]


@pytest.fixture
def hpc_facilities(fake: FakeFirecrest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv("F7T_UNSET_SECRET", raising=False)
    return {
        "alps": {
            "kind": "firecrest",
            "url": fake.url,
            "token_url": fake.url + "/auth/token",
            "client_id": CLIENT_ID,
            "client_secret": {"env": "F7T_UNSET_SECRET"},
        }
    }


async def test_unset_secret_variable_is_named_at_start_and_on_use(
    api: API, fake: FakeFirecrest, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server started with a facility whose secret variable is not set
    started = "\n".join(record.getMessage() for record in caplog.get_records("setup"))

    # When the facility is described and used
    described = await api("facilities", "alps")
    used = await expect_error(api("facilities", "alps", "jobs"), 401)

    # Then the start-up log and both errors name the variable, and nothing was sent
    assert "'alps', key 'client_secret'" in started
    assert "environment variable F7T_UNSET_SECRET is not set" in started
    assert described["auth"]["status"] == "expired"
    assert "F7T_UNSET_SECRET is not set" in described["auth"]["message"]
    assert used["reason"] == "facility_auth"
    assert "F7T_UNSET_SECRET is not set" in used["message"]
    assert fake.requests == []
