"""A FirecREST facility whose token comes from a real JupyterHub, through the real server."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from hpc_jupyter.auth.static import jwt_expiry
from tests.firecrest.double_fixtures import FACILITY
from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.hub.hub_process import Hub, mint

ACCESS: dict[str, str] = {}
"""The tokens of the running test: the user's access token and the server's Hub token."""


@pytest.fixture
def hpc_facilities(
    fake: FakeFirecrest, jupyterhub: Hub, user_name: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # The Hub holds the user's IdP token, which the FirecREST double accepts (as FirecREST
    # accepts the Keycloak tokens CSCS's Hub holds); the server runs as a Hub-spawned one.
    access = mint(user_name, lifetime=600)
    fake.tokens[access] = jwt_expiry(access) or 0
    jupyterhub.add_user(user_name, {"access_token": access, "refresh_token": "r-secret"})
    server_token, _ = jupyterhub.server_token(user_name)
    ACCESS.update(access=access, hub=server_token)
    monkeypatch.setenv("JUPYTERHUB_API_URL", jupyterhub.api_url)
    monkeypatch.setenv("JUPYTERHUB_USER", user_name)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", server_token)
    return {FACILITY: {"kind": "firecrest", "url": fake.url, "token": {"hub": {}}, "timeout": 10}}


async def test_a_facility_works_with_the_token_jupyterhub_holds(
    hpc_server: Any, jp_fetch: Any, fake: FakeFirecrest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given a server spawned by JupyterHub with a FirecREST facility configured `{"hub": {}}`
    # When the client lists the facilities and the facility's systems
    listed = await jp_fetch("hpc", "api", "facilities")
    described = await jp_fetch("hpc", "api", "facilities", FACILITY)

    # Then the facility is logged in, FirecREST got the Hub's token, and no token is shown
    facility = json.loads(described.body)
    assert facility["auth"] == {"status": "ok", "message": None}
    assert facility["systems"][0]["name"] == "localcluster"
    assert ("GET", "/status/systems", f"Bearer {ACCESS['access']}") in [
        (method, path, header) for method, path, header in fake.requests
    ]
    assert not fake.token_requests  # no client credentials anywhere
    for body in (listed.body.decode(), described.body.decode(), caplog.text):
        assert ACCESS["access"] not in body and ACCESS["hub"] not in body
