"""The hub token source under a Hub with `internal_ssl`: it reads the Hub's API over mutual TLS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.hub.hub_process import SINGLE_USER_CONFIG, Hub, mint, start_hub, stop_hub

TLS_CONFIG = """
import os
c.JupyterHub.internal_ssl = True
# absolute: the spawned servers run in their home directories, not in the Hub's
c.JupyterHub.internal_certs_location = os.path.abspath("internal-ssl")
# the proxy's API is TLS too
c.ConfigurableHTTPProxy.api_url = c.ConfigurableHTTPProxy.api_url.replace("http:", "https:")
"""


@dataclass
class TLSWorld:
    hub: Hub
    firecrest: ThreadedFirecrest


@pytest.fixture(scope="module")
def tls_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSWorld]:
    """A real JupyterHub whose internal connections (API, proxy, servers) are all TLS, and
    spawned servers with a FirecREST facility (the double) whose token is `{"hub": {}}`."""
    root = Path(tmp_path_factory.mktemp("jupyterhub-tls"))
    firecrest = ThreadedFirecrest(root / "remote")
    try:
        facility = {"kind": "firecrest", "url": firecrest.fake.url, "token": {"hub": {}}}
        single_user = {**SINGLE_USER_CONFIG, "HPCJupyterApp": {"facilities": {"alps": facility}}}
        (root / "hub").mkdir()
        hub = start_hub(root / "hub", TLS_CONFIG, single_user, api_through_proxy=True)
        try:
            yield TLSWorld(hub, firecrest)
        finally:
            stop_hub(hub)
    finally:
        firecrest.close()


def test_a_server_of_a_tls_hub_reads_the_token_with_the_hubs_certificates(
    tls_world: TLSWorld,
) -> None:
    hub, firecrest = tls_world.hub, tls_world.firecrest
    # Given a user with a login (a token FirecREST accepts) whose server the TLS Hub spawned:
    # its API URL is https, and the Hub's API wants the server's certificate
    name = "tlsuser"
    access = mint(name, lifetime=600)
    firecrest.call(lambda: firecrest.fake.tokens.__setitem__(access, time.time() + 600))
    hub.add_user(name, {"access_token": access})
    hub.spawn(name)
    try:
        user_token, _ = hub.server_token(name, ["access:servers!user"])
        headers = {"Authorization": f"token {user_token}"}

        # When the user asks for the facility that takes its token from the Hub
        url = f"{hub.public_url}/user/{name}/hpc/api/facilities/alps"
        answer = httpx.get(url, headers=headers, timeout=60)

        # Then the server read the token over the Hub's TLS: the facility is logged in with it
        assert answer.status_code == 200, answer.text
        assert answer.json()["auth"] == {"status": "ok", "message": None}, answer.text
        assert f"Bearer {access}" in [header for _, _, header in firecrest.fake.requests]
        assert access not in answer.text
    finally:
        hub.stop(name)
