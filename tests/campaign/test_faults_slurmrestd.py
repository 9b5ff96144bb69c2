"""Faults between the server and a real slurmrestd, through the fault-injecting TCP proxy.

Each one-node Slurm release of the suite (22.05, 24.11, 26.05: scripts/local-slurm and
scripts/slurm-newer, root) answers behind `fault_proxy`, at its default API version; each test
breaks the connection one way and checks what a user sees, and counts what Slurm itself holds
(squeue/sacct by a unique job name): a clear error, never a 500, no job submitted twice, and
fresh listings again once the fault is gone.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.campaign.fault_checks import API, assert_clear, listings_for, submit_answer, wait_for
from tests.fault_proxy import FaultProxy
from tests.helpers import expect_error
from tests.slurm_fixtures import Cluster, slurmrestd_facility

FACILITY = "slurm"
JOBS = ("facilities", FACILITY, "jobs")
SUBMIT = "/slurm/v0.0."  # + version + /job/submit: every POST to /slurm/ is a submission here
TIMEOUT = 3


@pytest.fixture
def proxy(slurm_release: Cluster, jp_asyncio_loop: Any) -> Iterator[FaultProxy]:
    with FaultProxy.on_loop(jp_asyncio_loop, slurm_release.url) as started:
        yield started


@pytest.fixture
def token_reads(tmp_path: Path) -> Path:
    return tmp_path / "token-reads"


@pytest.fixture
def hpc_facilities(slurm_release: Cluster, proxy: FaultProxy, token_reads: Path) -> dict[str, Any]:
    user = slurm_release.user
    return {
        FACILITY: slurmrestd_facility(
            slurm_release,
            url=proxy.url,
            timeout=TIMEOUT,
            # A command that counts how often the server asks for a token.
            token={
                "command": f"sh -c 'echo >> {token_reads}; "
                f"{slurm_release.token_command(user, 600)}'"
            },
        )
    }


def upstream_jobs(cluster: Cluster, name: str) -> list[str]:
    """The ids Slurm's accounting holds for jobs of this name (pending, running or ended)."""
    out = cluster.run_as(
        cluster.user, "sacct", "-n", "-X", "-P", "--name", name, "-S", "now-1hour", "-o", "JobID"
    )
    return [line for line in out.splitlines() if line.strip()]


def queued_jobs(cluster: Cluster, name: str) -> list[str]:
    out = cluster.run_as(cluster.user, "squeue", "-h", "--name", name, "-o", "%i")
    return [line for line in out.splitlines() if line.strip()]


@pytest.fixture
def job_name(slurm_release: Cluster) -> Iterator[str]:
    """A name no other job has; its jobs are cancelled afterwards."""
    name = f"campaign-{uuid.uuid4().hex[:10]}"
    yield name
    with contextlib.suppress(subprocess.CalledProcessError):
        slurm_release.run_as(slurm_release.user, "scancel", "--name", name)


# -- submitting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [("reset_before_response", {}), ("reset_mid_response", {"after_bytes": 40})],
    ids=["reset-before-answer", "reset-mid-answer"],
)
async def test_a_reset_during_submit_submits_once(
    kind: str,
    options: dict[str, Any],
    api: API,
    proxy: FaultProxy,
    slurm_release: Cluster,
    job_name: str,
) -> None:
    # Given a connection that breaks once slurmrestd has taken the submission
    await api(*JOBS)  # the version handshake and the first listing, without faults
    proxy.inject(kind, "POST", SUBMIT, **options)
    request = {"script": "#!/bin/bash\nsleep 60\n", "name": job_name}

    # When the user submits
    answer = await submit_answer(api, JOBS, request)

    # Then Slurm holds exactly one such job, whatever the server made of the broken answer
    held = set(upstream_jobs(slurm_release, job_name)) | set(queued_jobs(slurm_release, job_name))
    assert len(held) == 1, held
    assert proxy.injected == [(kind, "POST", proxy.injected[0][2])]
    # and the user is told clearly (502), or, had the server found out, shown that one job
    assert answer in (502, ("job", *held)), answer


