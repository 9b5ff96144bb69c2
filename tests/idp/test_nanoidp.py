"""The test IdP itself: a device login approved as a user would, tokens signed, rotated."""

from __future__ import annotations

import httpx
import jwt

from tests.idp.nanoidp import AUDIENCE, NanoIdp

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def test_device_login_gives_rs256_tokens_that_rotate(nanoidp: NanoIdp) -> None:
    # Given a device login started by the public client
    start = httpx.post(
        nanoidp.device_url, data={"client_id": nanoidp.client_id, "scope": "openid"}
    ).json()
    grant = {
        "grant_type": DEVICE_GRANT,
        "device_code": start["device_code"],
        "client_id": nanoidp.client_id,
    }
    # When nobody approved it yet, then the token endpoint says so
    assert httpx.post(nanoidp.token_url, data=grant).json()["error"] == "authorization_pending"
    # When alice approves it at the verification page
    nanoidp.approve(start["user_code"], "alice")
    tokens = httpx.post(nanoidp.token_url, data=grant).json()
    # Then the access token is an RS256 JWT for alice that the JWKS verifies
    keys = jwt.PyJWKClient(nanoidp.jwks_url)
    key = keys.get_signing_key_from_jwt(tokens["access_token"])
    claims = jwt.decode(tokens["access_token"], key, algorithms=["RS256"], audience=AUDIENCE)
    assert claims["sub"] == "alice"
    assert tokens["expires_in"] == 60
    # And a refresh rotates the refresh token: the old one is refused afterwards
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": nanoidp.client_id,
    }
    assert "access_token" in httpx.post(nanoidp.token_url, data=refresh).json()
    assert httpx.post(nanoidp.token_url, data=refresh).json()["error"] == "invalid_grant"


def test_denied_device_login(nanoidp: NanoIdp) -> None:
    # Given a device login, when the user denies it, then polling says access_denied
    start = httpx.post(nanoidp.device_url, data={"client_id": nanoidp.client_id}).json()
    nanoidp.approve(start["user_code"], action="deny")
    grant = {
        "grant_type": DEVICE_GRANT,
        "device_code": start["device_code"],
        "client_id": nanoidp.client_id,
    }
    assert httpx.post(nanoidp.token_url, data=grant).json()["error"] == "access_denied"
