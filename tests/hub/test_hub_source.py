"""The JupyterHub token source against a real Hub: read, refreshed, refused, kept to its user."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import httpx
import pytest

from hpc_jupyter.auth.hub import HubSettings, HubToken, hub_tls
from hpc_jupyter.auth.static import jwt_expiry
from hpc_jupyter.errors import FacilityAuthError
from hpc_jupyter.models import AuthStatus
from tests.hub.hub_process import LIFETIME, Hub, mint

DEFAULT = HubSettings()


def source_for(
    hub: Hub, user: str, token: str, settings: HubSettings = DEFAULT, **kwargs: object
) -> HubToken:
    """The source as a server spawned for `user` makes it: the Hub's URL, the user, its token."""
    environ = {
        "JUPYTERHUB_API_URL": hub.api_url,
        "JUPYTERHUB_USER": user,
        "JUPYTERHUB_API_TOKEN": token,
    }
    return HubToken("alps", settings, environ=environ, **kwargs)  # type: ignore[arg-type]


def test_the_source_reads_the_users_access_token(jupyterhub: Hub, user_name: str) -> None:
    # Given a Hub holding an access token in the user's auth_state, and the server's Hub token
    access = mint(user_name, lifetime=600)  # far from the refresh the Hub makes near expiry
    jupyterhub.add_user(user_name, {"access_token": access, "refresh_token": "r-secret"})
    server_token, _ = jupyterhub.server_token(user_name)
    source = source_for(jupyterhub, user_name, server_token)

    # When the facility asks for a token
    token = asyncio.run(source.token())

    # Then it is the Hub's access token, with the JWT's expiry, and the state is ok
    assert token == access
    assert source.expires_at == jwt_expiry(access)
    assert asyncio.run(source.state()).status == AuthStatus.OK
    assert access not in repr(source) and server_token not in repr(source)


def test_a_nested_key_and_expires_at_beside_an_opaque_token(
    jupyterhub: Hub, user_name: str
) -> None:
    # Given Globus's auth_state shape: tokens per resource server (dotted names), opaque tokens
    expires = time.time() + 3600
    jupyterhub.add_user(
        user_name,
        {"tokens": {"iri.api.example.org": {"access_token": "opaque-1", "expires_at": expires}}},
    )
    server_token, _ = jupyterhub.server_token(user_name)
    settings = HubSettings(key="tokens.iri.api.example.org.access_token")
    source = source_for(jupyterhub, user_name, server_token, settings)

    # When the facility asks for a token
    token = asyncio.run(source.token())

    # Then the key's path found it, and its expiry is the `expires_at` beside it
    assert token == "opaque-1"
    assert source.expires_at == expires


def test_a_new_token_once_the_hub_refreshed_it(jupyterhub: Hub, user_name: str) -> None:
    # Given a token that lives LIFETIME s, which the Hub's refresh_user replaces when it nears
    # expiry (it runs for requests made with the user's token, as the source's are)
    jupyterhub.add_user(user_name, {"access_token": mint(user_name)})
    server_token, _ = jupyterhub.server_token(user_name)
    source = source_for(jupyterhub, user_name, server_token)
    first = asyncio.run(source.token())

    # When the first token has less than the margin left and the facility asks again
    assert source.expires_at is not None
    time.sleep(max(source.expires_at - 30 - time.time(), 0) + 0.5)
    second = asyncio.run(source.token())

    # Then it got the Hub's new token, which lives a full lifetime again
    state = jupyterhub.admin("GET", f"/users/{user_name}").json()["auth_state"]
    assert second != first
    assert second == state["access_token"]
    assert (jwt_expiry(second) or 0) > time.time() + LIFETIME - 5
    assert source.refreshes == 2


def test_a_token_the_hub_was_given_is_used_once_the_old_one_nears_expiry(
    jupyterhub: Hub, user_name: str
) -> None:
    # Given a source holding the Hub's token, on a clock the test moves
    jupyterhub.add_user(user_name, {"access_token": mint(user_name, lifetime=600)})
    server_token, _ = jupyterhub.server_token(user_name)
    now = [time.time()]
    source = source_for(jupyterhub, user_name, server_token, clock=lambda: now[0])
    first = asyncio.run(source.token())

    # When the Hub's auth_state gets a new token (as a Hub refresh writes it)
    renewed = mint(user_name, lifetime=1200)
    jupyterhub.set_auth_state(user_name, {"access_token": renewed})

    # Then the old one is used while it has more than the margin left, and the new one after
    assert asyncio.run(source.token()) == first
    now[0] += 600 - 59
    assert asyncio.run(source.token()) == renewed


def test_a_cleared_login_says_log_in_to_jupyterhub_again(jupyterhub: Hub, user_name: str) -> None:
    # Given a user whose auth_state has been cleared (the API takes {}, not null)
    jupyterhub.add_user(user_name, {"access_token": mint(user_name)})
    server_token, _ = jupyterhub.server_token(user_name)
    jupyterhub.set_auth_state(user_name, {})
    source = source_for(jupyterhub, user_name, server_token)

    # When the facility's auth state is asked
    state = asyncio.run(source.state())

    # Then it is expired and tells the user what to do
    assert state.status == AuthStatus.EXPIRED
    assert "Log in to JupyterHub again" in (state.message or "")


def test_a_refused_server_token_says_log_in_to_jupyterhub_again(
    jupyterhub: Hub, user_name: str
) -> None:
    # Given a server whose Hub token the Hub no longer accepts (403)
    jupyterhub.add_user(user_name, {"access_token": mint(user_name)})
    server_token, token_id = jupyterhub.server_token(user_name)
    jupyterhub.revoke(user_name, token_id)
    source = source_for(jupyterhub, user_name, server_token)

    # When a token is wanted
    with pytest.raises(FacilityAuthError) as refused:
        asyncio.run(source.token())

    # Then the error and the state say to log in again, naming no token
    assert refused.value.upstream_status == 403
    assert "Log in to JupyterHub again" in refused.value.message
    assert server_token not in refused.value.message
    state = asyncio.run(source.state())
    assert state.status == AuthStatus.EXPIRED


