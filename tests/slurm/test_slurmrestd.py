"""Slurm facilities (slurmrestd and slurm-cli) on real Slurm 22.05, 24.11 and 26.05, through the
server's API.

Every scenario runs on both kinds and every release (slurmrestd at the release's default API
version); token handling is slurmrestd's alone."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import expect_error
from tests.slurm.slurm_helpers import submit_and_follow, wait_for_state
from tests.slurm_fixtures import (
    Cluster,
    EarlyJobs,
    slurm_cli_facility,
    slurmrestd_facility,
)

API = Callable[..., Awaitable[Any]]
FACILITY = "slurm"
KINDS = {"slurmrestd": "slurm", "slurm-cli": "cli"}


@pytest.fixture(autouse=True)
def _start_slow_jobs_first(early_jobs: EarlyJobs) -> None:
    """The TIMEOUT and history checks need minutes to pass: their jobs start with the module."""


@pytest.fixture
def hpc_facilities(slurm_release: Cluster, tmp_path: Path) -> dict[str, Any]:
    cluster, counter = slurm_release, tmp_path / "token-reads"
    return {
        FACILITY: slurmrestd_facility(cluster),
        "cli": slurm_cli_facility(cluster),
        # A token that lives 30 s, minted by a command that counts its calls.
        "short": slurmrestd_facility(
            cluster,
            token={
                "command": f"sh -c 'echo >> {counter}; {cluster.token_command(cluster.user, 30)}'"
            },
        ),
        "badtoken": slurmrestd_facility(cluster, token={"value": "not.a.token"}),
    }


@pytest.fixture(params=sorted(KINDS))
def facility(request: pytest.FixtureRequest) -> str:
    """The facility under test: one of each Slurm kind."""
    return KINDS[request.param]


@pytest.fixture
def jobs(facility: str) -> tuple[str, ...]:
    """The path of the facility's jobs."""
    return ("facilities", facility, "jobs")


async def test_facility_describes_itself_without_a_credential(api: API) -> None:
    facility = await api("facilities", FACILITY)
    assert facility["kind"] == "slurmrestd"
    assert facility["auth"] == {"status": "ok", "message": None}
    assert "jobs.submit" in facility["capabilities"]
    assert "token" not in str(facility).lower().replace("token_", "")


async def test_a_job_runs_as_the_user_and_its_log_is_readable_while_it_runs(
    api: API, facility: str, jobs: tuple[str, ...], slurm_release: Cluster
) -> None:
    # Given a script that prints who runs it, then waits before it finishes
    script = '#!/bin/bash\n#SBATCH --output=run-%j.out\necho "user=$(id -un)"\nsleep 6\necho done\n'

    # When it is submitted and followed
    job, states, log_while_running = await submit_and_follow(api, facility, script)

    # Then it ran as the configured user, the listing showed it move, and the log was readable
    assert job["state"] == "COMPLETED" and job["exit_code"] == 0
    assert "RUNNING" in states and states[-1] == "COMPLETED", states
    assert "user=hpcuser" in log_while_running
    assert job["stdout"] == f"{slurm_release.home}/run-{job['id']}.out"
    final = await api(*jobs, job["id"], "output", params={"stream": "stdout"})
    assert final["data"] == "user=hpcuser\ndone\n" and final["complete"] is True


async def test_cancel_gives_cancelled(api: API, facility: str, jobs: tuple[str, ...]) -> None:
    job = await api(*jobs, method="POST", body={"script": "#!/bin/bash\nsleep 300"})
    await wait_for_state(api, facility, job["id"], {"RUNNING", "PENDING"})

    cancelled = await api(*jobs, job["id"], method="DELETE")

    assert cancelled["state"] == "CANCELLED"
    again = await expect_error(api(*jobs, job["id"], method="DELETE"), 409)
    assert "already ended" in again["message"]


async def test_a_non_zero_exit_is_failed_with_its_exit_code(
    api: API, facility: str, jobs: tuple[str, ...]
) -> None:
    job = await api(*jobs, method="POST", body={"script": "#!/bin/bash\necho oops >&2\nexit 3"})

    final = await wait_for_state(api, facility, job["id"], {"FAILED"})

    assert final["exit_code"] == 3
    err = await api(*jobs, job["id"], "output", params={"stream": "stderr"})
    assert "oops" in err["data"]


