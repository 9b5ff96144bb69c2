"""A FirecREST facility whose token comes from the user's device login at a real IdP (nanoidp).

The FirecREST double checks every token's RS256 signature against nanoidp's JWKS, as FirecREST
does, so a call that works proves the server holds a token the IdP really issued.
"""

from __future__ import annotations

import asyncio
import json
import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from hpc_jupyter.auth.device import DeviceLogin
from hpc_jupyter.auth.device_settings import parse_login
from tests.firecrest.double_fixtures import facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest
from tests.helpers import expect_error, wait_until
from tests.idp.nanoidp import AUDIENCE, NanoIdp, start_nanoidp, stop_nanoidp
from tests.notebook_runner import output_text, run_in_server_kernel
from tests.server_process import jupyter_server

HOME = "/home/hpcuser"


@pytest.fixture
def hpc_facilities(fake: FakeFirecrest, nanoidp: NanoIdp) -> dict[str, Any]:
    fake.jwks_url, fake.jwt_audience = nanoidp.jwks_url, AUDIENCE
    return {
        "alps": {"kind": "firecrest", "url": fake.url, "token": nanoidp.login_config()},
        "plain": facility_options(fake, CLIENT_SECRET),
    }


def login_of(hpc_app: Any, name: str = "alps") -> DeviceLogin:
    login = hpc_app.registry.get(name).login
    assert isinstance(login, DeviceLogin)
    return login


def bearer_tokens(fake: FakeFirecrest) -> list[str]:
    """The tokens the facility's calls carried, in order, without repeats."""
    seen: list[str] = []
    for _, _, header in fake.requests:
        token = header.removeprefix("Bearer ")
        if header.startswith("Bearer ") and token not in seen:
            seen.append(token)
    return seen


async def log_in(api: Any, idp: NanoIdp, user: str = "alice") -> dict[str, Any]:
    started = await api("facilities", "alps", "login", method="POST", body="")
    idp.approve(started["user_code"], user)

    async def state() -> str:
        return str((await api("facilities", "alps", "login"))["state"])

    deadline = time.monotonic() + 20
    while await state() != "logged_in":
        assert time.monotonic() < deadline, await api("facilities", "alps", "login")
        await asyncio.sleep(0.2)
    return started


