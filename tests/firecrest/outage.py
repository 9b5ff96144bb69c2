"""A FirecREST facility that really goes down and comes back: its double stops and restarts.

Test modules import the fixtures they use from here (`outage`, `hpc_facilities`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from double_fixtures import facility_options
from fake_firecrest import CLIENT_SECRET, FakeFirecrest, FirecrestHandler, start_fake
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

FACILITY = "alps"
POLL_INTERVAL = 1.0


class Outage:
    """The FirecREST v2 double (jobs only, no S3) on a fixed port that can be taken away."""

    def __init__(self, fake: FakeFirecrest, server: HTTPServer) -> None:
        self.fake = fake
        self.server: HTTPServer | None = server
        self.port = int(fake.url.rsplit(":", 1)[1])

    async def down(self) -> None:
        """Stop listening and drop every open connection: requests are refused from now on."""
        assert self.server is not None
        self.server.stop()
        await self.server.close_all_connections()
        self.server = None

    def up(self) -> None:
        """Listen again on the same port, with the same state (jobs, tokens)."""
        assert self.server is None
        app = web.Application([(r"/.*", FirecrestHandler, {"fake": self.fake})])
        self.server = HTTPServer(app)
        self.server.add_sockets(bind_sockets(self.port, "127.0.0.1"))

    def add_job(self, name: str = "sim") -> str:
        """A running job at the facility; its id."""
        return self.fake.start_job(f"#SBATCH --job-name={name}\n", "/home", {}, "batch").id


@pytest.fixture
def outage(tmp_path: Path, jp_asyncio_loop: Any) -> Iterator[Outage]:
    """The double, up; stopped for good after the test."""
    fake = FakeFirecrest(root=tmp_path / "remote", s3=None, s3_url="")
    double = Outage(fake, jp_asyncio_loop.run_until_complete(start_fake(fake)))
    yield double
    if double.server is not None:
        jp_asyncio_loop.run_until_complete(double.down())
    assert fake.problems == [], fake.problems


@pytest.fixture
def hpc_facilities(outage: Outage) -> dict[str, Any]:
    options = facility_options(outage.fake, CLIENT_SECRET)
    return {FACILITY: {**options, "timeout": 5, "poll_interval": POLL_INTERVAL}}