# -- listing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 503}),
        ("status", {"status": 500}),
        ("reset_mid_response", {"after_bytes": 30}),
        ("truncate", {"after_bytes": 200}),
    ],
    ids=["503", "500", "reset", "truncated"],
)
async def test_a_broken_job_lookup_is_a_clear_502(
    kind: str, options: dict[str, Any], api: API, proxy: FaultProxy
) -> None:
    # A job id Slurm has never had, so the lookup goes to slurmrestd, not the watcher's cache
    await api(*JOBS)
    proxy.inject(kind, "GET", "/slurm", times=50, **options)

    body = await expect_error(api(*JOBS, "999999"), 502)

    assert_clear(body)
    assert proxy.injected and proxy.injected[0][0] == kind
    proxy.clear()
    await expect_error(api(*JOBS, "999999"), 404)  # and the truth, once slurmrestd answers


async def test_a_slow_slurmrestd_is_a_504(api: API, proxy: FaultProxy) -> None:
    await api(*JOBS)
    proxy.inject("latency", "GET", "/slurm", times=50, seconds=TIMEOUT + 2)

    body = await expect_error(api(*JOBS, "999999"), 504)

    assert body["reason"] == "timeout" and body["message"]


async def test_an_outage_is_never_shown_as_no_jobs_and_listings_recover(
    api: API, proxy: FaultProxy, slurm_release: Cluster, job_name: str
) -> None:
    # Given a job the user can see
    job = await api(
        *JOBS, method="POST", body={"script": "#!/bin/bash\nsleep 60\n", "name": job_name}
    )

    async def listed() -> bool:
        return job["id"] in [j["id"] for j in (await api(*JOBS))["jobs"]]

    await wait_for(listed, timeout=60, every=0.5)

    # While slurmrestd cannot be reached, listings are an error or the last one marked
    # stale, never a fresh-looking empty list
    proxy.down = True
    answers = await listings_for(api, JOBS, seconds=5)  # several poll intervals of 1 s
    for answer in answers:
        if isinstance(answer, dict):
            assert job["id"] in [j["id"] for j in answer["jobs"]], answer
        else:
            assert answer in (502, 503, 504), answer

    # Once it answers again, a change made in Slurm meanwhile shows
    proxy.down = False
    slurm_release.run_as(slurm_release.user, "scancel", job["id"])

    async def cancelled() -> bool:
        jobs = (await api(*JOBS))["jobs"]
        return any(j["id"] == job["id"] and j["state"] == "CANCELLED" for j in jobs)

    await wait_for(cancelled, timeout=60, every=0.5)


# -- the token --------------------------------------------------------------------------------


async def test_a_token_rejected_between_two_calls_is_minted_again(
    api: API, proxy: FaultProxy, token_reads: Path
) -> None:
    # Given a first call with a token
    await api(*JOBS)
    await expect_error(api(*JOBS, "999999"), 404)
    reads = len(token_reads.read_text().splitlines())

    # When slurmrestd refuses that token on the next call, as it does once it has expired
    proxy.inject("status", "GET", "/slurm", status=401)
    await expect_error(api(*JOBS, "999998"), 404)

    # Then the server minted a new token and asked again: the user saw the answer, not a 401
    assert proxy.injected and proxy.injected[0][0] == "status"
    assert len(token_reads.read_text().splitlines()) == reads + 1


async def test_slurmrestd_down_from_the_start_never_lists_no_jobs(
    api: API, proxy: FaultProxy
) -> None:
    # Given slurmrestd unreachable from the first call on (no listing to fall back on)
    proxy.down = True

    # Then every listing is an error, never a fresh-looking empty list
    answers = await listings_for(api, JOBS, seconds=4)
    assert answers and all(answer in (502, 503, 504) for answer in answers), answers