def test_a_hub_whose_refresh_fails_says_log_in_again(jupyterhub: Hub, user_name: str) -> None:
    # Given an expired token whose refresh the IdP refuses (refresh_user returns False). For
    # requests made with a token the Hub then keeps the stale auth_state and answers 200
    jupyterhub.add_user(user_name, {"access_token": mint(user_name, lifetime=-5), "revoked": 1})
    server_token, _ = jupyterhub.server_token(user_name)
    source = source_for(jupyterhub, user_name, server_token)
    time.sleep(1.2)  # the Hub's auth_refresh_age (1 s) since it last refreshed the user

    # When the facility's auth state is asked
    state = asyncio.run(source.state())

    # Then the Hub did try and fail, and the state is expired, with the message
    assert f"User {user_name} has stale auth info" in jupyterhub.log.read_text()
    assert state.status == AuthStatus.EXPIRED
    assert "Log in to JupyterHub again" in (state.message or "")


def test_user_b_cannot_read_user_a_token(jupyterhub: Hub, user_name: str) -> None:
    # Given users A and B, each with a token in auth_state, and B's server token
    other = user_name + "b"
    access = mint(user_name)
    jupyterhub.add_user(user_name, {"access_token": access})
    jupyterhub.add_user(other, {"access_token": mint(other)})
    b_token, _ = jupyterhub.server_token(other)

    # When B's token asks for A's user model, directly and through the source
    direct = httpx.get(
        f"{jupyterhub.api_url}/users/{user_name}", headers={"Authorization": f"token {b_token}"}
    )
    source = source_for(jupyterhub, user_name, b_token)
    state = asyncio.run(source.state())

    # Then the Hub refuses it and A's token is nowhere
    assert direct.status_code in (403, 404)
    assert access not in direct.text
    assert state.status != AuthStatus.OK
    assert source.current is None


def test_the_hub_still_hides_auth_state_from_get_user(jupyterhub: Hub, user_name: str) -> None:
    # Given a server token that holds admin:auth_state!user
    jupyterhub.add_user(user_name, {"access_token": mint(user_name)})
    server_token, _ = jupyterhub.server_token(user_name)

    # When it asks GET /hub/api/user (what OAuthenticator's docs suggest)
    model = httpx.get(
        f"{jupyterhub.api_url}/user", headers={"Authorization": f"token {server_token}"}
    ).json()

    # Then auth_state is null (jupyterhub#5103): the source must keep using /users/{name}. If
    # this fails, the Hub fixed it; the source is still right.
    assert any(scope.startswith("admin:auth_state") for scope in model["scopes"])
    assert "auth_state" in model and model["auth_state"] is None


def test_a_server_token_without_the_scope_says_what_the_hub_lacks(
    jupyterhub: Hub, user_name: str
) -> None:
    # Given a Hub whose server tokens lack admin:auth_state (the operators forgot it)
    jupyterhub.add_user(user_name, {"access_token": mint(user_name)})
    server_token, _ = jupyterhub.server_token(
        user_name, ["users:activity!user", "access:servers!server"]
    )
    source = source_for(jupyterhub, user_name, server_token)

    # When the facility's auth state is asked
    state = asyncio.run(source.state())

    # Then it is an error naming the scope, not "log in again"
    assert state.status == AuthStatus.ERROR
    assert "admin:auth_state!user" in (state.message or "")


def test_outside_a_hub_the_state_says_it_needs_jupyterhub() -> None:
    # Given a server not started by JupyterHub
    source = HubToken("alps", HubSettings(), environ={})

    # When the facility's auth state is asked
    state = asyncio.run(source.state())

    # Then it is an error that says the facility needs JupyterHub
    assert state.status == AuthStatus.ERROR
    assert "not started by JupyterHub" in (state.message or "")
    assert "JUPYTERHUB_API_URL" in (state.message or "")


def test_no_token_in_the_sources_log(
    jupyterhub: Hub, user_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a source reading a token, logging everything
    access = mint(user_name)
    jupyterhub.add_user(user_name, {"access_token": access})
    server_token, _ = jupyterhub.server_token(user_name)
    caplog.set_level(logging.DEBUG)

    # When it reads the token
    asyncio.run(source_for(jupyterhub, user_name, server_token).token())

    # Then neither the access token nor the Hub token is in any log line
    assert "from JupyterHub" in caplog.text
    assert access not in caplog.text and server_token not in caplog.text


def test_internal_tls_files_that_cannot_be_read_leave_the_server_starting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a Hub API on https whose internal CA file is missing, and one on plain http
    env = {
        "JUPYTERHUB_SSL_CLIENT_CA": str(tmp_path / "missing-ca.crt"),
        "JUPYTERHUB_SSL_CERTFILE": str(tmp_path / "missing.crt"),
        "JUPYTERHUB_SSL_KEYFILE": str(tmp_path / "missing.key"),
    }

    # Then the source does not fail at start: it says why in the log, and reading the token
    # will say the Hub cannot be reached; on plain http the files are not used at all
    with caplog.at_level(logging.WARNING):
        assert hub_tls("https://127.0.0.1:8081/hub/api", env) is None
    assert "internal TLS files" in caplog.text and "missing-ca.crt" in caplog.text
    assert hub_tls("http://127.0.0.1:8081/hub/api", env) is None
