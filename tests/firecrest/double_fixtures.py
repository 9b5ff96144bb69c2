"""Fixtures of the FirecREST doubles and moto's S3 (a plugin of tests/conftest.py); a facility."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.firecrest.fake_firecrest import (
    BUCKET,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeFirecrest,
    start_fake,
)
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1, start_fake_v1

FACILITY = "alps"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 API on a free local port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server: str) -> Any:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="f7t-local-access-key",
        aws_secret_access_key="f7t-local-secret-key",
    )
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        client.create_bucket(Bucket=BUCKET)
    return client


def _running(double: Any, start: Any, loop: Any) -> Iterator[Any]:
    """Serve `double` for one test; fail the test if any request broke the spec."""
    server = loop.run_until_complete(start(double))
    yield double
    server.stop()
    loop.run_until_complete(server.close_all_connections())
    assert double.problems == [], double.problems


@pytest.fixture
def fake(tmp_path: Path, s3: Any, s3_server: str, jp_asyncio_loop: Any) -> Iterator[FakeFirecrest]:
    """The running FirecREST v2 double."""
    double = FakeFirecrest(root=tmp_path / "remote", s3=s3, s3_url=s3_server)
    yield from _running(double, start_fake, jp_asyncio_loop)


@pytest.fixture
def fake_v1(
    tmp_path: Path, s3: Any, s3_server: str, jp_asyncio_loop: Any
) -> Iterator[FakeFirecrestV1]:
    """The running FirecREST v1 double."""
    double = FakeFirecrestV1(root=tmp_path / "remote", s3=s3, s3_url=s3_server)
    yield from _running(double, start_fake_v1, jp_asyncio_loop)


@pytest.fixture
def client_secret() -> str:
    return CLIENT_SECRET


def facility_options(fake: FakeFirecrest, client_secret: str) -> dict[str, Any]:
    """The configuration of a `firecrest` facility on the double (v1 on the v1 double)."""
    version = {"api_version": 1} if isinstance(fake, FakeFirecrestV1) else {}
    return {
        **version,
        "kind": "firecrest",
        "url": fake.url,
        "token_url": fake.url + "/auth/token",
        "client_id": CLIENT_ID,
        "client_secret": {"value": client_secret},
        "timeout": 10,
        "max_retry_after": 2,
    }


@pytest.fixture
def double(request: pytest.FixtureRequest) -> FakeFirecrest:
    """The double a test runs against: v2's, unless the test is marked `ON_V1` or `ON_BOTH`."""
    chosen: FakeFirecrest = request.getfixturevalue(getattr(request, "param", "fake"))
    return chosen


ON_V1 = pytest.mark.parametrize("double", ["fake_v1"], ids=["v1"], indirect=True)
"""Run a test (or, as `pytestmark`, a module) against the FirecREST v1 double."""
ON_BOTH = pytest.mark.parametrize("double", ["fake", "fake_v1"], ids=["v2", "v1"], indirect=True)
"""Run a test against the v2 double, then the v1 double."""
