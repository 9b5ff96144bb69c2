"""What the Hub login tests share: the OAuthenticator config, logging in through nanoidp in
chromium, running a notebook in a spawned Lab, and reading the Hub's records."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import psutil

from tests.browser.lab_server import SECOND, wait_for
from tests.hub.hub_process import Hub
from tests.idp.nanoidp import USERS

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
"""Appended to tests/hub/hub_process.py's Hub config: format it with the IdP's URL, the
confidential client, the callback URL and the hook's margin."""


def notebook(cells: list[str]) -> dict[str, Any]:
    """An nbformat 4 notebook of code `cells`, not run."""
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for src in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT (its signature not checked)."""
    part = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def expiry(token: str) -> float:
    """A JWT's `exp`."""
    return float(claims(token)["exp"])


def log_in(page: Any, hub: Hub, idp_user: str, hub_user: str | None = None) -> None:
    """Through the Hub's login (auto_login) to nanoidp's form as `idp_user`, and back to the
    spawned Lab of `hub_user` (the Hub's name for that user: `idp_user` unless mapped)."""
    hub_user = hub_user or idp_user
    page.goto(f"{hub.public_url}/hub/login")
    user = page.locator("input[name='username']:visible")
    user.first.wait_for(timeout=60 * SECOND)
    user.first.fill(idp_user)
    password = page.locator("input[name='password']:visible")
    if not password.count():
        page.locator("button[type='submit']:visible").first.click()
        password.first.wait_for(timeout=30 * SECOND)
    password.first.fill(USERS[idp_user])
    page.locator("button[type='submit']:visible").first.click()
    # nanoidp may ask for consent; the Hub then spawns the server and sends the browser to Lab
    deadline = time.monotonic() + 150
    while "/lab" not in page.url or f"/user/{hub_user}/" not in page.url:
        if time.monotonic() > deadline or "500 : Internal Server Error" in page.title():
            raise AssertionError(
                f"not in {hub_user}'s Lab after logging in; at {page.url}:\n"
                + hub.log.read_text()[-3000:]
            )
        allow = page.locator("button:visible", has_text=re.compile("Allow|Approve|Consent", re.I))
        if "127.0.0.1" in page.url and allow.count():
            allow.first.click()
        page.wait_for_timeout(500)
    page.wait_for_selector("#jp-main-dock-panel", timeout=90 * SECOND)


def run_notebook(page: Any, hub: Hub, hub_user: str, path: str, wanted: str) -> list[str]:
    """Open `path` in `hub_user`'s Lab, run all its cells, wait for an output holding
    `wanted`: the texts of all outputs."""
    from playwright.sync_api import expect

    page.goto(f"{hub.public_url}/user/{hub_user}/lab/tree/{path}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=60 * SECOND)
    with contextlib.suppress(Exception):  # the kernel picker, when Lab asks
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=10 * SECOND)
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    expect(idle.first).to_be_attached(timeout=90 * SECOND)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    outputs = page.locator(".jp-OutputArea-output")
    expect(outputs.filter(has_text=wanted).first).to_be_visible(timeout=90 * SECOND)
    texts: list[str] = outputs.all_inner_texts()
    return texts


def poke_until(
    page: Any, panel: Any, condition: Callable[[], bool], timeout: float, what: str
) -> None:
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


def auth_state(hub: Hub, name: str) -> dict[str, Any]:
    """`name`'s auth_state, as the Hub's admin reads it."""
    response = hub.admin("GET", f"/users/{name}")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()["auth_state"]
    return state


def server_processes(hub: Hub) -> list[psutil.Process]:
    """The Hub's single-user servers and their kernels."""
    assert hub.process is not None
    return [
        process
        for process in psutil.Process(hub.process.pid).children(recursive=True)
        if "jupyterhub.singleuser" in " ".join(process.cmdline())
        or "ipykernel" in " ".join(process.cmdline())
    ]


def hub_get(hub: Hub, path: str, token: str) -> httpx.Response:
    """A Hub API GET with `token`."""
    return httpx.get(hub.api_url + path, headers={"Authorization": f"token {token}"}, timeout=30)


def assert_no_secret(secrets: set[str], hub: Hub, bodies: list[str], outputs: list[str]) -> None:
    """No token of `secrets` in a response the browser got, the Hub's log (which holds the
    servers' output), a notebook output, or a server's or kernel's environment."""
    assert secrets
    leaked = [body[:200] for body in bodies for s in secrets if s in body]
    assert not leaked, leaked
    log = hub.log.read_text()
    assert not [s[:12] for s in secrets if s in log], "a token in the Hub's or server's log"
    assert not [s[:12] for s in secrets if any(s in out for out in outputs)]
    processes = server_processes(hub)
    assert processes
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            environ = process.environ()
            values = "\n".join(environ.values())
            assert not [s[:12] for s in secrets if s in values], process.cmdline()
            if "ipykernel" in " ".join(process.cmdline()):
                assert "JUPYTERHUB_API_TOKEN" not in environ
