"""Logging in to a real JupyterHub through a real IdP, in chromium, and using FirecREST from Lab.

nanoidp (PyPI) is the IdP, with one-minute access tokens; the Hub runs OAuthenticator's
GenericOAuthenticator against it with `hpc_jupyter.hub.refresh_user_hook`, configured as
docs/operators/jupyterhub.md says; the spawned server (SimpleLocalProcessSpawner: no system
users needed) has a FirecREST facility whose token is `{"hub": {}}`, served by the FirecREST
double checking the IdP's signatures against its JWKS, as FirecREST checks Keycloak's.
Screenshots go to artifacts/browser/hubsso-*.png.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.browser.lab_server import SECOND, open_browser, open_panel, screenshot, wait_for
from tests.firecrest.fake_firecrest import USER
from tests.hub.hub_process import Hub, free_port, start_hub, stop_hub
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

HOOK_MARGIN = 45
"""The hook refreshes once the access token has less than this left (tokens live 60 s)."""

OAUTH_CONFIG = """
from oauthenticator.generic import GenericOAuthenticator
from hpc_jupyter.hub import refresh_user_hook

c.JupyterHub.authenticator_class = GenericOAuthenticator
c.GenericOAuthenticator.client_id = {client_id!r}
c.GenericOAuthenticator.client_secret = {client_secret!r}
c.GenericOAuthenticator.oauth_callback_url = {callback!r}
c.GenericOAuthenticator.authorize_url = {idp!r} + "/authorize"
c.GenericOAuthenticator.token_url = {idp!r} + "/token"
c.GenericOAuthenticator.userdata_url = {idp!r} + "/userinfo"
c.GenericOAuthenticator.basic_auth = True  # nanoidp's clients authenticate with HTTP Basic
c.GenericOAuthenticator.scope = ["openid", "profile"]
c.GenericOAuthenticator.username_claim = "sub"
c.GenericOAuthenticator.auto_login = True
c.GenericOAuthenticator.allow_all = True
c.GenericOAuthenticator.enable_auth_state = True
c.GenericOAuthenticator.refresh_pre_spawn = True
# Below the tokens' 60 s minus the hook's margin, so the hook runs before the margin is used up.
c.GenericOAuthenticator.auth_refresh_age = 3
c.GenericOAuthenticator.refresh_user_hook = refresh_user_hook(margin={margin})
c.Spawner.default_url = "/lab"
"""

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
        (home / "hub-job.ipynb").write_text(json.dumps(_notebook()))
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


def _notebook() -> dict[str, Any]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for src in NOTEBOOK_CELLS
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _exp(token: str) -> float:
    claims = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["exp"])


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"hubsso-{name}")


def _log_in(page: Any, hub: Hub, name: str) -> None:
    """Through the Hub's login (auto_login) to nanoidp's form, and back to the spawned Lab."""
    page.goto(f"{hub.public_url}/hub/login")
    user = page.locator("input[name='username']:visible")
    user.first.wait_for(timeout=60 * SECOND)
    user.first.fill(name)
    password = page.locator("input[name='password']:visible")
    if not password.count():
        page.locator("button[type='submit']:visible").first.click()
        password.first.wait_for(timeout=30 * SECOND)
    password.first.fill(USERS[name])
    page.locator("button[type='submit']:visible").first.click()
    # nanoidp may ask for consent; the Hub then spawns the server and sends the browser to Lab
    deadline = time.monotonic() + 150
    while "/lab" not in page.url or f"/user/{name}/" not in page.url:
        if time.monotonic() > deadline or "500 : Internal Server Error" in page.title():
            raise AssertionError(
                f"not in {name}'s Lab after logging in; at {page.url}:\n"
                + hub.log.read_text()[-3000:]
            )
        allow = page.locator("button:visible", has_text=re.compile("Allow|Approve|Consent", re.I))
        if "127.0.0.1" in page.url and allow.count():
            allow.first.click()
        page.wait_for_timeout(500)
    page.wait_for_selector("#jp-main-dock-panel", timeout=90 * SECOND)


def _poke_until(page: Any, panel: Any, condition: Any, timeout: float, what: str) -> None:
    """Wait for `condition`, listing the files again every few seconds (as a user would click
    Refresh) rather than waiting for the job monitor's next poll."""
    refresh = panel.locator(".hpc-RemoteFiles-refresh")
    last = [time.monotonic()]

    def poked() -> bool:
        if condition():
            return True
        if time.monotonic() - last[0] > 3 and refresh.is_visible():
            last[0] = time.monotonic()
            refresh.click()
        return False

    wait_for(page, poked, timeout, what)


