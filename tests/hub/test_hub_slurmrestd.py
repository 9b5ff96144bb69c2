"""The `{"hub": {}}` source of a slurmrestd facility whose Slurm checks the IdP's signatures.

A real Hub holds, in the user's auth_state, an access token nanoidp issued; the server reads it
with its Hub token and sends it as it is to a real Slurm (22.05, 24.11, 26.05) started with
`AuthAltParameters=jwks=` (the key nanoidp signs with): no Slurm token is minted for anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import expect_error
from tests.hub.hub_process import Hub, mint
from tests.idp.nanoidp import (
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    NanoIdp,
    start_nanoidp,
    stop_nanoidp,
)
from tests.slurm.slurm_helpers import submit_and_follow
from tests.slurm_fixtures import Cluster, slurmrestd_facility

USERS = {"hpcuser": "hpcuser-password"}


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoIdp]:
    """nanoidp with the key Slurm trusts; its tokens carry `sun`, the claim Slurm 22.05 reads
    (24.11 and 26.05 take it too, beside their `userclaimfield=sub`)."""
    idp = start_nanoidp(tmp_path_factory.mktemp("idp"), users=USERS, sun_claim=True)
    yield idp
    stop_nanoidp(idp)


def idp_access_token(idp: NanoIdp, user: str) -> str:
    """What a Hub's OAuthenticator keeps after `user` logged in: an access token of the IdP."""
    answer = httpx.post(
        idp.token_url,
        auth=(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET),
        data={"grant_type": "password", "username": user, "password": USERS[user]},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
def hpc_facilities(
    slurm_release: Cluster, jupyterhub: Hub, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # A server the Hub spawned for hpcuser: the Hub's URL, the user, the server's Hub token
    jupyterhub.add_user(slurm_release.user, {})
    server_token, _ = jupyterhub.server_token(slurm_release.user)
    monkeypatch.setenv("JUPYTERHUB_API_URL", jupyterhub.api_url)
    monkeypatch.setenv("JUPYTERHUB_USER", slurm_release.user)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", server_token)
    return {"slurm": slurmrestd_facility(slurm_release, token={"hub": {}})}


async def test_the_hubs_idp_token_runs_jobs_on_a_slurm_that_trusts_the_idp(
    api: Any, jupyterhub: Hub, idp: NanoIdp, slurm_release: Cluster
) -> None:
    # Given the Hub holds hpcuser's access token from the IdP
    token = idp_access_token(idp, slurm_release.user)
    jupyterhub.set_auth_state(slurm_release.user, {"access_token": token})
    # When the facility lists jobs and runs one
    assert "jobs" in await api("facilities", "slurm", "jobs")
    script = "#!/bin/bash\necho ran as $(id -un)"
    final, _, _ = await submit_and_follow(api, "slurm", script)
    # Then Slurm took the IdP's token: the job ran as hpcuser, the facility is ok
    assert final["state"] == "COMPLETED" and final["user"] == slurm_release.user
    output = await api("facilities", "slurm", "jobs", final["id"], "output")
    assert f"ran as {slurm_release.user}" in output["data"]
    assert (await api("facilities", "slurm"))["auth"]["status"] == "ok"


async def test_a_token_slurm_refuses_means_log_in_to_jupyterhub_again(
    api: Any, jupyterhub: Hub, slurm_release: Cluster
) -> None:
    # Given the Hub holds a token the IdP Slurm trusts did not sign (valid for a minute)
    refused = mint(slurm_release.user, 60)
    jupyterhub.set_auth_state(slurm_release.user, {"access_token": refused})
    # When the facility's jobs are asked for
    body = await expect_error(api("facilities", "slurm", "jobs"), 401)
    # Then it is an auth error that says to log in to JupyterHub again, not an empty list
    auth = (await api("facilities", "slurm"))["auth"]
    assert auth["status"] == "expired" and "JupyterHub" in auth["message"], auth
    assert refused not in str([body, auth])