async def test_an_array_job_appears_as_its_tasks(
    api: API, facility: str, jobs: tuple[str, ...]
) -> None:
    script = (
        "#!/bin/bash\n#SBATCH --array=1-3\n#SBATCH --output=arr-%A_%a.out\n"
        "echo task $SLURM_ARRAY_TASK_ID\n"
    )
    job = await api(*jobs, method="POST", body={"script": script, "name": "arr"})

    async def tasks() -> list[dict[str, Any]]:
        listing = await api(*jobs)
        return [j for j in listing["jobs"] if j["array_job_id"] == job["id"]]

    deadline = time.monotonic() + 60
    seen = await tasks()
    while not (len(seen) >= 3 and all(j["state"] == "COMPLETED" for j in seen)):
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.5)
        seen = await tasks()
    assert sorted(j["array_task_id"] for j in seen) == ["1", "2", "3"], seen
    logs = {j["stdout"].rsplit("/", 1)[-1] for j in seen}
    assert logs == {f"arr-{job['id']}_{n}.out" for n in (1, 2, 3)}, logs
    for task in seen:
        out = await api(*jobs, task["id"], "output", params={"stream": "stdout"})
        assert out["data"] == f"task {task['array_task_id']}\n"


async def test_the_request_array_overrides_the_scripts_and_the_kind_declares_arrays(
    api: API, facility: str, jobs: tuple[str, ...]
) -> None:
    # Given a script asking for tasks 5-9, and a request asking for tasks 0-1
    script = (
        "#!/bin/bash\n#SBATCH --array=5-9\n#SBATCH --output=req-%A_%a.out\n"
        "echo task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT\n"
    )
    described = await api("facilities", facility)
    job = await api(*jobs, method="POST", body={"script": script, "array": "0-1"})

    # Then the request's tasks run, and only they
    deadline = time.monotonic() + 60
    while True:
        listing = await api(*jobs)
        seen = [j for j in listing["jobs"] if j["array_job_id"] == job["id"]]
        if len(seen) == 2 and all(j["state"] == "COMPLETED" for j in seen):
            break
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.5)
    assert "jobs.arrays" in described["capabilities"]
    assert sorted(j["array_task_id"] for j in seen) == ["0", "1"], seen
    for task in seen:
        out = await api(*jobs, task["id"], "output", params={"stream": "stdout"})
        assert out["data"] == f"task {task['array_task_id']} of 2\n"


async def test_a_bad_partition_is_a_clear_400(
    api: API, facility: str, jobs: tuple[str, ...]
) -> None:
    body = await expect_error(
        api(*jobs, method="POST", body={"script": "#!/bin/bash\ntrue", "partition": "nosuch"}),
        400,
    )
    assert body["message"] == "Partition 'nosuch' does not exist on this cluster."


async def test_another_users_job_cannot_be_cancelled(
    api: API, facility: str, jobs: tuple[str, ...], slurm_release: Cluster
) -> None:
    other = slurm_release.run_as(
        slurm_release.other_user, "sbatch", "--parsable", "-o", "/dev/null", "--wrap", "sleep 120"
    )
    try:
        body = await expect_error(api(*jobs, other, method="DELETE"), 403)
        assert "belongs to hpcuser2" in body["message"]
        listing = await api(*jobs)
        assert other not in {j["id"] for j in listing["jobs"]}
    finally:
        slurm_release.run_as(slurm_release.other_user, "scancel", other)


async def test_unknown_and_malformed_job_ids(
    api: API, facility: str, jobs: tuple[str, ...]
) -> None:
    missing = await expect_error(api(*jobs, "99999999"), 404)
    assert "99999999" in missing["message"] or "no" in missing["message"].lower()
    bad = await expect_error(api(*jobs, "12;rm"), 400)
    assert "not a Slurm job id" in bad["message"]


async def test_unsupported_sbatch_option_is_refused_before_submitting(api: API) -> None:
    body = await expect_error(
        api(
            "facilities",
            FACILITY,
            "jobs",
            method="POST",
            body={"script": "#!/bin/bash\n#SBATCH --gres=gpu:1\ntrue"},
        ),
        400,
    )
    assert "--gres" in body["message"]


async def test_a_rejected_token_is_a_401_with_what_to_do(
    api: API, slurm_release: Cluster, request: pytest.FixtureRequest
) -> None:
    facility = await api("facilities", "badtoken")
    assert facility["auth"]["status"] == "expired"
    body = await expect_error(api("facilities", "badtoken", "jobs"), 401)
    assert "token" in body["message"] and "not.a.token" not in body["message"]


