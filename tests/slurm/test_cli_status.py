"""The slurm-cli kind's status and job efficiency, on the real Slurm 22.05 (with accounting),
through a real Jupyter server's /hpc/api: limits set with sacctmgr, a MAINT reservation made
with scontrol, jobs that leave CPUs idle or run out of time.

The test cluster has no cgroups: memory is enforced by `JobAcctGatherParams=OverMemoryKill`
(memory a consumable resource, `CR_Core_Memory`), which kills a job past its `--mem`; Slurm
22.05 then says FAILED (signal 9) and the efficiency says it ran out of memory."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.slurm.slurm_helpers import FINAL
from tests.slurm_fixtures import Cluster, slurm_cli_facility

API = Callable[..., Awaitable[Any]]
ACCOUNT = "hpcproj"
RESERVATION = "hpcj_test_maint"


@pytest.fixture
def hpc_facilities(slurm_cluster: Cluster) -> dict[str, Any]:
    return {"cli": slurm_cli_facility(slurm_cluster)}


def root(cluster: Cluster, *command: str) -> str:
    done = subprocess.run(
        cluster.command(*command), check=True, capture_output=True, text=True, cwd="/tmp"
    )
    return done.stdout


@dataclass(frozen=True)
class EarlyJobs:
    """Jobs submitted when the module starts, so that their minutes pass during other tests."""

    idle: str
    """Two CPUs, 80 MiB held for 35 s (jobacct_gather samples every 30 s), no work done."""
    too_slow: str
    """`--time=1` (a minute) on a `sleep 300`: ends in TIMEOUT."""


@pytest.fixture(scope="module")
def test_jobs(slurm_cluster: Cluster) -> EarlyJobs:
    sbatch = ("sbatch", "--parsable", "--chdir=/tmp", "--output=/dev/null", "--time=5")
    hold = "import time; b = bytearray(80 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(35)"
    idle = slurm_cluster.run_as(
        slurm_cluster.user,
        *sbatch,
        "--cpus-per-task=2",
        "--mem=200M",
        "--wrap",
        f'/usr/bin/python3 -c "{hold}"',
    )
    too_slow = slurm_cluster.run_as(
        slurm_cluster.user, *sbatch, "--time=1", "--job-name=too-slow", "--wrap", "sleep 300"
    )
    return EarlyJobs(idle, too_slow)


async def finished(api: API, job_id: str, timeout: float) -> Any:
    """The job once it has ended and sacct has told its figures: a busy slurmdbd may fail a
    sacct (the job then says its figures are not known yet: source "none")."""
    deadline = time.monotonic() + timeout
    while True:
        job = await api("facilities", "cli", "jobs", job_id)
        figures = job.get("efficiency")
        if job["state"] in FINAL and figures is not None and figures["source"] != "none":
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']}: {figures}"
        await asyncio.sleep(2)


@pytest.fixture
def cpu_limit(slurm_cluster: Cluster) -> Iterator[None]:
    """6000 CPU minutes and 3000 node minutes on the account, 600 CPU minutes on the user."""
    sacctmgr = ("sacctmgr", "--immediate", "modify")
    root(slurm_cluster, *sacctmgr, "account", ACCOUNT, "set", "GrpTRESMins=cpu=6000,node=3000")
    user = ("user", slurm_cluster.user, f"account={ACCOUNT}")
    try:
        root(slurm_cluster, *sacctmgr, *user, "set", "GrpTRESMins=cpu=600")
        yield
    finally:
        root(slurm_cluster, *sacctmgr, *user, "set", "GrpTRESMins=cpu=-1")
        root(slurm_cluster, *sacctmgr, "account", ACCOUNT, "set", "GrpTRESMins=cpu=-1,node=-1")


@pytest.fixture
def maintenance(slurm_cluster: Cluster) -> Iterator[float]:
    """A MAINT reservation of the whole cluster from an hour from now, for 30 minutes."""
    start = int(time.time()) + 3600
    when = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(start))
    root(
        slurm_cluster,
        *("scontrol", "create", "reservation", f"reservationname={RESERVATION}"),
        *(f"starttime={when}", "duration=30", "flags=maint", "nodes=ALL", "users=root"),
    )
    try:
        yield float(start)
    finally:
        root(slurm_cluster, "scontrol", "delete", f"reservationname={RESERVATION}")


async def status(api: API) -> Any:
    return await api("facilities", "cli", "status", params={"refresh": "true"})


async def test_a_grptresmins_limit_set_with_sacctmgr_is_the_accounts_allocation(
    api: API, test_jobs: EarlyJobs, cpu_limit: None
) -> None:
    shown = await status(api)

    allocations = {(a["scope"], a["unit"]): a for a in shown["allocations"]}
    project = allocations[("project", "cpu_hours")]
    assert (project["account"], project["allocated"], project["default"]) == (ACCOUNT, 100, True)
    assert allocations[("project", "node_hours")]["allocated"] == 50
    assert allocations[("user", "cpu_hours")]["allocated"] == 10
    # the test cluster runs priority/basic, which counts no usage: none is shown, not 0
    assert project["used"] is None and project["remaining"] is None
    assert "GrpTRESMins cpu=6000" in project["note"]
    sources = {s["part"]: s for s in shown["sources"]}
    assert sources["allocations"]["source"].startswith("sshare")
    assert all(s["error"] is None for s in shown["sources"])
    assert [s["health"] for s in shown["systems"]] == ["up"]
    assert [p["name"] for p in shown["partitions"]] == ["debug"]


async def test_the_limit_is_gone_once_removed(api: API, test_jobs: EarlyJobs) -> None:
    shown = await status(api)

    assert [(a["account"], a["unit"], a["allocated"]) for a in shown["allocations"]] == [
        (ACCOUNT, None, None)
    ]


async def test_a_maint_reservation_ahead_is_a_maintenance_notice_and_a_warning(
    api: API, test_jobs: EarlyJobs, maintenance: float
) -> None:
    shown = await status(api)
    two_hours = {"script": "#!/bin/bash\nsleep 1\n", "time_limit": 7200}
    check = await api("facilities", "cli", "jobs", "check", method="POST", body=two_hours)
    ten_minutes = {"script": "#!/bin/bash\nsleep 1\n", "time_limit": 600}
    short = await api("facilities", "cli", "jobs", "check", method="POST", body=ten_minutes)

    [notice] = [n for n in shown["notices"] if n["id"] == RESERVATION]
    assert notice["kind"] == "maintenance"
    assert (notice["start"], notice["end"]) == (maintenance, maintenance + 1800)
    assert notice["status"] == "INACTIVE"
    assert "maintenance_ahead" in [w["code"] for w in check["warnings"]]
    assert check["node_hours"] == 2
    assert "maintenance_ahead" not in [w["code"] for w in short["warnings"]]


async def test_a_job_that_left_its_cpus_idle_is_told_so(api: API, test_jobs: EarlyJobs) -> None:
    job = await finished(api, test_jobs.idle, timeout=120)

    figures = job["efficiency"]
    assert job["state"] == "COMPLETED"
    assert figures["source"] == "sacct"
    assert figures["cpus"] == 2
    assert figures["cpu_efficiency"] < 0.1
    assert "Most CPUs sat idle" in figures["summary"]
    # not enforced here (see the module's docstring): the peak is measured, of what was asked
    assert figures["memory_requested"] == 200 << 20
    assert 80 << 20 < figures["memory_used"] < 200 << 20
    assert "Memory peak" in figures["summary"]


async def test_a_job_that_hit_its_time_limit_is_told_so(api: API, test_jobs: EarlyJobs) -> None:
    job = await finished(api, test_jobs.too_slow, timeout=240)

    figures = job["efficiency"]
    assert job["state"] == "TIMEOUT"
    assert figures["outcome"] == "timeout"
    assert figures["time_limit"] == 60
    assert figures["elapsed"] >= 60
    assert figures["summary"].startswith("Ran out of time: stopped at its time limit of 00:01:00.")


async def test_a_job_past_its_memory_is_stopped_and_told_it_ran_out_of_memory(
    api: API, slurm_cluster: Cluster
) -> None:
    # Given a job asking for 50 MiB that builds a 200 MiB string, its memory sampled every second
    job_id = slurm_cluster.run_as(
        slurm_cluster.user,
        *("sbatch", "--parsable", "--chdir=/tmp", "--output=/dev/null", "--time=2"),
        *("--mem=50M", "--acctg-freq=task=1", "--wrap"),
        "perl -e '$x = q(a) x (200*1024*1024); sleep 30'",
    )

    # When it has ended (Slurm killed it: OverMemoryKill)
    job = await finished(api, job_id, timeout=120)

    # Then it ran out of memory, in words, with its peak and its request
    figures = job["efficiency"]
    assert figures["outcome"] == "out_of_memory", figures
    assert figures["summary"].startswith("Ran out of memory (peak"), figures
    assert figures["memory_requested"] == 50 * 2**20
    assert figures["memory_used"] > figures["memory_requested"]


@pytest.fixture
def drained(slurm_cluster: Cluster) -> Iterator[str]:
    """The cluster's one node drained (after the module's jobs have ended), then resumed."""
    [node] = root(slurm_cluster, "sinfo", "--noheader", "--Node", "--format=%N").split()
    update = ("scontrol", "update", f"nodename={node}")
    root(slurm_cluster, *update, "state=drain", "reason=hpcj disk check")
    try:
        yield node
    finally:
        root(slurm_cluster, *update, "state=resume")
        # A job submitted before slurmd answers again waits as ReqNodeNotAvail for minutes:
        # the next module's jobs must find the node as they would have without this test
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = root(slurm_cluster, "sinfo", "--noheader", "--Node", "--format=%t").strip()
            if state in ("idle", "mix", "alloc"):  # no `*` (not responding), no drain
                break
            time.sleep(1)
        else:
            raise AssertionError(f"node {node} is {state!r} a minute after it was resumed")


async def test_a_drained_cluster_is_down_with_its_reason_and_a_submit_is_warned(
    api: API, test_jobs: EarlyJobs, drained: str
) -> None:
    shown = await status(api)
    check = await api(
        "facilities", "cli", "jobs", "check", method="POST", body={"script": "#!/bin/bash\n"}
    )

    [system] = shown["systems"]
    assert system["health"] == "down"
    assert f"{drained} drained: hpcj disk check" in system["message"]
    assert "system_down" in [w["code"] for w in check["warnings"]]
