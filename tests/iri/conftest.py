"""Fixtures of the IRI tests: the double, a Globus token file, a facility."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.iri.fake_iri import CLIENT_ID, HOME, STORAGE_ID, FakeIRI, start_fake
from tests.iri.token_files import write_token_file

FACILITY = "alcf"


@pytest.fixture
def fake(tmp_path: Path, jp_asyncio_loop: Any) -> Iterator[FakeIRI]:
    """The running double; fails the test if any request broke the spec."""
    root = tmp_path / "storage"
    root.mkdir()
    double = FakeIRI(root=root)
    server = jp_asyncio_loop.run_until_complete(start_fake(double))
    yield double
    server.stop()
    jp_asyncio_loop.run_until_complete(server.close_all_connections())
    assert double.problems == [], double.problems


@pytest.fixture
def access_ttl() -> float:
    """Seconds the access token in the token file has left (override to start expired)."""
    return 48 * 3600


@pytest.fixture
def token_file(tmp_path: Path, fake: FakeIRI, access_ttl: float) -> Path:
    path = tmp_path / ".globus" / "app" / CLIENT_ID / "hpc-jupyter" / "tokens.json"
    access, refresh = fake.new_pair(ttl=access_ttl)
    write_token_file(path, access, refresh, time.time() + access_ttl)
    return path


@pytest.fixture
def iri_options(fake: FakeIRI, token_file: Path) -> dict[str, Any]:
    return {
        "kind": "iri",
        "url": fake.url + "/api/v1",
        "compute_resource": "compute nodes",
        "storage_resource": STORAGE_ID,
        "home": HOME,
        "queue": "debug",
        "account": "proj123",
        "filesystems": "home:eagle",
        "auth": {"token_file": str(token_file), "auth_url": fake.url + "/auth"},
        "task_timeout": 10,
        "max_retry_after": 1,
    }


@pytest.fixture
def hpc_facilities(iri_options: dict[str, Any]) -> dict[str, Any]:
    return {FACILITY: iri_options}


@pytest.fixture
def issued(fake: FakeIRI, token_file: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every access and refresh token the double hands out, from the token file's first pair on."""
    secrets = set(fake.tokens) | fake.refresh_tokens
    secrets |= {"auth-access-not-ours", "auth-refresh-not-ours"}  # the file's other tokens
    hand_out = fake.new_pair

    def new_pair(ttl: float | None = None) -> tuple[str, str]:
        pair = hand_out(ttl)
        secrets.update(pair)
        return pair

    monkeypatch.setattr(fake, "new_pair", new_pair)
    return secrets
