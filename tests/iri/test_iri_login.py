"""The Globus native-app login of an `iri` facility: authorize, paste the code, tokens on file.

The IRI double plays Globus Auth: its authorize page shows the code, and its token endpoint
checks the PKCE verifier against the challenge, as Globus does. The tokens land in globus-sdk's
JSON storage format in the facility's token file, which `GlobusToken` then keeps renewing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import stat
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from IPython.testing import globalipapp

from hpc_jupyter.backends.iri.auth_config import parse_auth
from hpc_jupyter.client import set_default_client
from tests.helpers import expect_error
from tests.iri.fake_iri import CLIENT_ID, RESOURCE_SERVER, FakeIRI
from tests.iri.token_files import stored

API = Callable[..., Awaitable[Any]]
LOGIN = ("facilities", "alcf", "login")
FILES = ("facilities", "alcf", "files")
HOME = "/home/iriuser"


@pytest.fixture
def login_file(tmp_path: Path) -> Path:
    return tmp_path / "globus" / "tokens.json"


@pytest.fixture
def hpc_facilities(iri_options: dict[str, Any], fake: FakeIRI, login_file: Path) -> dict[str, Any]:
    auth = {
        "client_id": CLIENT_ID,
        "auth_url": fake.url + "/auth",
        "token_file": str(login_file),
        "login": {"flow": "globus", "scopes": ["iri", "openid"]},
    }
    return {"alcf": {**iri_options, "auth": auth}}


async def authorize(url: str) -> str:
    """What the user does: open the authorize URL, log in, copy the code the page shows."""
    async with httpx.AsyncClient() as client:
        page = (await client.get(url)).text
    found = re.search(r"<code>([^<]+)</code>", page)
    assert found, page
    return found.group(1)


async def test_globus_login_end_to_end(
    api: API, fake: FakeIRI, login_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given an IRI facility whose Globus login nobody has made yet
    facility = await api("facilities", "alcf")
    assert "auth.login" in facility["capabilities"]
    assert facility["auth"]["status"] == "expired"
    assert "%hpc_login alcf" in facility["auth"]["message"]
    # When the user starts a login, then the answer is where to authorize, with PKCE S256
    started = await api(*LOGIN, method="POST", body="")
    assert started["state"] == "pending" and started["flow"] == "globus"
    url = started["authorize_url"]
    assert url.startswith(fake.url + "/auth/v2/oauth2/authorize?")
    assert "code_challenge_method=S256" in url and "access_type=offline" in url
    # When the user pastes a wrong code, then it is refused and the login stays pending
    code = await authorize(url)
    wrong = await expect_error(api(*LOGIN, "code", method="POST", body={"code": "nope"}), 400)
    assert "did not accept the code" in wrong["message"]
    assert (await api(*LOGIN))["state"] == "pending"
    # When the user pastes the code the page showed
    done = await api(*LOGIN, "code", method="POST", body={"code": code})
    # Then the login is done, and the tokens are in globus-sdk's format, 0600
    assert done["state"] == "logged_in"
    data = json.loads(login_file.read_text())
    assert data["format_version"] == "2.0" and "globus-sdk.version" in data
    assert set(data["data"]["DEFAULT"]) == {"auth.globus.org", RESOURCE_SERVER}
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600
    # And the facility works with them
    listing = await api(*FILES, params={"path": HOME})
    assert (await api("facilities", "alcf"))["auth"]["status"] == "ok"
    # And no token is in an answer or a log line
    entry = stored(login_file)
    shown = json.dumps([facility, started, wrong, done, listing]) + caplog.text
    for secret in (entry["access_token"], entry["refresh_token"], code):
        assert secret not in shown


async def test_the_written_file_keeps_being_renewed(
    api: API, fake: FakeIRI, login_file: Path
) -> None:
    # Given a Globus login made from the panel
    started = await api(*LOGIN, method="POST", body="")
    code = await authorize(started["authorize_url"])
    await api(*LOGIN, "code", method="POST", body={"code": code})
    first = stored(login_file)
    await api(*FILES, params={"path": HOME})
    # When Globus revokes the access token
    fake.revoke_all()
    # Then the next call renews it with the stored refresh token and writes the file back
    await api(*FILES, params={"path": HOME})
    renewed = stored(login_file)
    assert renewed["access_token"] != first["access_token"]
    assert [r["grant_type"] for r in fake.token_requests] == ["authorization_code", "refresh_token"]


async def test_code_without_a_pending_login_and_logout(
    api: API, fake: FakeIRI, login_file: Path
) -> None:
    # A code with no login pending is a conflict
    body = await expect_error(api(*LOGIN, "code", method="POST", body={"code": "x"}), 409)
    assert body["reason"] == "conflict"
    # Given a login made, when the user logs out, then the token file is gone and auth expired
    started = await api(*LOGIN, method="POST", body="")
    await api(
        *LOGIN, "code", method="POST", body={"code": await authorize(started["authorize_url"])}
    )
    assert (await api(*LOGIN, method="DELETE"))["state"] == "logged_out"
    assert not login_file.exists()
    assert (await api("facilities", "alcf"))["auth"]["status"] == "expired"


def test_the_token_file_defaults_to_alcf_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    auth = parse_auth(
        "alcf", {"client_id": CLIENT_ID, "login": {"flow": "globus", "scopes": "iri openid"}}
    )
    assert auth.token_file == Path(
        f"/home/someone/.globus/app/{CLIENT_ID}/alcf_facility_api_app/tokens.json"
    )
    assert auth.globus_login is not None and auth.globus_login.scopes == ("iri", "openid")


@pytest.fixture
def kernel(kernel_env: Any) -> Iterator[Any]:
    """An IPython shell with the magics loaded, as a kernel the test server started."""
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")
    previous = set_default_client(None)
    yield shell
    client = set_default_client(previous)
    if client is not None:
        client.close()


async def test_hpc_login_asks_for_the_globus_code(
    kernel: Any,
    fake: FakeIRI,
    login_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def the_user(prompt: str) -> str:
        # the user opened the URL the magic printed, logged in, and pastes the code shown
        prompts.append(prompt)
        url = re.findall(r"^(http\S+)$", capsys.readouterr().out, re.MULTILINE)[-1]
        page = httpx.get(url).text
        return page.split("<code>")[1].split("</code>")[0]

    monkeypatch.setattr("builtins.input", the_user)
    # When the user runs %hpc_login, then %hpc_ls, then %hpc_logout
    await asyncio.to_thread(kernel.run_line_magic, "hpc_login", "alcf")
    logged_in = capsys.readouterr().out
    listing = await asyncio.to_thread(kernel.run_line_magic, "hpc_ls", f"-f alcf {HOME}")
    await asyncio.to_thread(kernel.run_line_magic, "hpc_logout", "alcf")
    logged_out = capsys.readouterr()
    # Then it asked for the code once and said, in one line, that the user is logged in
    assert prompts == ["Paste the code here: "]
    assert logged_in.strip() == "Logged in to facility 'alcf'."
    assert listing is not None
    assert logged_out.out.startswith("Not logged in to facility 'alcf': You logged out")
    assert not login_file.exists()
