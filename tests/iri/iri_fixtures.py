"""Fixtures imported by the IRI test modules: the double, a Globus token file, a facility."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_iri import CLIENT_ID, HOME, RESOURCE_SERVER, STORAGE_ID, FakeIRI, start_fake

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


def write_token_file(path: Path, access: str, refresh: str, expires_at: float) -> None:
    """A token file as globus-sdk's JSON storage (what ALCF's helper writes), mode 0600."""
    data = {
        "globus-sdk.version": "3.54.0",
        "format_version": "2.0",
        "data": {
            "DEFAULT": {
                "auth.globus.org": {
                    "resource_server": "auth.globus.org",
                    "identity_id": "9f3c",
                    "scope": "openid profile",
                    "access_token": "auth-access-not-ours",
                    "refresh_token": "auth-refresh-not-ours",
                    "expires_at_seconds": int(time.time()) + 3600,
                    "token_type": "Bearer",
                },
                RESOURCE_SERVER: {
                    "resource_server": RESOURCE_SERVER,
                    "identity_id": "9f3c",
                    "scope": "iri",
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_at_seconds": int(expires_at),
                    "token_type": "Bearer",
                },
            }
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)


def stored(path: Path) -> dict[str, Any]:
    """The IRI entry of a token file."""
    entry: dict[str, Any] = json.loads(path.read_text())["data"]["DEFAULT"][RESOURCE_SERVER]
    return entry


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
def kernel_env(hpc_app: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A listening server, and a kernel's environment as the server would start it."""
    monkeypatch.delenv("HPC_JUPYTER_URL", raising=False)
    monkeypatch.delenv("HPC_JUPYTER_TOKEN", raising=False)
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    return hpc_app


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
