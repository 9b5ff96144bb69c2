"""Logging in to a real JupyterHub through a real IdP, in chromium, and using FirecREST from Lab.

nanoidp (PyPI) is the IdP, with one-minute access tokens; the Hub runs OAuthenticator's
GenericOAuthenticator against it with `hpc_jupyter.hub.refresh_user_hook`, configured as
docs/operators/jupyterhub.md says; the spawned server (SimpleLocalProcessSpawner: no system
users needed) has a FirecREST facility whose token is `{"hub": {}}`, served by the FirecREST
double checking the IdP's signatures against its JWKS, as FirecREST checks Keycloak's.
Screenshots go to artifacts/browser/hubsso-*.png.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.browser.lab_server import SECOND, open_browser, open_panel, screenshot, wait_for
from tests.firecrest.fake_firecrest import USER
from tests.hub.hub_process import Hub, free_port, start_hub, stop_hub
from tests.hub.sso import (
    HOOK_MARGIN,
    OAUTH_CONFIG,
    assert_no_secret,
    auth_state,
    expiry,
    hub_get,
    log_in,
    notebook,
    poke_until,
    run_notebook,
)
from tests.idp.nanoidp import (
    AUDIENCE,
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    USERS,
    NanoIdp,
    start_nanoidp,
    stop_nanoidp,
)

pytestmark = pytest.mark.browser

NOTEBOOK_CELLS = [
    "%load_ext hpc_jupyter",
    "%%hpc_submit --name hub-sso-job\n#!/bin/bash\necho hello from the hub",
    "%hpc_jobs",
]


@dataclass
class World:
    idp: NanoIdp
    hub: Hub
    firecrest: ThreadedFirecrest


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """nanoidp, the FirecREST double on its keys, and a Hub logging in through nanoidp."""
    root = tmp_path_factory.mktemp("hubsso")
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    callback = f"{public}/hub/oauth_callback"
    idp = start_nanoidp(root / "idp", redirect_uris=(callback,))
    firecrest = ThreadedFirecrest(root / "remote")
    try:

        def on_idp_keys() -> None:
            firecrest.fake.jwks_url = idp.jwks_url
            firecrest.fake.jwt_audience = AUDIENCE

        firecrest.call(on_idp_keys)
        extra = OAUTH_CONFIG.format(
            client_id=CONFIDENTIAL_CLIENT_ID,
            client_secret=CONFIDENTIAL_CLIENT_SECRET,
            callback=callback,
            idp=idp.issuer,
            margin=HOOK_MARGIN,
        )
        single_user = {
            "ServerApp": {"jpserver_extensions": {"hpc_jupyter": True}, "allow_root": True},
            "HPCJupyterApp": {
                "facilities": {
                    "alps": {
                        "kind": "firecrest",
                        "url": firecrest.fake.url,
                        "token": {"hub": {}},
                        "timeout": 10,
                    }
                }
            },
        }
        hub_root = root / "hub"
        home = hub_root / "home" / "alice"
        home.mkdir(parents=True)
        (home / "hub-job.ipynb").write_text(json.dumps(notebook(NOTEBOOK_CELLS)))
        hub = start_hub(hub_root, extra, single_user, proxy_port)
        try:
            yield World(idp, hub, firecrest)
        finally:
            for name in USERS:
                with contextlib.suppress(Exception):
                    hub.stop(name)
            stop_hub(hub)
    finally:
        firecrest.close()
        stop_nanoidp(idp)


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"hubsso-{name}")


def test_hub_login_through_the_idp_gives_lab_a_refreshed_facility_login(world: World) -> None:
    from playwright.sync_api import expect

    hub, idp, firecrest = world.hub, world.idp, world.firecrest
    secrets: set[str] = set()
    with open_browser() as browser:
        page = browser.page
        try:
            # Given alice logs in to the Hub at the IdP's login form
            log_in(page, hub, "alice")
            state = auth_state(hub, "alice")
            first = state["access_token"]
            secrets.update(str(state[key]) for key in ("access_token", "refresh_token", "id_token"))

            # Then her Lab shows the facility logged in and lists its files, through FirecREST
            # checking the IdP's signature on the token the Hub holds
            panel = open_panel(page)
            auth = panel.locator(".hpc-Panel-auth")
            expect(auth).to_have_attribute("data-status", "ok", timeout=60 * SECOND)
            expect(panel.locator(".hpc-Panel-authText")).to_have_text("Logged in.")
            files = panel.locator(".hpc-RemoteFiles")
            expect(files.locator(f".hpc-RemoteFiles-item[data-name='{USER}']")).to_be_visible(
                timeout=60 * SECOND
            )
            _shot(page, "1-logged-in")

            # And the magics submit a job there from a notebook
            notebook_output = run_notebook(page, hub, "alice", "hub-job.ipynb", "hub-sso-job")
            wait_for(
                page,
                lambda: any(job.name == "hub-sso-job" for job in firecrest.fake.jobs.values()),
                30,
                "the job reached FirecREST",
            )
            _shot(page, "2-job-submitted")

            # When the first access token nears its expiry, the facility works with another
            # one, which the Hub's refresh_user_hook got from the IdP ahead of that expiry (the
            # server reads the Hub again once under 30 s are left; the hook refreshes under 45)
            panel = open_panel(page)
            expire = expiry(first)

            def renewed(before: float, after: float = 0.0) -> bool:
                return any(
                    after < when < before and token != first
                    for when, token in firecrest.fake.accepted
                )

            wait_for(page, lambda: time.time() > expire - 25, 90, "the first token is due")
            poke_until(page, panel, lambda: renewed(expire), 60, "a new token before expiry")

            # And after the first token expired, the new ones are in use and FirecREST takes them
            wait_for(page, lambda: time.time() > expire + 1, 60, "the first token expired")
            poke_until(page, panel, lambda: renewed(1e12, expire), 60, "a new token after")
            later = [token for when, token in firecrest.fake.accepted if when > expire]
            assert later and first not in later
            secrets.update(token for _, token in firecrest.fake.accepted)
            secrets.update(str(v) for v in auth_state(hub, "alice").values() if isinstance(v, str))

            # And a token of bob with the scopes his server's token gets (server_token_scopes,
            # admin:auth_state!user included) cannot read alice's login, only his own
            bob = hub.admin("POST", "/users/bob")
            assert bob.status_code in (201, 409), bob.text
            bob_token, _ = hub.server_token("bob")
            other = hub_get(hub, "/users/alice", bob_token)
            own = hub_get(hub, "/users/bob", bob_token)
            # (JupyterHub answers 404, not 403, so as not to say whether alice exists)
            assert other.status_code == 404, other.text
            assert not [s for s in secrets if s in other.text]
            assert own.status_code == 200 and "auth_state" in own.json(), own.text

            # When the IdP revokes alice's grant (access and refresh token)
            now = auth_state(hub, "alice")
            secrets.update(str(now[key]) for key in ("access_token", "refresh_token"))
            for key in ("refresh_token", "access_token"):
                revoked = httpx.post(
                    idp.issuer + "/revoke",
                    data={"token": now[key]},
                    auth=(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
                    timeout=30,
                )
                assert revoked.status_code == 200, revoked.text

            # Then the panel says to log in to JupyterHub again, once the token it holds is due
            text = panel.locator(".hpc-Panel-authText")
            poke_until(
                page,
                panel,
                lambda: "Log in to JupyterHub again" in text.inner_text(),
                120,
                "the panel says to log in to JupyterHub again",
            )
            expect(auth).not_to_have_attribute("data-status", "ok")
            _shot(page, "3-log-in-again")
        except BaseException:
            _shot(page, "failure")
            raise

        # And no token is in any response, server log line, kernel environment or output
        assert_no_secret(secrets, hub, browser.bodies, notebook_output)
