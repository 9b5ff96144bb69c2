"""`hpc_jupyter.hub.refresh_user_hook` with a real GenericOAuthenticator and a token endpoint."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from oauthenticator.generic import GenericOAuthenticator
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from hpc_jupyter.auth.static import jwt_expiry
from hpc_jupyter.hub import refresh_user_hook
from tests.hub.hub_process import mint


class IdP:
    """A token endpoint (refresh grant) and a userinfo endpoint that checks the bearer token."""

    def __init__(self) -> None:
        self.valid: set[str] = set()
        self.refreshes: list[str] = []

    def app(self) -> web.Application:
        idp = self

        class Token(web.RequestHandler):
            def post(self) -> None:
                form = {k: v[0] for k, v in parse_qs(self.request.body.decode()).items()}
                idp.refreshes.append(form.get("refresh_token", ""))
                if form.get("grant_type") != "refresh_token" or form["refresh_token"] == "gone":
                    self.set_status(400)
                    self.finish({"error": "invalid_grant", "error_description": "expired"})
                    return
                access = mint("alice", lifetime=300)
                idp.valid.add(access)
                self.finish({"access_token": access, "expires_in": 300, "token_type": "Bearer"})

        class UserInfo(web.RequestHandler):
            def get(self) -> None:
                header = self.request.headers.get("Authorization", "")
                if header.removeprefix("Bearer ") not in idp.valid:
                    self.set_status(401)
                    self.finish({"error": "invalid_token"})
                    return
                self.finish(json.dumps({"sub": "alice", "preferred_username": "alice"}))

        return web.Application([("/token", Token), ("/userinfo", UserInfo)])


async def run_hook(auth_state: dict[str, Any], margin: float = 90) -> tuple[Any, IdP]:
    idp = IdP()
    sock, port = bind_unused_port()
    server = HTTPServer(idp.app())
    server.add_sockets([sock])
    try:
        authenticator = GenericOAuthenticator(
            client_id="hub",
            client_secret="hub-secret",
            token_url=f"http://127.0.0.1:{port}/token",
            userdata_url=f"http://127.0.0.1:{port}/userinfo",
            authorize_url=f"http://127.0.0.1:{port}/authorize",
            username_claim="preferred_username",
            enable_auth_state=True,
            allow_all=True,
        )
        hook = refresh_user_hook(margin=margin)
        result = await hook(authenticator, SimpleNamespace(name="alice"), auth_state)
    finally:
        server.stop()
    return result, idp


def test_a_token_with_time_left_is_left_to_oauthenticator() -> None:
    # Given a token with five minutes left
    state = {"access_token": mint("alice", lifetime=300), "refresh_token": "r1"}

    # When the Hub refreshes the user
    result, idp = asyncio.run(run_hook(state))

    # Then the hook lets OAuthenticator decide, and nobody refreshed
    assert result is None
    assert idp.refreshes == []


def test_a_token_within_the_margin_is_refreshed_ahead_of_expiry() -> None:
    # Given a token that is still valid but has only 60 s left, under a 90 s margin
    old = mint("alice", lifetime=60)
    state = {"access_token": old, "refresh_token": "r1"}

    # When the Hub refreshes the user
    result, idp = asyncio.run(run_hook(state))

    # Then the refresh token was used, and the new auth model has a new, longer-lived token
    # and keeps the refresh token the endpoint did not renew
    assert idp.refreshes == ["r1"]
    assert isinstance(result, dict)
    new_state = result["auth_state"]
    assert new_state["access_token"] != old
    assert (jwt_expiry(new_state["access_token"]) or 0) > time.time() + 250
    assert new_state["refresh_token"] == "r1"
    assert result["name"] == "alice"


def test_a_refused_refresh_asks_for_a_new_login() -> None:
    # Given a token near expiry whose refresh token the IdP no longer accepts
    state = {"access_token": mint("alice", lifetime=10), "refresh_token": "gone"}

    # When the Hub refreshes the user
    result, _ = asyncio.run(run_hook(state))

    # Then the user must log in again
    assert result is False


def test_without_a_refresh_token_or_an_expiry_it_leaves_it_to_oauthenticator() -> None:
    # Given a near-expiry token without refresh token, and an opaque token
    no_refresh = {"access_token": mint("alice", lifetime=10)}
    opaque = {"access_token": "opaque", "refresh_token": "r1"}

    # Then the hook does nothing for either
    assert asyncio.run(run_hook(no_refresh))[0] is None
    assert asyncio.run(run_hook(opaque))[0] is None
