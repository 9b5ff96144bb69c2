"""Head/tail, checksum and chown of a `firecrest` facility through the REST API and the double."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tests.firecrest.fake_firecrest import USER, FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"
LOG = "".join(f"step {n}\n" for n in range(1, 31))


async def test_head_tail_and_checksum_come_from_firecrest(api: API, fake: FakeFirecrest) -> None:
    # Given a log file on the system
    (fake.local(HOME) / "run.log").write_text(LOG)
    path = f"{HOME}/run.log"

    # When the client asks for its ends and its checksum
    head = await api(*FILES, "head", params={"path": path, "lines": "2"})
    tail = await api(*FILES, "tail", params={"path": path})
    digest = await api(*FILES, "checksum", params={"path": path})
    facility = await api("facilities", "alps")

    # Then FirecREST's head, tail and checksum answered them
    assert head == {"data": "step 1\nstep 2\n", "lines": 2, "truncated": False}
    assert tail["data"] == "".join(f"step {n}\n" for n in range(21, 31))
    assert tail["lines"] == 10
    assert digest == {"algorithm": "sha256", "checksum": hashlib.sha256(LOG.encode()).hexdigest()}
    called = {path.rsplit("/", 1)[-1] for _, path, _ in fake.requests}
    assert {"head", "tail", "checksum"} <= called
    assert {"files.head_tail", "files.checksum", "files.chown"} <= set(facility["capabilities"])


async def test_chown_and_its_refusal(api: API, fake: FakeFirecrest) -> None:
    # Given a file of the FirecREST user
    (fake.local(HOME) / "a.txt").write_text("a")
    path = f"{HOME}/a.txt"

    # When it is given to the user's own group, then to somebody else
    owned = await api(*FILES, "chown", method="POST", body={"path": path, "group": USER})
    refused = await expect_error(
        api(*FILES, "chown", method="POST", body={"path": path, "owner": "root"}), 403
    )
    missing = await expect_error(api(*FILES, "head", params={"path": f"{HOME}/nope"}), 404)

    # Then the first works, and FirecREST's refusal is a 403 that says why
    assert (owned["path"], owned["user"], owned["group"]) == (path, USER, USER)
    assert "Operation not permitted" in refused["message"]
    assert missing["reason"] == "not_found"