async def test_device_login_end_to_end(
    api: Any,
    hpc_app: Any,
    fake: FakeFirecrest,
    nanoidp: NanoIdp,
    hpc_data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given a facility that takes its token from a device login, nobody logged in yet
    facility = await api("facilities", "alps")
    assert "auth.login" in facility["capabilities"]
    assert facility["auth"]["status"] == "expired"
    assert "%hpc_login alps" in facility["auth"]["message"]
    assert (await api("facilities", "alps", "login"))["state"] == "logged_out"
    # When the user starts a login, then the answer says where to go and what to type, only
    started = await api("facilities", "alps", "login", method="POST", body="")
    assert started["state"] == "pending" and started["flow"] == "device"
    assert started["verification_uri"] == f"{nanoidp.issuer}/device"
    assert started["user_code"] and started["expires_at"] > time.time()
    assert "device_code" not in json.dumps(started)
    # When alice approves it at the IdP's page, then the server notices by itself
    nanoidp.approve(started["user_code"], "alice")
    assert await wait_until(lambda: login_of(hpc_app).file.read() is not None, timeout=20)
    status = await api("facilities", "alps", "login")
    assert status["state"] == "logged_in", status
    # And the facility takes the IdP's signed token: files are listed, auth is ok
    listing = await api("facilities", "alps", "files", params={"path": HOME})
    assert "entries" in listing
    assert (await api("facilities", "alps"))["auth"]["status"] == "ok"
    # And the tokens are in a 0600 file of the server's data directory
    path = hpc_data_dir / "alps" / "login.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # And no token is in any answer, log line or repr
    tokens = json.loads(path.read_text())
    shown = json.dumps([facility, started, status, listing]) + caplog.text
    shown += repr(login_of(hpc_app)) + repr(login_of(hpc_app).file.read())
    for secret in (tokens["access_token"], tokens["refresh_token"]):
        assert secret not in shown
    assert bearer_tokens(fake) == [tokens["access_token"]]


async def test_expired_token_is_renewed_and_survives_a_restart(
    api: Any, hpc_app: Any, fake: FakeFirecrest, nanoidp: NanoIdp, hpc_data_dir: Path
) -> None:
    # Given a logged-in facility that made one call
    await log_in(api, nanoidp)
    await api("facilities", "alps", "files", params={"path": HOME})
    first = bearer_tokens(fake)
    # When its token is about to expire (the source's clock moved on 40 of its 60 seconds)
    login = login_of(hpc_app)
    login.clock = lambda: time.time() + 40
    # Then the next call renews it with the refresh token and sends a different one
    await api("facilities", "alps", "files", params={"path": HOME})
    assert len(bearer_tokens(fake)) == 2 and bearer_tokens(fake)[0] == first[0]
    # And a server started afterwards on the same data directory is logged in already
    settings = parse_login("alps", "token", nanoidp.login_config())
    restarted = DeviceLogin("alps", settings, hpc_data_dir / "alps" / "login.json")
    try:
        assert await restarted.token() == bearer_tokens(fake)[1]
        assert restarted.refreshes == 1 and (await restarted.status())["state"] == "logged_in"
    finally:
        await restarted.close()


async def test_two_servers_refresh_without_logging_each_other_out(
    api: Any, hpc_app: Any, nanoidp: NanoIdp, hpc_data_dir: Path
) -> None:
    # Given a login, and two servers of the user sharing its file
    await log_in(api, nanoidp)
    settings = parse_login("alps", "token", nanoidp.login_config())
    path = hpc_data_dir / "alps" / "login.json"
    servers = [DeviceLogin("alps", settings, path) for _ in range(2)]
    try:
        # When both find the token due for renewal at the same moment (nanoidp rotates the
        # refresh token: spending the same one twice would end the login)
        for server in servers:
            server.clock = lambda: time.time() + 40
        tokens = await asyncio.gather(*(server.token() for server in servers))
        # Then one refreshed, the other took its token, and both stay logged in
        assert tokens[0] == tokens[1]
        for server in servers:
            assert (await server.state()).status.value == "ok"
        # And the login renews again later (the refresh token in the file is the live one)
        for server in servers:
            server.clock = lambda: time.time() + 80
        again = await servers[1].token()
        assert again != tokens[0]
        assert (await servers[0].status())["state"] == "logged_in"
    finally:
        for server in servers:
            await server.close()


async def test_logout_then_expired(
    api: Any, hpc_app: Any, nanoidp: NanoIdp, hpc_data_dir: Path
) -> None:
    # Given a logged-in facility
    await log_in(api, nanoidp)
    assert (await api("facilities", "alps"))["auth"]["status"] == "ok"
    # When the user logs out
    answer = await api("facilities", "alps", "login", method="DELETE")
    # Then the login is over: no file, auth status expired with what to do
    assert answer["state"] == "logged_out"
    assert not (hpc_data_dir / "alps" / "login.json").exists()
    auth = (await api("facilities", "alps"))["auth"]
    assert auth["status"] == "expired" and "%hpc_login alps" in auth["message"]


async def test_denied_login_is_logged_out_with_a_reason(
    api: Any, hpc_app: Any, nanoidp: NanoIdp
) -> None:
    # Given a pending login, when the user denies it at the IdP
    started = await api("facilities", "alps", "login", method="POST", body="")
    nanoidp.approve(started["user_code"], action="deny")

    async def ended() -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while (status := await api("facilities", "alps", "login"))["state"] == "pending":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        return dict(status)

    # Then the login ends logged out, saying it was refused
    status = await ended()
    assert status["state"] == "logged_out" and "refused" in status["message"]
    assert (await api("facilities", "alps"))["auth"]["status"] == "expired"


async def test_new_login_replaces_the_pending_one(api: Any, hpc_app: Any) -> None:
    # Given a pending login, when the user starts another, then only the new code is pending
    first = await api("facilities", "alps", "login", method="POST", body="")
    second = await api("facilities", "alps", "login", method="POST", body="")
    assert second["user_code"] != first["user_code"]
    assert (await api("facilities", "alps", "login"))["user_code"] == second["user_code"]
    # And logging out stops it
    assert (await api("facilities", "alps", "login", method="DELETE"))["state"] == "logged_out"
    assert login_of(hpc_app)._poller is None


async def test_facility_without_login(api: Any) -> None:
    # A facility configured with client credentials offers no login
    assert "auth.login" not in (await api("facilities", "plain"))["capabilities"]
    body = await expect_error(api("facilities", "plain", "login"), 400)
    assert body["reason"] == "not_supported"
    body = await expect_error(
        api("facilities", "alps", "login", "code", method="POST", body={"code": "x"}), 400
    )
    assert "needs no code" in body["message"]


@pytest.fixture
def short_codes(tmp_path: Path) -> Iterator[NanoIdp]:
    """A nanoidp whose device codes expire after two seconds."""
    idp = start_nanoidp(tmp_path / "short", device_seconds=2)
    yield idp
    stop_nanoidp(idp)


async def test_expired_code_is_logged_out(short_codes: NanoIdp, tmp_path: Path) -> None:
    # Given a device login whose code nobody enters in time
    settings = parse_login("f", "token", short_codes.login_config())
    login = DeviceLogin("f", settings, tmp_path / "login.json")
    try:
        assert (await login.start())["state"] == "pending"
        # Then it ends logged out, saying the code expired
        deadline = time.monotonic() + 15
        while (status := await login.status())["state"] == "pending":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert status["state"] == "logged_out" and "expired" in status["message"]
    finally:
        await login.close()


async def test_hpc_login_in_a_real_kernel(
    hpc_server: Any, hpc_app: Any, jp_fetch: Any, nanoidp: NanoIdp, hpc_data_dir: Path
) -> None:
    # Given a notebook that logs in, lists files, prints its environment and logs out
    cells = [
        "%load_ext hpc_jupyter\n%hpc_login alps",
        "%hpc_ls /home/hpcuser",
        "import os, json; print(json.dumps(dict(os.environ)))",
        "%hpc_logout alps",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    tokens: dict[str, Any] = {}

    async def approve_as_the_user() -> None:
        # the user reads the code the magic printed and enters it at the IdP's page
        login = login_of(hpc_app)
        while login._pending is None:
            await asyncio.sleep(0.1)
        await asyncio.to_thread(nanoidp.approve, login._pending.user_code, "alice")
        while login.file.read() is None:
            await asyncio.sleep(0.1)
        tokens.update(json.loads((hpc_data_dir / "alps" / "login.json").read_text()))

    user = asyncio.create_task(approve_as_the_user())
    try:
        await run_in_server_kernel(hpc_server, jp_fetch, notebook, "login.ipynb")
    finally:
        user.cancel()
    out = [output_text(cell) for cell in notebook.cells]
    # Then the magic showed where to go and the code, then one line: logged in
    assert f"Open {nanoidp.issuer}/device?user_code=" in out[0]
    assert out[0].rstrip().endswith("Logged in to facility 'alps'.")
    assert out[1].strip() and "hpc-jupyter:" not in out[1]  # listed with the login's token
    # And logging out says so
    assert "Not logged in to facility 'alps': You logged out" in out[3]
    # And no token reached the kernel: not its outputs, not its environment
    assert tokens["access_token"] and tokens["refresh_token"]
    for secret in (tokens["access_token"], tokens["refresh_token"]):
        assert all(secret not in text for text in out)


async def test_a_refused_refresh_ends_the_login(
    api: Any, hpc_app: Any, nanoidp: NanoIdp, hpc_data_dir: Path
) -> None:
    # Given a login whose refresh token the IdP no longer accepts (revoked, or expired)
    await log_in(api, nanoidp)
    path = hpc_data_dir / "alps" / "login.json"
    tokens = json.loads(path.read_text())
    path.write_text(json.dumps({**tokens, "refresh_token": "revoked-long-ago"}))
    # When the access token is due for renewal
    login_of(hpc_app).clock = lambda: time.time() + 40
    # Then the facility says the login has ended and what to do; the file is gone
    auth = (await api("facilities", "alps"))["auth"]
    assert auth["status"] == "expired"
    assert "would not renew it" in auth["message"] and "%hpc_login alps" in auth["message"]
    assert not path.exists()
    status = await api("facilities", "alps", "login")
    assert status["state"] == "logged_out" and "would not renew it" in status["message"]


async def test_stopping_with_a_login_pending_does_not_hang(
    nanoidp: NanoIdp, tmp_path: Path
) -> None:
    # Given a device login the server is polling for
    settings = parse_login("f", "token", nanoidp.login_config())
    login = DeviceLogin("f", settings, tmp_path / "login.json")
    await login.start()
    poller = login._poller
    assert poller is not None and not poller.done()
    # When the server stops, then the polling ends at once
    started = time.monotonic()
    await login.close()
    assert time.monotonic() - started < 2
    assert poller.done() and login._poller is None


async def test_real_servers_share_the_login_its_renewal_and_a_restart(
    api: Any,
    fake: FakeFirecrest,
    nanoidp: NanoIdp,
    tmp_path: Path,
    hpc_data_dir: Path,
    hpc_facilities: dict[str, Any],
) -> None:
    files = f"files?path={HOME}"
    config = {"data_dir": str(hpc_data_dir), "facilities": hpc_facilities}
    strict = {"allow_unauthenticated_access": False}
    with jupyter_server(tmp_path / "second", config, server_app=strict) as second:
        # Given a login made on one server of the user
        await log_in(api, nanoidp)
        issued = json.loads((hpc_data_dir / "alps" / "login.json").read_text())["issued_at"]
        # Then another server of the user (a real process) is logged in too, and uses it
        assert (await second.call("facilities", "alps", "login"))["state"] == "logged_in"
        await second.call("facilities", "alps", files)
        assert len(bearer_tokens(fake)) == 1
        # When the access token has under 30 s left and both servers call the facility at once
        await asyncio.sleep(max(issued + 31 - time.time(), 0))
        await asyncio.gather(
            api("facilities", "alps", "files", params={"path": HOME}),
            second.call("facilities", "alps", files),
        )
        # Then one renewed it and the other took the new token (spending the rotating refresh
        # token twice would have ended the login): two tokens in all, still logged in
        assert len(bearer_tokens(fake)) == 2
        assert (await second.call("facilities", "alps", "login"))["state"] == "logged_in"
        assert (await api("facilities", "alps"))["auth"]["status"] == "ok"
    # And a server started afterwards is logged in without a new login
    with jupyter_server(tmp_path / "third", config, server_app=strict) as third:
        assert (await third.call("facilities", "alps"))["auth"]["status"] == "ok"
        await third.call("facilities", "alps", files)
        assert len(bearer_tokens(fake)) == 2
