"""The IRI double (tests/iri, which also plays Globus Auth) for a browser test, in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.iri.fake_iri import FakeIRI, start_fake


@contextmanager
def served_iri(home: Path) -> Iterator[FakeIRI]:
    """The double with `home` as the user's home, served from its own thread; on exit, fails
    the test on a request off spec."""
    double = FakeIRI(root=home)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-iri", daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start_fake(double), loop).result(10)
    try:
        yield double
    finally:
        loop.call_soon_threadsafe(server.stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
    assert double.problems == [], double.problems
