"""A `firecrest` facility through the real server: its systems, health and token handling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.firecrest.fake_firecrest import FakeFirecrest

API = Callable[..., Awaitable[Any]]
ALPS = ("facilities", "alps")


async def test_facility_lists_systems_with_health_and_work_directory(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a facility configured on the FirecREST double
    # When the client describes it
    facility = await api(*ALPS)

    # Then its systems, capabilities and auth come from the API
    assert facility["kind"] == "firecrest"
    assert facility["default_system"] == "localcluster"
    assert facility["systems"] == [
        {"name": "localcluster", "status": "available", "default": True, "home": "/home"}
    ]
    assert "files.write" in facility["capabilities"]
    assert "jobs.submit" in facility["capabilities"]
    assert facility["auth"] == {"status": "ok", "message": None}