async def test_a_short_lived_token_is_renewed_across_a_long_job(
    api: API, tmp_path: Path, slurm_release: Cluster
) -> None:
    if slurm_release.release == "24.11":
        pytest.skip("the token is read the same way on every release; 22.05 and 26.05 show it")
    # Given a facility whose tokens live 30 s, and a job that runs 40 s
    short = ("facilities", "short", "jobs")
    job = await api(*short, method="POST", body={"script": "#!/bin/bash\nsleep 40\necho ok"})

    # When the job is watched until it ends, every call succeeds
    final = await wait_for_state(api, "short", job["id"], {"COMPLETED"}, timeout=90, step=2)

    # Then the token was minted again along the way
    assert final["exit_code"] == 0
    assert len((tmp_path / "token-reads").read_text().splitlines()) >= 2


async def test_a_job_over_its_time_limit_ends_in_timeout(
    api: API, facility: str, early_jobs: EarlyJobs
) -> None:
    # A job with --time=0:01 that sleeps 120 s ends in TIMEOUT (Slurm's limit is 1 minute)
    timed_out = await wait_for_state(
        api, facility, early_jobs.timeout_job, {"TIMEOUT"}, timeout=180, step=2
    )
    assert timed_out["time_limit"] == 60


async def test_a_job_slurmctld_forgot_is_still_listed_from_accounting(
    api: API, facility: str, jobs: tuple[str, ...], early_jobs: EarlyJobs
) -> None:
    # Given a job that ended long ago: slurmctld forgot it (needs a short MinJobAge)
    await asyncio.to_thread(early_jobs.forgotten)
    listing = await api(*jobs)
    old = {j["id"]: j for j in listing["jobs"]}[early_jobs.failed_job]
    assert old["state"] == "FAILED"
    single = await api(*jobs, early_jobs.failed_job)
    assert single["state"] == "FAILED"


async def test_a_request_the_partition_can_never_satisfy_is_a_400_and_leaves_no_job(
    api: API,
    facility: str,
    jobs: tuple[str, ...],
    slurm_release: Cluster,
    request: pytest.FixtureRequest,
) -> None:
    # Given a script that asks for more CPUs than the cluster's only node has
    script = "#!/bin/bash\n#SBATCH --cpus-per-task=512\ntrue"
    before = {j["id"] for j in (await api(*jobs))["jobs"]}

    # When it is submitted
    body = await expect_error(api(*jobs, method="POST", body={"script": script}), 400)

    # Then the answer says why, and no job waits forever in the queue
    # (24.11's slurmrestd refuses it at once; the others queue it and it is withdrawn)
    said = ("more than the partition", "No node of the cluster can run the job")
    assert any(why in body["message"] for why in said), body
    listing = await api(*jobs)
    waiting = [j for j in listing["jobs"] if j["id"] not in before and j["state"] == "PENDING"]
    assert waiting == []


async def test_partitions_list_the_clusters_queues(
    api: API, facility: str, slurm_release: Cluster, request: pytest.FixtureRequest
) -> None:
    facility_info = await api("facilities", facility)
    assert "jobs.partitions" in facility_info["capabilities"]

    listing = await api("facilities", facility, "partitions")

    # slurmrestd v0.0.40-44 do not say which partition is the default: unknown, not "no"
    silent = facility == "slurm" and 40 <= slurm_release.newest <= 44
    debug = {p["name"]: p for p in listing["partitions"]}["debug"]
    expected = {"name": "debug", "default": None if silent else True, "state": "UP"}
    assert debug == {**expected, "max_time": None, "nodes": 1}


async def test_the_jwt_appears_in_no_response_or_log_line(
    api: API,
    caplog: pytest.LogCaptureFixture,
    slurm_release: Cluster,
    request: pytest.FixtureRequest,
) -> None:
    # Given verbose logging
    caplog.set_level(logging.DEBUG)

    # When the facility is used, successfully and not
    bodies = [
        json.dumps(await api("facilities", FACILITY)),
        json.dumps(await api("facilities", FACILITY, "jobs")),
        json.dumps(await api("facilities", FACILITY, "partitions")),
        json.dumps(await expect_error(api("facilities", FACILITY, "jobs", "99999999"), 404)),
        json.dumps(await expect_error(api("facilities", "badtoken", "jobs"), 401)),
    ]

    # Then no response and no log line holds a token: every JWT starts with "eyJ" ('{"')
    everything = "\n".join(bodies + [record.getMessage() for record in caplog.records])
    assert "eyJ" not in everything
    assert "not.a.token" not in everything
    assert "X-SLURM-USER-TOKEN" not in everything
