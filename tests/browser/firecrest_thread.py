"""The FirecREST v2 double for a browser test: served from a thread, and it can go down.

A browser test drives Playwright's synchronous API in the test's own thread, while
JupyterLab runs in another process: the double (`tests/firecrest`) needs an event loop of
its own. `tests/firecrest/outage.py`'s `Outage` stops and restarts it on the same port; here
each of its steps, and every change to the double's state, runs on the double's thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from tests.firecrest.double_fixtures import facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest, start_fake
from tests.firecrest.outage import Outage

__all__ = ["CLIENT_SECRET", "ThreadedFirecrest"]
T = TypeVar("T")


class ThreadedFirecrest:
    """The FirecREST v2 double (jobs and files, no S3) on a port of its own, in a thread."""

    def __init__(self, root: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fake-firecrest", daemon=True
        )
        self._thread.start()
        fake = FakeFirecrest(root=root, s3=None, s3_url="")
        server = self._run(start_fake(fake))
        self._outage = Outage(fake, server)

    @property
    def fake(self) -> FakeFirecrest:
        """The double's state (read it only; change it through `call`)."""
        return self._outage.fake

    def facility(self, **options: Any) -> dict[str, Any]:
        """The configuration of a `firecrest` facility on this double."""
        return {**facility_options(self.fake, CLIENT_SECRET), **options}

    def call(self, change: Callable[[], T]) -> T:
        """Run `change` on the double's thread, between two requests it serves; its result."""

        async def run() -> T:
            return change()

        return self._run(run())

    def add_job(self, name: str) -> str:
        """A running job at the facility; its id."""
        return self.call(lambda: self._outage.add_job(name))

    def down(self) -> None:
        """The facility goes down: connections are refused from now on."""
        self._run(self._outage.down())

    def up(self) -> None:
        """The facility is back on the same port, with the same jobs and tokens."""
        self.call(self._outage.up)

    def close(self) -> None:
        """Stop serving and end the thread; fail if a request broke FirecREST's spec."""
        if self._outage.server is not None:
            self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        assert self.fake.problems == [], self.fake.problems

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(10)
