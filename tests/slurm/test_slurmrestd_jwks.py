"""slurmrestd facilities whose token is the user's device login at an IdP that Slurm trusts.

Real Slurm 22.05, 24.11 and 26.05, each started with `AuthAltParameters=jwks=` naming the public
key nanoidp signs with (tests/idp/test-signing-key/), so slurmctld checks the IdP's RS256
signature itself. 22.05 reads the user from the `sun` claim (nanoidp gets that claim from
tests/idp/nanoidp_sun.py); 24.11 and 26.05 from `sub`, nanoidp's own (`userclaimfield=sub`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from hpc_jupyter.auth.device import DeviceLogin
from tests.helpers import expect_error
from tests.idp.nanoidp import NanoIdp, start_nanoidp, stop_nanoidp
from tests.slurm.slurm_helpers import submit_and_follow
from tests.slurm_fixtures import Cluster, slurmrestd_facility

API = Callable[..., Awaitable[Any]]
USERS = {"hpcuser": "hpcuser-password", "hpcuser2": "hpcuser2-password"}
"""The IdP's users: the Slurm test clusters' users, by the same names."""
FIXTURES = {"22.05": "slurm_cluster", "24.11": "slurm_2411", "26.05": "slurm_2605"}


@pytest.fixture(scope="module")
def idp_sun(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoIdp]:
    """nanoidp with the test key, whose access tokens also carry `sun` (for Slurm 22.05)."""
    idp = start_nanoidp(tmp_path_factory.mktemp("idp-sun"), users=USERS, sun_claim=True)
    yield idp
    stop_nanoidp(idp)


@pytest.fixture(scope="module")
def idp_plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoIdp]:
    """nanoidp as it comes, with the test key: the user name is in `sub` only."""
    idp = start_nanoidp(tmp_path_factory.mktemp("idp-plain"), users=USERS)
    yield idp
    stop_nanoidp(idp)


@pytest.fixture(scope="module")
def idp_stranger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoIdp]:
    """An IdP Slurm does not trust: the same users and claims, its own freshly made key."""
    idp = start_nanoidp(
        tmp_path_factory.mktemp("idp-stranger"), users=USERS, sun_claim=True, signing_key=None
    )
    yield idp
    stop_nanoidp(idp)


@pytest.fixture(params=sorted(FIXTURES))
def cluster(request: pytest.FixtureRequest) -> Cluster:
    found: Cluster = request.getfixturevalue(FIXTURES[request.param])
    return found


@pytest.fixture
def idp(cluster: Cluster, request: pytest.FixtureRequest) -> NanoIdp:
    """The IdP whose tokens this release accepts as they are."""
    found: NanoIdp = request.getfixturevalue(
        "idp_sun" if cluster.release == "22.05" else "idp_plain"
    )
    return found


@pytest.fixture
def hpc_facilities(cluster: Cluster, idp: NanoIdp, idp_stranger: NanoIdp) -> dict[str, Any]:
    return {
        "slurm": slurmrestd_facility(cluster, token=idp.login_config()),
        "stranger": slurmrestd_facility(cluster, token=idp_stranger.login_config()),
    }


def login_of(hpc_app: Any, name: str = "slurm") -> DeviceLogin:
    login = hpc_app.registry.get(name).login
    assert isinstance(login, DeviceLogin)
    return login


async def log_in(api: API, idp: NanoIdp, facility: str = "slurm") -> None:
    """Start a device login, approve it at the IdP as hpcuser, wait until the server has it."""
    started = await api("facilities", facility, "login", method="POST", body="")
    idp.approve(started["user_code"], "hpcuser")
    deadline = time.monotonic() + 20
    while (status := await api("facilities", facility, "login"))["state"] != "logged_in":
        assert status["state"] == "pending" and time.monotonic() < deadline, status
        await asyncio.sleep(0.2)


def access_token(hpc_data_dir: Path, facility: str = "slurm") -> str:
    token: str = json.loads((hpc_data_dir / facility / "login.json").read_text())["access_token"]
    return token


async def test_a_device_login_lists_and_runs_jobs_as_its_user(
    api: API, hpc_app: Any, idp: NanoIdp, cluster: Cluster, hpc_data_dir: Path
) -> None:
    # Given a slurmrestd facility whose token is a device login, nobody logged in yet
    assert (await api("facilities", "slurm"))["auth"]["status"] == "expired"
    # When hpcuser logs in at the IdP
    await log_in(api, idp)
    # Then the IdP's token is what the server sends Slurm, and Slurm takes it: jobs are listed
    claims = jwt.decode(access_token(hpc_data_dir), options={"verify_signature": False})
    assert claims["sub"] == "hpcuser" and claims["iss"] == idp.issuer
    assert "jobs" in await api("facilities", "slurm", "jobs")
    assert (await api("facilities", "slurm"))["auth"]["status"] == "ok"
    # And a job submitted with it runs as hpcuser
    script = "#!/bin/bash\necho ran as $(id -un)"
    final, _, _ = await submit_and_follow(api, "slurm", script)
    assert final["state"] == "COMPLETED" and final["user"] == "hpcuser"
    output = await api("facilities", "slurm", "jobs", final["id"], "output")
    assert "ran as hpcuser" in output["data"]

    # When the token is due for renewal (the source's clock moved on 40 of its 60 seconds)
    first = access_token(hpc_data_dir)
    login_of(hpc_app).clock = lambda: time.time() + 40
    again, _, _ = await submit_and_follow(api, "slurm", script)
    # Then a refreshed token, not the first, is what Slurm took for the next job
    assert access_token(hpc_data_dir) != first
    assert again["state"] == "COMPLETED" and again["user"] == "hpcuser"


async def test_slurm_refuses_the_expired_token_and_the_refreshed_one_is_used(
    api: API, hpc_app: Any, idp: NanoIdp, cluster: Cluster, hpc_data_dir: Path
) -> None:
    if cluster.release == "26.05":
        pytest.skip("a minute's wait: 22.05 (HTTP 500) and 24.11 (511, as 26.05) show it")
    # Given a logged-in facility whose login source is late by two minutes: it still takes the
    # access token for fresh once the token's `exp` has passed
    await log_in(api, idp)
    first = access_token(hpc_data_dir)
    login = login_of(hpc_app)
    login.clock = lambda: time.time() - 120
    # When the token has really expired (nanoidp's least lifetime: one minute)
    expiry = jwt.decode(first, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expiry - time.time() + 1.5))
    # Then Slurm refuses it, the server refreshes once, and the jobs are listed all the same
    listed = await api("facilities", "slurm", "jobs")
    assert "jobs" in listed
    assert access_token(hpc_data_dir) != first
    assert login.refreshes == 2  # the login's first token, then the one after Slurm's refusal
    assert (await api("facilities", "slurm"))["auth"]["status"] == "ok"


async def test_a_token_of_a_key_slurm_does_not_trust_means_log_in_again(
    api: API, idp_stranger: NanoIdp, cluster: Cluster, hpc_data_dir: Path
) -> None:
    # Given a login at an IdP whose key is not in Slurm's JWKS (same user, same claims)
    await log_in(api, idp_stranger, "stranger")
    # When the facility's jobs are asked for
    body = await expect_error(api("facilities", "stranger", "jobs"), 401)
    # Then it is an auth error saying to log in again, not an empty job list
    assert "%hpc_login stranger" in body["message"]
    auth = (await api("facilities", "stranger"))["auth"]
    assert auth["status"] == "expired" and "%hpc_login stranger" in auth["message"]
    assert access_token(hpc_data_dir, "stranger") not in json.dumps([body, auth])
