"""Head/tail, checksum and chown of an `iri` facility through the REST API and the double."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tests.helpers import expect_error
from tests.iri.fake_iri import HOME, FakeIRI

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "alcf", "files")
LOG = "".join(f"step {n}\n" for n in range(1, 31))


async def test_head_tail_checksum_and_chown_are_polled_tasks(api: API, fake: FakeIRI) -> None:
    # Given a log file on the storage resource
    (fake.root / "run.log").write_text(LOG)
    path = f"{HOME}/run.log"

    # When the client asks for its ends and checksum, and sets its group
    head = await api(*FILES, "head", params={"path": path, "lines": "2"})
    tail = await api(*FILES, "tail", params={"path": path, "lines": "3"})
    digest = await api(*FILES, "checksum", params={"path": path})
    owned = await api(*FILES, "chown", method="POST", body={"path": path, "group": "iriuser"})
    facility = await api("facilities", "alcf")

    # Then each came from an IRI filesystem task
    assert head == {"data": "step 1\nstep 2\n", "lines": 2, "truncated": False}
    assert tail == {"data": "step 28\nstep 29\nstep 30\n", "lines": 3, "truncated": False}
    assert digest == {"algorithm": "sha256", "checksum": hashlib.sha256(LOG.encode()).hexdigest()}
    assert (owned["path"], owned["group"]) == (path, "iriuser")
    called = {path.split("/")[4] for _, path, _ in fake.requests if "/filesystem/" in path}
    assert {"head", "tail", "checksum", "chown"} <= called
    assert {"files.head_tail", "files.checksum", "files.chown"} <= set(facility["capabilities"])


async def test_checksum_of_a_missing_file_is_404(api: API, fake: FakeIRI) -> None:
    missing = await expect_error(api(*FILES, "checksum", params={"path": f"{HOME}/nope"}), 404)

    assert missing["reason"] == "not_found"
