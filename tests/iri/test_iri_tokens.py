"""Globus tokens of an `iri` facility: refresh, write-back, retry, expired login, no leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.client import HPCClient
from hpc_jupyter.errors import FacilityAuthError
from hpc_jupyter.models import JobState
from tests.helpers import expect_error
from tests.iri.fake_iri import CLIENT_ID, FakeIRI
from tests.iri.token_files import stored, write_token_file

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "alcf", "files")
HOME = "/home/iriuser"


class TestExpiringAccessToken:
    @pytest.fixture
    def access_ttl(self) -> float:
        return 60.0  # inside the refresh margin: renewed before the first call

    async def test_is_refreshed_and_written_back_atomically(
        self, api: API, fake: FakeIRI, token_file: Path
    ) -> None:
        # Given a token file whose access token is about to expire
        before = stored(token_file)
        inode = token_file.stat().st_ino

        # When files are listed twice
        await api(*FILES, params={"path": HOME})
        await api(*FILES, params={"path": HOME})

        # Then Globus was asked once, and the new pair replaced the file by rename, mode 0600
        after = stored(token_file)
        assert len(fake.token_requests) == 1
        assert fake.token_requests[0]["grant_type"] == "refresh_token"
        assert after["access_token"] != before["access_token"]
        assert after["refresh_token"] != before["refresh_token"]  # rotated by Globus
        assert after["expires_at_seconds"] > time.time() + 47 * 3600
        assert after["scope"] == "iri"  # the rest of the record is kept
        assert json.loads(token_file.read_text())["data"]["DEFAULT"]["auth.globus.org"]
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token_file.stat().st_ino != inode
        assert sorted(p.name for p in token_file.parent.iterdir()) == ["tokens.json"]


class TestExpiredAccessTokenInThePythonAPI:
    @pytest.fixture
    def access_ttl(self) -> float:
        return -60.0  # expired a minute ago: the API refuses it too

    async def test_one_call_refreshes_and_writes_back_unnoticed(
        self, kernel_env: Any, fake: FakeIRI, token_file: Path
    ) -> None:
        # Given a kernel whose facility's token file holds an expired access token
        before = stored(token_file)
        with HPCClient() as client:
            hpc = HPC(client, "alcf")  # asks the server nothing yet

            # When the notebook makes one call
            listing = await asyncio.to_thread(hpc.ls, HOME)

            # Then the call simply worked: Globus was asked once, the new pair is in the file
            assert listing.path == HOME
            assert len(fake.token_requests) == 1
            after = stored(token_file)
            assert after["access_token"] != before["access_token"]
            assert after["access_token"] in fake.tokens
            assert after["refresh_token"] in fake.refresh_tokens  # the rotated one
            assert after["expires_at_seconds"] > time.time() + 47 * 3600
            assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
            assert sorted(p.name for p in token_file.parent.iterdir()) == ["tokens.json"]

            # When the API later refuses that token mid-session, and the notebook submits a job
            fake.revoke_all()
            job = await asyncio.to_thread(hpc.submit, "#!/bin/bash\necho hi\n", name="again")

            # Then the submission went through once, after a second unnoticed refresh
            assert job.info.state is JobState.PENDING  # as submitted (`.state` would ask again)
            assert list(fake.jobs) == [job.id]
            assert len(fake.token_requests) == 2
            assert stored(token_file)["access_token"] in fake.tokens


class TestRefreshTokenFromConfig:
    @pytest.fixture
    def hpc_facilities(
        self, iri_options: dict[str, Any], fake: FakeIRI, tmp_path: Path
    ) -> dict[str, Any]:
        _, refresh = fake.new_pair()
        secret = tmp_path / "secrets" / "iri-refresh-token"
        secret.parent.mkdir()
        secret.write_text(refresh + "\n")
        secret.chmod(0o600)
        auth = {
            "refresh_token": {"file": str(secret)},
            "client_id": CLIENT_ID,
            "auth_url": fake.url + "/auth",
        }
        return {"alcf": iri_options | {"auth": auth}}

    async def test_is_refreshed_with_globus_and_kept_in_memory_only(
        self, api: API, fake: FakeIRI, issued: set[str], tmp_path: Path, token_file: Path
    ) -> None:
        # Given a refresh token in a private file (no access token yet), and what is on disk
        secret = tmp_path / "secrets" / "iri-refresh-token"
        configured = secret.read_text().strip()
        secret_stat = secret.stat()
        token_file_text = token_file.read_text()
        known = set(issued)

        # When files are listed, the API then refuses the access token, and files are listed again
        first = await api(*FILES, params={"path": HOME})
        fake.revoke_all()
        second = await api(*FILES, params={"path": HOME})
        described = await api("facilities", "alcf")

        # Then both worked: Globus was asked first with the configured refresh token, then with
        # the one it rotated to, which only the server's memory held
        assert first["path"] == second["path"] == HOME
        assert described["auth"] == {"status": "ok", "message": None}
        grants = fake.token_requests
        assert [g["grant_type"] for g in grants] == ["refresh_token", "refresh_token"]
        assert {g["client_id"] for g in grants} == {CLIENT_ID}
        assert grants[0]["refresh_token"] == configured
        assert grants[1]["refresh_token"] not in (configured, "")
        assert grants[1]["refresh_token"] in issued

        # And nothing was written back: the secret file and the token file are untouched, and
        # no token Globus gave is in any file under the test's directories (HOME included)
        assert secret.read_text().strip() == configured
        assert secret.stat().st_mtime_ns == secret_stat.st_mtime_ns
        assert token_file.read_text() == token_file_text
        new = issued - known
        assert len(new) == 4  # two access and two refresh tokens
        for path in tmp_path.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for token in new:
                    assert token.encode() not in content, path


async def test_refused_token_is_refreshed_and_the_call_retried_once(
    api: API, fake: FakeIRI, token_file: Path
) -> None:
    # Given a first call with a good token, then the API stops accepting it
    await api(*FILES, params={"path": HOME})
    fake.revoke_all()
    before = len(fake.requests)

    # When the next call is made
    listing = await api(*FILES, params={"path": HOME})

    # Then it got a 401, a fresh token from Globus, and succeeded on its one retry
    assert listing["path"] == HOME
    assert len(fake.token_requests) == 1
    api_calls = [(m, p, a) for m, p, a in fake.requests[before:] if p.startswith("/api/")]
    assert api_calls[0][:2] == api_calls[1][:2]  # the same request, sent again
    assert api_calls[0][2] != api_calls[1][2]  # with the new token
    assert stored(token_file)["access_token"] in fake.tokens


async def test_a_403_is_retried_once_with_a_fresh_token(api: API, fake: FakeIRI) -> None:
    # Given the API answering 403 once (a token without the right scope any more)
    fake.fail(
        "POST",
        "/compute/status/",
        403,
        {"type": "about:blank", "status": 403, "instance": "x", "detail": "Forbidden"},
    )

    # When jobs are listed
    listing = await api("facilities", "alcf", "jobs")

    # Then the call succeeded after one refresh
    assert listing["jobs"] == []
    assert len(fake.token_requests) == 1


async def test_expired_login_fails_every_call_with_one_clear_message(
    api: API, fake: FakeIRI, token_file: Path
) -> None:
    # Given the access token revoked and Globus refusing the refresh token (older than 7 days)
    fake.revoke_all()
    fake.refresh_tokens.clear()

    # When files are listed twice, jobs once, and the facility is described
    first = await expect_error(api(*FILES, params={"path": HOME}), 401)
    second = await expect_error(api(*FILES, params={"path": HOME}), 401)
    jobs = await expect_error(api("facilities", "alcf", "jobs"), 401)
    described = await api("facilities", "alcf")

    # Then each says the same: log in again, how; Globus was asked only once
    assert first["reason"] == "facility_auth"
    assert "has expired" in first["message"]
    assert "authenticate --force" in first["message"]
    assert str(token_file) in first["message"]
    assert second["message"] == first["message"] == jobs["message"]
    assert described["auth"]["status"] == "expired"
    assert described["auth"]["message"] == first["message"]
    assert len(fake.token_requests) == 1

    # And once the user logged in again (the helper rewrote the file), calls work again
    access, refresh = fake.new_pair()
    write_token_file(token_file, access, refresh, time.time() + 48 * 3600)
    listing = await api(*FILES, params={"path": HOME})
    assert listing["path"] == HOME


class TestStaticToken:
    @pytest.fixture
    def hpc_facilities(
        self, iri_options: dict[str, Any], fake: FakeIRI, monkeypatch: pytest.MonkeyPatch
    ) -> dict[str, Any]:
        access, _ = fake.new_pair()
        monkeypatch.setenv("IRI_TEST_TOKEN", access)
        return {"alcf": iri_options | {"auth": {"env": "IRI_TEST_TOKEN"}}}

    async def test_bearer_token_from_the_environment(self, api: API, fake: FakeIRI) -> None:
        # Given a facility whose token comes from an environment variable (the fixture's)
        # When files are listed, and then the token is revoked
        listing = await api(*FILES, params={"path": HOME})
        fake.revoke_all()
        refused = await expect_error(api(*FILES, params={"path": HOME}), 401)

        # Then the first works; the refusal names where the token comes from, not the token
        assert listing["path"] == HOME
        assert "environment variable IRI_TEST_TOKEN" in refused["message"]
        assert fake.token_requests == []


async def test_no_token_appears_in_responses_logs_reprs_or_errors(
    api: API, fake: FakeIRI, token_file: Path, hpc_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given every log at debug level, and the tokens the file starts with
    caplog.set_level(logging.DEBUG)
    secrets = {stored(token_file)["access_token"], stored(token_file)["refresh_token"]}
    bodies: list[str] = []

    # When calls succeed, a token is refused and refreshed, and finally the login expires
    bodies.append(json.dumps(await api("facilities", "alcf")))
    bodies.append(json.dumps(await api(*FILES, params={"path": HOME})))
    fake.revoke_all()
    bodies.append(json.dumps(await api(*FILES, params={"path": HOME})))
    secrets |= {stored(token_file)["access_token"], stored(token_file)["refresh_token"]}
    fake.revoke_all()
    fake.refresh_tokens.clear()
    bodies.append(json.dumps(await expect_error(api(*FILES, params={"path": HOME}), 401)))
    bodies.append(json.dumps(await api("facilities", "alcf")))
    facility = hpc_app.registry.get("alcf")
    with pytest.raises(FacilityAuthError) as info:
        await facility.provider.token()
    error = info.value

    # Then no token is in any of them
    shown = [
        *bodies,
        caplog.text,
        repr(facility),
        repr(facility.provider),
        repr(facility.settings),
        repr(facility.client),
        repr(facility.provider._pair),
        str(error),
        repr(error),
    ]
    assert len(secrets) == 4
    for text in shown:
        for secret in secrets:
            assert secret not in text, text
