"""What Slurm 24.11 and 26.05 (and 22.05 where it applies) say about jobs, through the API:
array tasks, exit codes, late pending reasons, refusals, partitions and logs from accounting."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hpc_jupyter.errors import NotFound
from tests.helpers import expect_error
from tests.slurm.slurm_helpers import wait_for_state
from tests.slurm_fixtures import Cluster, slurmrestd_facility

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "slurm", "jobs")


def version(cluster: Cluster) -> int:
    """The version these tests speak: the cluster's newest, as a facility does by default."""
    return cluster.newest


@pytest.fixture
def hpc_facilities(slurm_of_test: Cluster) -> dict[str, Any]:
    pinned = f"v0.0.{version(slurm_of_test)}"
    return {
        "slurm": slurmrestd_facility(slurm_of_test, api_version=pinned),
        "named": slurmrestd_facility(slurm_of_test, api_version=pinned, partition="debug"),
    }


def _script(body: str, *directives: str) -> str:
    lines = "".join(f"#SBATCH {d}\n" for d in directives)
    return f"#!/bin/bash\n{lines}{body}\n"


async def _final(api: API, job_id: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = await api(*JOBS, job_id)
        if job["state"] not in ("PENDING", "RUNNING", "COMPLETING"):
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.5)


# -- 3. an array task is that task -----------------------------------------------------------


async def test_an_array_task_is_that_task_pending_or_done_with_its_own_log(
    api: API, slurm_release: Cluster
) -> None:
    # Given an array whose tasks run one at a time, each a few seconds
    tag = uuid.uuid4().hex[:6]
    script = _script(
        "echo task $SLURM_ARRAY_TASK_ID; sleep 3",
        "--array=0-3%1",
        f"--output=rec-{tag}-%A_%a.out",
    )
    array = (await api(*JOBS, method="POST", body={"script": script}))["id"]

    # When its last task is asked for while it still waits with the others
    pending = await api(*JOBS, f"{array}_3")

    # Then it is that task, pending, with its own id and log
    assert (pending["id"], pending["state"]) == (f"{array}_3", "PENDING"), pending
    assert (pending["array_job_id"], pending["array_task_id"]) == (array, "3")
    assert pending["stdout"] == f"{slurm_release.home}/rec-{tag}-{array}_3.out"

    # And once all ran, each task id gives that task and its own log
    for task in range(4):
        done = await _final(api, f"{array}_{task}")
        assert (done["array_job_id"], done["array_task_id"]) == (array, str(task)), done
        log = await api(*JOBS, f"{array}_{task}", "output", params={"stream": "stdout"})
        assert log["data"] == f"task {task}\n"


# -- 4, 8, 9. accounting: signal, log paths, cancelled -------------------------------------------


async def test_accounting_keeps_the_signal_and_the_log_and_agrees_on_cancelled(
    api: API, hpc_app: Any, slurm_newer: Cluster
) -> None:
    # Given a job killed by a signal, one that writes a log, and one cancelled while it runs
    tag = uuid.uuid4().hex[:6]
    killed = await api(*JOBS, method="POST", body={"script": _script("kill -9 $$")})
    logged = await api(
        *JOBS,
        method="POST",
        body={"script": _script("echo hello from $SLURM_JOB_ID", f"--output=rec-{tag}-%j.log")},
    )
    running = await api(*JOBS, method="POST", body={"script": _script("sleep 300")})
    await wait_for_state(api, "slurm", running["id"], {"RUNNING"})
    cancelled = await api(*JOBS, running["id"], method="DELETE")
    live_killed = await _final(api, killed["id"])
    live_logged = await _final(api, logged["id"])

    # When accounting alone is asked (as once slurmctld has forgotten them)
    jobs = hpc_app.registry.get("slurm").jobs
    system = "slurm"

    async def from_accounting(job_id: str) -> Any:
        deadline = time.monotonic() + 60
        while True:
            try:
                job = await jobs.finished_job(system, job_id)
            except NotFound:  # accounting records a job a moment after slurmctld
                job = None
            if job is not None and job.state.is_final:
                return job
            assert time.monotonic() < deadline, job
            await asyncio.sleep(1)

    # Then a signal-killed job keeps 128 + signal, as live
    assert live_killed["exit_code"] == 137
    assert (await from_accounting(killed["id"])).exit_code == 137
    # And the job's log is where it was written, from accounting too
    stored = await from_accounting(logged["id"])
    path = f"{slurm_newer.home}/rec-{tag}-{logged['id']}.log"
    assert live_logged["stdout"] == path and stored.stdout == path and stored.stderr == path
    assert (
        slurm_newer.home / path.rsplit("/", 1)[-1]
    ).read_text() == f"hello from {logged['id']}\n"
    # And a cancelled job shows no exit code either way
    assert cancelled["state"] == "CANCELLED" and cancelled["exit_code"] is None
    assert (await from_accounting(running["id"])).exit_code is None


