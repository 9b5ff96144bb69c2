"""Tokens, rate limits, time limits and the spec check of a FirecREST v1 facility."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.firecrest.double_fixtures import ON_V1
from tests.firecrest.fake_firecrest_v1 import CLIENT_SECRET, FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"
LS = "/utilities/ls"


pytestmark = ON_V1


async def test_expired_token_is_renewed_once_and_never_shown(
    api: API, fake_v1: FakeFirecrestV1, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a first call made with a token
    first = await api(*FILES, params={"path": HOME})

    # When every token expires (the gateway answers {"exp": "token expired"}) and several
    # calls run at once, one of them a job submission
    fake_v1.expire_tokens()
    results = await asyncio.gather(
        *(api(*FILES, params={"path": HOME}) for _ in range(4)),
        api("facilities", "alps", "jobs", method="POST", body={"script": "#!/bin/bash -l\n"}),
    )

    # Then all succeed, with one new token for all of them, and no token or secret is shown
    assert all(result["path"] == HOME for result in results[:4])
    assert results[4]["state"] == "RUNNING"
    assert len(fake_v1.token_requests) == 2
    shown = json.dumps([first, *results]) + caplog.text
    assert CLIENT_SECRET not in shown
    assert fake_v1.tokens and not any(token in shown for token in fake_v1.tokens)


async def test_copy_stopped_at_the_time_limit_leaves_nothing(
    api: API, fake_v1: FakeFirecrestV1
) -> None:
    # Given a file, and a cluster whose `cp` is killed at v1's command time limit
    (fake_v1.local(HOME) / "big.dat").write_bytes(b"x" * 1000)
    fake_v1.slow_copies = True

    # When the file is copied
    body = await expect_error(
        api(
            *FILES,
            "copy",
            method="POST",
            body={"source": f"{HOME}/big.dat", "target": f"{HOME}/c.dat"},
        ),
        504,
    )

    # Then the user is told why, and the half-written copy is gone
    assert "time limit" in body["message"]
    assert not fake_v1.local(f"{HOME}/c.dat").exists()
    assert fake_v1.local(f"{HOME}/big.dat").stat().st_size == 1000


async def test_unknown_system_and_missing_file_are_4xx(api: API) -> None:
    missing = await expect_error(api(*FILES, "content", params={"path": f"{HOME}/nope.txt"}), 404)
    mars = await expect_error(api(*FILES, params={"path": HOME, "system": "mars"}), 404)
    assert "No such file" in missing["message"]
    assert "mars" in mars["message"]


async def test_the_double_refuses_requests_the_v1_spec_does_not_allow(
    fake_v1: FakeFirecrestV1, api: API
) -> None:
    # Given a valid token from the double
    await api(*FILES, params={"path": HOME})
    token = next(iter(fake_v1.tokens))
    auth = {"Authorization": f"Bearer {token}"}

    # When requests break the spec: no system header, no target path, a bad parameter type
    async with httpx.AsyncClient(base_url=fake_v1.url, headers=auth) as http:
        no_machine = await http.get(LS, params={"targetPath": HOME})
        no_target = await http.post("/utilities/mkdir", headers={"X-Machine-Name": "cluster"})
        fine = await http.post(
            "/utilities/mkdir",
            headers={"X-Machine-Name": "cluster"},
            data={"targetPath": f"{HOME}/ok"},
        )
    found = list(fake_v1.problems)
    fake_v1.problems.clear()

    # Then the double refuses and records each one, and accepts the valid form
    assert (no_machine.status_code, no_target.status_code, fine.status_code) == (400, 400, 201)
    assert len(found) == 2
    assert "X-Machine-Name" in found[0]
    assert found[1].startswith("POST /utilities/mkdir")


async def test_server_error_is_a_502_in_firecrests_words(
    api: API, fake_v1: FakeFirecrestV1
) -> None:
    # Given FirecREST failing one listing with an unhandled error
    fake_v1.fail("GET", LS, 500, {"description": "Internal Server Error: ssh connection lost"})

    # When the client lists, then lists again
    body = await expect_error(api(*FILES, params={"path": HOME}), 502)
    listing = await api(*FILES, params={"path": HOME})

    # Then the failure is FirecREST's, said plainly, and the next call works
    assert body["reason"] == "facility_error"
    assert "HTTP 500" in body["message"] and "ssh connection lost" in body["message"]
    assert listing["path"] == HOME


async def test_move_stopped_at_the_time_limit_removes_nothing(
    api: API, fake_v1: FakeFirecrestV1
) -> None:
    # Given a file, and a `mv` across filesystems killed at v1's command time limit
    (fake_v1.local(HOME) / "data.bin").write_bytes(b"x" * 1000)
    timeout = {"X-Timeout": "Command has finished with timeout signal"}
    fake_v1.fail(
        "PUT", "/utilities/rename", 400, {"description": "Error on rename operation"}, timeout
    )

    # When the file is moved to scratch
    body = await expect_error(
        api(
            *FILES,
            "move",
            method="POST",
            body={"source": f"{HOME}/data.bin", "target": "/scratch/data.bin"},
        ),
        504,
    )

    # Then the user is told to check both places, and nothing was deleted on a guess
    assert "time limit" in body["message"] and "/scratch/data.bin" in body["message"]
    assert fake_v1.local(f"{HOME}/data.bin").stat().st_size == 1000
    assert not any(path == "/utilities/rm" for _, path, _ in fake_v1.requests)
