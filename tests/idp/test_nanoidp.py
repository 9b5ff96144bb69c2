"""The test IdP itself: a device login approved as a user would, tokens signed, rotated."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jwt

from tests.idp.nanoidp import (
    AUDIENCE,
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    SIGNING_KEY,
    NanoIdp,
    start_nanoidp,
    stop_nanoidp,
)

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


def test_it_signs_with_the_test_key_whose_jwks_the_test_slurm_trusts(nanoidp: NanoIdp) -> None:
    # The JWKS file the Slurm scripts install is exactly what nanoidp serves with the test key
    served = httpx.get(nanoidp.jwks_url).json()
    assert served == json.loads((SIGNING_KEY / "jwks.json").read_text())


def test_the_sun_claim_is_added_to_access_tokens_only(tmp_path: Path) -> None:
    # Given nanoidp run with Slurm's claim mapper, when a user logs in
    idp = start_nanoidp(tmp_path, users={"hpcuser": "pw-hpcuser"}, sun_claim=True)
    try:
        tokens = httpx.post(
            idp.token_url,
            auth=(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
            data={
                "grant_type": "password",
                "username": "hpcuser",
                "password": "pw-hpcuser",
                "scope": "openid offline_access",
            },
        ).json()
    finally:
        stop_nanoidp(idp)
    # Then the access token names the user in `sun` as in `sub`; the ID token does not
    unverified = {"verify_signature": False}
    assert jwt.decode(tokens["access_token"], options=unverified)["sun"] == "hpcuser"
    assert "sun" not in jwt.decode(tokens["id_token"], options=unverified)