async def test_a_forgotten_jobs_log_is_read_from_accounting_or_from_how_it_was_sent(
    api: API, slurm_release: Cluster
) -> None:
    # Given a job sent from here and one sbatch sent, both of which wrote their log and that
    # slurmctld has since forgotten
    age = _min_job_age(slurm_release)
    if age > 60:
        pytest.skip(f"MinJobAge is {age} s on this cluster (scripts' MIN_JOB_AGE=20 makes it 20)")
    job = await api(*JOBS, method="POST", body={"script": _script("echo kept")})
    elsewhere = slurm_release.run_as(
        slurm_release.user,
        *("sbatch", "--parsable", f"--chdir={slurm_release.home}", "--wrap", "echo elsewhere"),
    )
    for job_id in (job["id"], elsewhere):
        await _final(api, job_id)
    for job_id in (job["id"], elsewhere):
        _wait_forgotten(slurm_release, job_id, age + 120)
    # The server's own listing, up to a poll interval old (1 s here), may still hold the live
    # record, which says where the log went: read once a listing has seen it forgotten too.
    await asyncio.sleep(2.5)

    # When their logs are read
    def read(job_id: str) -> Awaitable[Any]:
        return api(*JOBS, job_id, "output", params={"stream": "stdout"})

    # Then the one sent from here is read where it asked for it (on every release), the other
    # where accounting says it went (v0.0.41+); older versions do not say
    assert (await read(job["id"]))["data"] == "kept\n"
    if version(slurm_release) >= 41:
        assert (await read(elsewhere))["data"] == "elsewhere\n"
    else:
        body = await expect_error(read(elsewhere), 404)
        assert "no longer says where" in body["message"]


def _min_job_age(cluster: Cluster) -> int:
    shown = subprocess.run(
        cluster.command("scontrol", "show", "config"), capture_output=True, text=True, check=True
    ).stdout
    for line in shown.splitlines():
        if line.startswith("MinJobAge"):
            return int(line.split("=", 1)[1].split()[0])
    return 300


def _wait_forgotten(cluster: Cluster, job_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = subprocess.run(
            cluster.command("scontrol", "show", "job", job_id), capture_output=True, text=True
        )
        if shown.returncode != 0:
            return
        time.sleep(2)
    raise AssertionError(f"slurmctld still knows job {job_id} after {timeout}s")


# -- 5. a job that can never start because of its time limit ---------------------------------


async def test_a_time_limit_over_the_partitions_is_refused_before_submitting(
    api: API, slurm_newer: Cluster
) -> None:
    script = _script("true", "--partition=short", "--time=60")

    body = await expect_error(api(*JOBS, method="POST", body={"script": script}), 400)

    assert "longer than partition 'short' allows (00:10:00)" in body["message"], body


async def test_a_time_limit_slurm_refuses_late_is_withdrawn(api: API, slurm_newer: Cluster) -> None:
    # Given a QOS (which might lift the partition's limit, so nothing is checked beforehand)
    script = _script("true", "--partition=short", "--time=60", "--qos=normal")

    # When it is submitted, Slurm gives its reason only after a moment
    body = await expect_error(api(*JOBS, method="POST", body={"script": script}), 400)

    # Then the job is withdrawn, not left pending for ever
    assert "PartitionTimeLimit" in body["message"] and "withdrawn" in body["message"], body
    job_id = body["message"].split("(job ")[1].split(",")[0]
    final = await _final(api, job_id, timeout=30)
    assert final["state"] == "CANCELLED"


# -- 6. an impossible request ------------------------------------------------------------------


async def test_an_impossible_request_is_a_clear_400_and_leaves_no_history(
    api: API, slurm_newer: Cluster
) -> None:
    script = _script("true", "--cpus-per-task=64")

    body = await expect_error(api(*JOBS, method="POST", body={"script": script}), 400)

    if slurm_newer.release == "24.11":
        assert "--cpus-per-task=64" in body["message"], body
        refused = _refused(slurm_newer)
        assert refused, "24.11 records the refusal as a FAILED job"
        listing = await api(*JOBS)
        assert not {j["id"] for j in listing["jobs"]} & set(refused), listing
        gone = await expect_error(api(*JOBS, refused[-1]), 404)
        assert "refused" in gone["message"]
    else:  # 26.05 queues it with PartitionConfig at once: withdrawn
        assert "withdrawn" in body["message"], body


def _refused(cluster: Cluster) -> list[str]:
    """Ids of the user's jobs of the last minutes that FAILED on no node (accounting)."""
    shown = subprocess.run(
        cluster.command(
            "sacct",
            "-X",
            "-n",
            "-P",
            "-u",
            cluster.user,
            "-S",
            "now-10minutes",
            "--format=JobID,State,NodeList",
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("|") for line in shown.splitlines()]
    return [
        job_id for job_id, state, nodes in rows if (state, nodes) == ("FAILED", "None assigned")
    ]


# -- 7. partitions: default unknown unless known -------------------------------------------


async def test_no_partition_is_called_not_default_when_slurm_does_not_say(
    api: API, slurm_newer: Cluster
) -> None:
    unknown = await api("facilities", "slurm", "partitions")
    named = await api("facilities", "named", "partitions")

    # v0.0.45 flags the default partition; v0.0.40-44 say nothing, so it is unknown.
    said = version(slurm_newer) >= 45
    assert {p["name"]: p["default"] for p in unknown["partitions"]} == {
        "debug": True if said else None,
        "short": False if said else None,
    }
    assert {p["name"]: p["default"] for p in named["partitions"]} == {
        "debug": True,
        "short": False,
    }
