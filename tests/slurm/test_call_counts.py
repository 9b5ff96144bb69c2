"""How many slurmrestd calls a cancel and a facility's info make, on real Slurm 22.05 (issue 15).

A counting proxy (`tests/fault_proxy.py`, no faults injected) stands between the server and
slurmrestd and records every request line.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.fault_proxy import FaultProxy
from tests.helpers import expect_error
from tests.slurm.slurm_helpers import wait_for_state
from tests.slurm_fixtures import Cluster, slurmrestd_facility

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "slurm", "jobs")


@pytest.fixture
def proxy(slurm_cluster: Cluster, jp_asyncio_loop: Any) -> Iterator[FaultProxy]:
    with FaultProxy.on_loop(jp_asyncio_loop, slurm_cluster.url) as started:
        yield started


@pytest.fixture
def hpc_facilities(slurm_cluster: Cluster, proxy: FaultProxy) -> dict[str, Any]:
    # A listing is reused for 10 s: long enough for the polls of a test to follow one.
    return {"slurm": slurmrestd_facility(slurm_cluster, url=proxy.url, poll_interval=10)}


@pytest.fixture
def job_name(slurm_cluster: Cluster) -> Iterator[str]:
    name = f"calls-{uuid.uuid4().hex[:10]}"
    yield name
    with contextlib.suppress(subprocess.CalledProcessError):
        slurm_cluster.run_as(slurm_cluster.user, "scancel", "--name", name)


def waiting_job(cluster: Cluster, name: str) -> str:
    """A job of the user's, pending until its begin time an hour from now; its id."""
    out = cluster.run_as(
        cluster.user, "sbatch", "--parsable", "--begin=now+1hour", "--job-name", name,
        "--chdir", str(cluster.home), "--wrap", "sleep 60",
    )  # fmt: skip
    return out.strip().split(";")[0]


async def test_cancel_is_a_read_the_delete_and_its_confirmation(
    api: API, proxy: FaultProxy, slurm_cluster: Cluster, job_name: str
) -> None:
    # Given a job that waits for its begin time (Slurm ends a pending job at once on cancel)
    job = {"id": waiting_job(slurm_cluster, job_name)}
    await api("facilities", "slurm", "partitions")  # the version handshake, done once
    proxy.requests.clear()

    # When it is cancelled
    cancelled = await api(*JOBS, job["id"], method="DELETE")

    # Then: one read to check it, the DELETE, one read that confirms it; nothing else of it
    path = f"/slurm/v0.0.38/job/{job['id']}"
    assert cancelled["state"] == "CANCELLED"
    of_the_job = [request for request in proxy.requests if request[1] == path]
    assert of_the_job == [("GET", path), ("DELETE", path), ("GET", path)]


async def test_cancel_of_an_ended_job_is_still_a_conflict(
    api: API, slurm_cluster: Cluster, job_name: str
) -> None:
    # Given a cancelled job
    job = {"id": waiting_job(slurm_cluster, job_name)}
    await api(*JOBS, job["id"], method="DELETE")

    # When it is cancelled again
    again = await expect_error(api(*JOBS, job["id"], method="DELETE"), 409)

    # Then the answer says it has ended, as before
    assert "has already ended" in again["message"]


async def test_facility_info_reuses_a_good_auth_status(api: API, proxy: FaultProxy) -> None:
    # Given a facility whose token slurmrestd accepts
    first = await api("facilities", "slurm")
    proxy.requests.clear()

    # When its info is asked for again at once, a few times
    again = [await api("facilities", "slurm") for _ in range(3)]

    # Then the auth status is the same, and slurmrestd was not pinged again for it
    assert first["auth"]["status"] == "ok"
    assert all(answer == first for answer in again)
    assert proxy.count("GET", "/slurm/v0.0.38/ping") == 0


async def test_log_follow_polls_use_the_watchers_listing(
    api: API, proxy: FaultProxy, job_name: str
) -> None:
    # Given a running job that has written a line, and a listing of the user's jobs
    script = "#!/bin/bash\necho hello\nsleep 60\n"
    job = await api(*JOBS, method="POST", body={"script": script, "name": job_name})
    await wait_for_state(api, "slurm", job["id"], {"RUNNING"}, timeout=90)
    await api(*JOBS)
    proxy.requests.clear()

    # When its log is followed for a few polls
    chunks = [
        await api(*JOBS, job["id"], "output", params={"stream": "stdout", "offset": str(at)})
        for at in (0, 0, 6)
    ]

    # Then the log is read, and slurmrestd is not asked for the job on any poll
    assert chunks[0]["data"] == "hello\n"
    assert chunks[2]["offset"] == 6 and chunks[2]["complete"] is False
    assert proxy.count("GET", f"/slurm/v0.0.38/job/{job['id']}") == 0
