"""Hold, release and requeue on real Slurm 22.05, 24.11 and 26.05, through the server's API, for
both kinds.

slurmrestd holds and releases (its job update takes `hold`); it requeues only from v0.0.45 on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.helpers import expect_error
from tests.slurm.slurm_helpers import wait_for_state
from tests.slurm_fixtures import (
    Cluster,
    slurm_cli_facility,
    slurmrestd_facility,
)

API = Callable[..., Awaitable[Any]]
KINDS = {"slurmrestd": "slurm", "slurm-cli": "cli"}


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {
        "slurm": slurmrestd_facility(slurm_release),
        "cli": slurm_cli_facility(slurm_release),
    }


@pytest.fixture(params=sorted(KINDS))
def facility(request: pytest.FixtureRequest) -> str:
    """The facility under test: one of each Slurm kind."""
    return KINDS[request.param]


@pytest.fixture
def jobs(facility: str) -> tuple[str, ...]:
    return ("facilities", facility, "jobs")


Submitted = list[tuple[tuple[str, ...], str]]


@pytest.fixture
def submitted(api: API, jp_asyncio_loop: Any) -> Iterator[Submitted]:
    """The jobs a test submits, cancelled at its end whatever state they are in."""
    ids: Submitted = []
    yield ids
    for jobs, job_id in ids:
        with contextlib.suppress(HTTPClientError):  # already ended
            jp_asyncio_loop.run_until_complete(api(*jobs, job_id, method="DELETE"))


def act(api: API, jobs: tuple[str, ...], job_id: str, verb: str) -> Awaitable[Any]:
    return api(*jobs, job_id, verb, method="POST", body="")


CLI_JOBS = ("facilities", "cli", "jobs")
REQUEUE_VERSION = 45
"""The first slurmrestd API version with `POST /slurm/vX/job/{id}/requeue`."""


async def submit(api: API, ids: Submitted, script: str) -> Any:
    """Submit through slurm-cli: slurmrestd does not pass on --begin or --requeue."""
    job = await api(*CLI_JOBS, method="POST", body={"script": script})
    ids.append((CLI_JOBS, job["id"]))
    return job


async def test_a_held_job_waits_past_its_begin_time_and_runs_once_released(
    api: API, jobs: tuple[str, ...], facility: str, submitted: Submitted
) -> None:
    # Given a job that may start 10 s from now
    script = "#!/bin/bash\n#SBATCH --begin=now+10\n#SBATCH --output=/dev/null\nsleep 1\n"
    job = await submit(api, submitted, script)

    # When it is held, and its begin time passes
    held = await act(api, jobs, job["id"], "hold")
    await asyncio.sleep(12)
    while_held = await api(*jobs, job["id"])

    # Then it stayed pending, held by its user
    assert (held["state"], held["reason"]) == ("PENDING", "JobHeldUser")
    assert (while_held["state"], while_held["reason"]) == ("PENDING", "JobHeldUser")

    # When it is released, it runs to its end
    released = await act(api, jobs, job["id"], "release")
    final = await wait_for_state(api, facility, job["id"], {"COMPLETED"}, timeout=120)

    assert released["reason"] != "JobHeldUser"
    assert final["exit_code"] == 0
    ended = await expect_error(act(api, jobs, job["id"], "hold"), 409)
    assert "already ended" in ended["message"]


async def test_only_a_pending_job_is_held_and_only_a_held_one_released(
    api: API, jobs: tuple[str, ...], facility: str, submitted: Submitted
) -> None:
    running = await submit(api, submitted, "#!/bin/bash\n#SBATCH -o /dev/null\nsleep 120\n")
    await wait_for_state(api, facility, running["id"], {"RUNNING"})

    not_pending = await expect_error(act(api, jobs, running["id"], "hold"), 409)
    not_held = await expect_error(act(api, jobs, running["id"], "release"), 409)
    bad_id = await expect_error(act(api, jobs, "12;rm", "hold"), 400)

    assert "only a pending job can be held" in not_pending["message"]
    assert "not held" in not_held["message"]
    assert "not a Slurm job id" in bad_id["message"]


async def test_requeue_puts_a_running_job_back_in_the_queue_and_it_runs_again(
    api: API, jobs: tuple[str, ...], facility: str, submitted: Submitted, slurm_release: Cluster
) -> None:
    # Given a requeueable job that is running
    script = (
        "#!/bin/bash\n#SBATCH --requeue\n#SBATCH --output=requeue-%j.out\n"
        "#SBATCH --open-mode=append\n"
        'echo "run ${SLURM_RESTART_COUNT:-0}"\nsleep 8\n'
    )
    job = await submit(api, submitted, script)
    await wait_for_state(api, facility, job["id"], {"RUNNING"})

    if facility == "slurm" and slurm_release.newest < REQUEUE_VERSION:
        refused = await expect_error(act(api, jobs, job["id"], "requeue"), 400)
        assert refused["reason"] == "not_supported"
        capabilities = (await api("facilities", facility))["capabilities"]
        assert "jobs.requeue" not in capabilities and "jobs.hold" in capabilities
        return

    # When it is requeued
    requeued = await act(api, jobs, job["id"], "requeue")

    # Then it leaves RUNNING, waits in the queue, runs again and completes
    assert requeued["state"] in ("PENDING", "COMPLETING"), requeued
    await wait_for_state(api, facility, job["id"], {"PENDING"}, timeout=60, step=0.2)
    if slurm_release.release != "22.05":
        # Slurm holds a requeued job back for about two minutes before it runs again; that
        # wait is Slurm's, the same on every release: one release waits it out.
        return
    final = await wait_for_state(api, facility, job["id"], {"COMPLETED"}, timeout=240)
    log = await api(*jobs, job["id"], "output", params={"stream": "stdout"})
    assert final["exit_code"] == 0
    assert "run 0" in log["data"] and "run 1" in log["data"], log["data"]
    assert "DUE TO JOB REQUEUE" in log["data"]


async def test_requeue_of_a_job_slurm_may_not_requeue_is_409(
    api: API, submitted: Submitted
) -> None:
    cli = ("facilities", "cli", "jobs")
    script = "#!/bin/bash\n#SBATCH --no-requeue\n#SBATCH -o /dev/null\nsleep 120\n"
    job = await submit(api, submitted, script)
    pending = await submit(api, submitted, "#!/bin/bash\n#SBATCH --begin=now+300\ntrue\n")
    await wait_for_state(api, "cli", job["id"], {"RUNNING"})

    refused = await expect_error(act(api, cli, job["id"], "requeue"), 409)
    not_running = await expect_error(act(api, cli, pending["id"], "requeue"), 409)

    assert "--requeue" in refused["message"], refused
    assert "only a running or suspended job" in not_running["message"]
