"""Two Jupyter servers of one user on one data dir: the local facility's jobs stay whole.

One server is the test's own (pytest-jupyter), the other a real `jupyter server` subprocess.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    FINAL,
    JOBS,
    expect_error,
    process_alive,
    submit,
    wait_for_state,
    wait_until,
)
from tests.server_process import ServerProcess, jupyter_server

API = Callable[..., Awaitable[Any]]
PER_SERVER = 15


ROOMY = {"local": {"kind": "local", "max_running": 2 * PER_SERVER}}
"""Slots for every job at once: each server then starts all pending jobs it sees."""
STRICT = {"allow_unauthenticated_access": False}
"""As the test's own server: every handler asks for the token."""


@pytest.fixture
def same_root_server(
    tmp_path: Path, jp_root_dir: Path, hpc_data_dir: Path
) -> Iterator[ServerProcess]:
    """A second server on the test server's root and data dir."""
    config = {"data_dir": str(hpc_data_dir), "facilities": ROOMY}
    with jupyter_server(tmp_path / "second", config, root=jp_root_dir, server_app=STRICT) as server:
        yield server


async def wait_all_ended(api: API, ids: set[str], timeout: float = 45.0) -> dict[str, Any]:
    """Poll the listing until every job of `ids` has ended; return them by id."""
    deadline = time.monotonic() + timeout
    while True:
        listed = {job["id"]: job for job in (await api(*JOBS))["jobs"] if job["id"] in ids}
        if len(listed) == len(ids) and all(job["state"] in FINAL for job in listed.values()):
            return listed
        states = sorted(job["state"] for job in listed.values())
        assert time.monotonic() < deadline, f"not all ended: {len(listed)} listed, {states}"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("hpc_facilities", [ROOMY])
async def test_each_job_starts_exactly_once_with_two_servers_on_one_store(
    api: API, same_root_server: ServerProcess, jp_root_dir: Path
) -> None:
    # Given two servers of one user on one root and one job store, and jobs that take a
    # moment, so that a queue builds up that both servers see
    script = 'sleep 0.3\necho "$SLURM_JOB_ID" >> ran.txt\n'

    # When each of them gets 15 submissions at the same time
    ours = [submit(api, script) for _ in range(PER_SERVER)]
    theirs = [
        same_root_server.call(*JOBS, method="POST", body={"script": script})
        for _ in range(PER_SERVER)
    ]
    jobs = await asyncio.gather(*ours, *theirs)
    ids = {job["id"] for job in jobs}
    assert len(ids) == 2 * PER_SERVER  # one store: ids never collide

    # Then every job ends COMPLETED, as both servers see it
    ended = await wait_all_ended(api, ids)
    assert {job["state"] for job in ended.values()} == {"COMPLETED"}, ended
    ended = await wait_all_ended(same_root_server.call, ids)
    assert {job["state"] for job in ended.values()} == {"COMPLETED"}, ended

    # and each script ran exactly once
    ran = Counter((jp_root_dir / "ran.txt").read_text().split())
    twice = sorted(job_id for job_id, times in ran.items() if times > 1)
    assert not twice, f"{len(twice)} of {len(ids)} jobs ran more than once"
    assert set(ran) == ids


# -- a second working directory -----------------------------------------------------------


@pytest.fixture
def hpc_facilities() -> dict[str, Any]:
    # Room for the first root's long job and this root's own.
    return {"local": {"kind": "local", "max_running": 4}}


@pytest.fixture
def first_root(tmp_path: Path) -> Path:
    root = tmp_path / "first-root"
    root.mkdir()
    return root


async def test_a_server_in_another_folder_lists_follows_and_leaves_the_other_roots_jobs(
    api: API,
    tmp_path: Path,
    first_root: Path,
    jp_root_dir: Path,
    hpc_data_dir: Path,
) -> None:
    # Given a server started in a first folder, with one slot, where the user ran a job,
    # started a long one, and left a third pending behind it; then that server stopped
    one_slot = {"local": {"kind": "local", "max_running": 1}}
    config = {"data_dir": str(hpc_data_dir), "facilities": one_slot}
    with jupyter_server(tmp_path / "first", config, root=first_root, server_app=STRICT) as first:
        done = await first.call(*JOBS, method="POST", body={"script": "echo from the first\n"})
        await wait_remote(first, done["id"], {"COMPLETED"})
        long = await first.call(
            *JOBS, method="POST", body={"script": "echo $$ > long.pid\nsleep 120\n"}
        )
        await wait_remote(first, long["id"], {"RUNNING"})
        waiting = await first.call(*JOBS, method="POST", body={"script": "touch ran-here\n"})
        assert waiting["state"] == "PENDING"

    # When the user works in another folder (this test's server) on the same data dir
    listing = await api(*JOBS)

    # Then the listing answers, with the first folder's jobs and their paths shown absolute
    jobs = {job["id"]: job for job in listing["jobs"]}
    first_real = first_root.resolve()
    assert jobs[done["id"]]["state"] == "COMPLETED"
    assert jobs[done["id"]]["workdir"] == str(first_real)
    assert jobs[done["id"]]["stdout"] == str(first_real / f"slurm-{done['id']}.out")
    assert jobs[long["id"]]["state"] == "RUNNING"
    assert jobs[waiting["id"]]["state"] == "PENDING"
    assert str(first_real) in jobs[waiting["id"]]["reason"]

    # And a job of this folder runs and completes here, while the other folder's pending
    # job (older, so first in line) is not run by this server
    mine = await submit(api, "pwd\n")
    assert mine["workdir"] == "."
    finished = await wait_for_state(api, mine["id"], {"COMPLETED"})
    assert finished["stdout"] == f"slurm-{mine['id']}.out"
    assert (jp_root_dir / f"slurm-{mine['id']}.out").read_text() == f"{jp_root_dir.resolve()}\n"
    still = await api(*JOBS, waiting["id"])
    assert still["state"] == "PENDING", still
    assert not (first_root / "ran-here").exists()
    assert not (jp_root_dir / "ran-here").exists()

    # And the first folder's log cannot be read from here: a clear 403 naming where it ran
    error = await expect_error(api(*JOBS, done["id"], "output"), 403)
    assert str(first_real) in error["message"]

    # And it may hold and release the other folder's pending job, which still waits for its own
    held = await api(*JOBS, waiting["id"], "hold", method="POST", body="{}")
    assert (held["state"], held["reason"]) == ("PENDING", "JobHeldUser")
    released = await api(*JOBS, waiting["id"], "release", method="POST", body="{}")
    assert released["state"] == "PENDING"
    assert str(first_real) in released["reason"]

    # And this server may still cancel the user's jobs of the other folder
    assert await wait_until(lambda: bool(read_text(first_root / "long.pid")))
    shell = int(read_text(first_root / "long.pid"))
    cancelled = await api(*JOBS, long["id"], method="DELETE")
    assert cancelled["state"] == "CANCELLED"
    assert await wait_until(lambda: not process_alive(shell), 10), "the job still runs"
    cancelled = await api(*JOBS, waiting["id"], method="DELETE")
    assert cancelled["state"] == "CANCELLED"


async def wait_remote(server: ServerProcess, job_id: str, states: set[str]) -> Any:
    """Poll a job of the second server until its state is one of `states`."""
    deadline = time.monotonic() + 30
    while (job := await server.call(*JOBS, job_id))["state"] not in states:
        assert job["state"] not in FINAL, job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.1)
    return job


def read_text(path: Path) -> str:
    """A file's text, empty while it does not exist."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""