def _auth_state(hub: Hub, name: str) -> dict[str, Any]:
    response = hub.admin("GET", f"/users/{name}")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()["auth_state"]
    return state


def _server_processes(hub: Hub) -> list[psutil.Process]:
    assert hub.process is not None
    return [
        process
        for process in psutil.Process(hub.process.pid).children(recursive=True)
        if "jupyterhub.singleuser" in " ".join(process.cmdline())
        or "ipykernel" in " ".join(process.cmdline())
    ]


def test_hub_login_through_the_idp_gives_lab_a_refreshed_facility_login(world: World) -> None:
    from playwright.sync_api import expect

    hub, idp, firecrest = world.hub, world.idp, world.firecrest
    secrets: set[str] = set()
    with open_browser() as browser:
        page = browser.page
        try:
            # Given alice logs in to the Hub at the IdP's login form
            _log_in(page, hub, "alice")
            state = _auth_state(hub, "alice")
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
            page.goto(f"{hub.public_url}/user/alice/lab/tree/hub-job.ipynb")
            page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
            expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=60 * SECOND)
            with contextlib.suppress(Exception):
                page.locator(".jp-Dialog .jp-mod-accept").click(timeout=10 * SECOND)
            idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            expect(idle.first).to_be_attached(timeout=90 * SECOND)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            outputs = page.locator(".jp-OutputArea-output")
            expect(outputs.filter(has_text="hub-sso-job").first).to_be_visible(timeout=90 * SECOND)
            wait_for(
                page,
                lambda: any(job.name == "hub-sso-job" for job in firecrest.fake.jobs.values()),
                30,
                "the job reached FirecREST",
            )
            notebook_output = outputs.all_inner_texts()
            _shot(page, "2-job-submitted")

            # When the first access token nears its expiry, the facility works with another
            # one, which the Hub's refresh_user_hook got from the IdP ahead of that expiry (the
            # server reads the Hub again once under 30 s are left; the hook refreshes under 45)
            panel = open_panel(page)
            expire = _exp(first)

            def renewed(before: float, after: float = 0.0) -> bool:
                return any(
                    after < when < before and token != first
                    for when, token in firecrest.fake.accepted
                )

            wait_for(page, lambda: time.time() > expire - 25, 90, "the first token is due")
            _poke_until(page, panel, lambda: renewed(expire), 60, "a new token before expiry")

            # And after the first token expired, the new ones are in use and FirecREST takes them
            wait_for(page, lambda: time.time() > expire + 1, 60, "the first token expired")
            _poke_until(page, panel, lambda: renewed(1e12, expire), 60, "a new token after")
            later = [token for when, token in firecrest.fake.accepted if when > expire]
            assert later and first not in later
            secrets.update(token for _, token in firecrest.fake.accepted)
            secrets.update(str(v) for v in _auth_state(hub, "alice").values() if isinstance(v, str))

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
            now = _auth_state(hub, "alice")
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
            _poke_until(
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
        assert secrets
        leaked = [body[:200] for body in browser.bodies for s in secrets if s in body]
        assert not leaked, leaked
    log = hub.log.read_text()
    assert not [s[:12] for s in secrets if s in log], "a token in the Hub's or server's log"
    assert not [s[:12] for s in secrets if any(s in out for out in notebook_output)]
    for process in _server_processes(hub):
        with contextlib.suppress(psutil.NoSuchProcess):
            environ = process.environ()
            values = "\n".join(environ.values())
            assert not [s[:12] for s in secrets if s in values], process.cmdline()
            if "ipykernel" in " ".join(process.cmdline()):
                assert "JUPYTERHUB_API_TOKEN" not in environ


def hub_get(hub: Hub, path: str, token: str) -> Any:
    return httpx.get(hub.api_url + path, headers={"Authorization": f"token {token}"}, timeout=30)
