"""A FirecREST facility that really goes down and comes back: its double stops and restarts."""

from __future__ import annotations

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tests.firecrest.fake_firecrest import FakeFirecrest, FirecrestHandler

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
