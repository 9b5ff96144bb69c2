"""A slurmrestd facility's status and its jobs' efficiency, on real Slurm 22.05, 24.11 and 26.05,
through the server's API: limits set with sacctmgr, a MAINT reservation made with scontrol,
and jobs that waste CPUs, use memory and run out of time.

The test clusters have no cgroups: memory is enforced by `JobAcctGatherParams=OverMemoryKill`
(`SelectTypeParameters=CR_Core_Memory`, `DefMemPerCPU=1024`), which kills a job past its
`--mem`; the efficiency then says it ran out of memory.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.slurm.slurm_helpers import FINAL
from tests.slurm_fixtures import Cluster, slurmrestd_facility

API = Callable[..., Awaitable[Any]]
FACILITY = "slurm"
JOBS = ("facilities", FACILITY, "jobs")
ACCOUNT = "hpcproj"


@pytest.fixture(scope="module", params=["22.05", "24.11", "26.05"])
def cluster(request: pytest.FixtureRequest) -> Cluster:
    """22.05 (v0.0.38: limits without usage), 24.11 and 26.05 (v0.0.42, v0.0.45: usage from
    /shares)."""
    fixture = {"22.05": "slurm_cluster", "24.11": "slurm_2411", "26.05": "slurm_2605"}[
        request.param
    ]
    found: Cluster = request.getfixturevalue(fixture)
    return found


@pytest.fixture
def hpc_facilities(cluster: Cluster) -> dict[str, Any]:
    return {FACILITY: slurmrestd_facility(cluster)}


def slurm(cluster: Cluster, *command: str) -> str:
    """Run a Slurm admin command (as root) on the cluster; its output."""
    done = subprocess.run(
        cluster.command(*command), check=True, capture_output=True, text=True, cwd="/tmp"
    )
    return done.stdout.strip()


TIMEOUT_RELEASE = "24.11"
"""The release a job is run out of its time on: a minute and more of the suite's time, and
the record's TIMEOUT is read the same way on each (slurm-cli's test shows it on 22.05)."""


@pytest.fixture
def slow_job(cluster: Cluster) -> str:
    """A job that runs out of its one minute."""
    if cluster.release != TIMEOUT_RELEASE:
        pytest.skip(f"a minute's wait; {TIMEOUT_RELEASE} shows it")
    return cluster.run_as(
        cluster.user,
        "sbatch",
        "--parsable",
        "--chdir",
        str(cluster.home),
        "--output=/dev/null",
        "--time=0:01",
        "--job-name=eff-timeout",
        "--wrap",
        "sleep 300",
    )


@pytest.fixture
def limits(cluster: Cluster) -> Iterator[None]:
    """GrpTRESMins on the account (cpu) and on the user's association (node), then none."""
    slurm(cluster, "sacctmgr", "-i", "modify", "account", ACCOUNT, "set", "GrpTRESMins=cpu=6000")
    slurm(
        cluster,
        "sacctmgr",
        "-i",
        "modify",
        "user",
        "where",
        f"name={cluster.user}",
        f"account={ACCOUNT}",
        "set",
        "GrpTRESMins=node=90",
    )
    yield
    slurm(cluster, "sacctmgr", "-i", "modify", "account", ACCOUNT, "set", "GrpTRESMins=cpu=-1")
    slurm(
        cluster,
        "sacctmgr",
        "-i",
        "modify",
        "user",
        "where",
        f"name={cluster.user}",
        f"account={ACCOUNT}",
        "set",
        "GrpTRESMins=node=-1",
    )


@pytest.fixture
def maintenance(cluster: Cluster) -> Iterator[str]:
    """A MAINT reservation of every node, a day from now for an hour; deleted afterwards."""
    name = f"hpcj-maint-{uuid.uuid4().hex[:6]}"
    slurm(
        cluster,
        "scontrol",
        "create",
        "reservation",
        f"reservationname={name}",
        "starttime=now+1day",
        "duration=60",
        "flags=maint",
        "nodes=ALL",
        "users=root",
    )
    yield name
    slurm(cluster, "scontrol", "delete", f"reservationname={name}")


async def _final(api: API, job_id: str, timeout: float = 150) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        job = await api(*JOBS, job_id)
        if job["state"] in FINAL:
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(1)


async def _with_efficiency(api: API, job_id: str, timeout: float = 60) -> Any:
    """The finished job once accounting has its record (the end reaches slurmdbd a moment
    after slurmctld)."""
    deadline = time.monotonic() + timeout
    while True:
        job = await _final(api, job_id)
        if job.get("efficiency") is not None and job["efficiency"]["source"] != "none":
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(1)


def _script(body: str, *directives: str) -> str:
    lines = "".join(f"#SBATCH {d}\n" for d in directives)
    return f"#!/bin/bash\n#SBATCH --output=/dev/null\n{lines}{body}\n"


# -- status ----------------------------------------------------------------------------------


async def test_the_cluster_is_up_and_its_parts_name_their_calls(api: API, cluster: Cluster) -> None:
    # When the status is asked
    status = await api("facilities", FACILITY, "status")

    # Then the cluster is up (its controller answers) and its partitions are listed
    health = {s["name"]: s["health"] for s in status["systems"]}
    assert health[FACILITY] == "up", status
    assert "debug" in [p["name"] for p in status["partitions"]]
    # And each part names the call it came from, in the version the facility speaks
    v = f"v0.0.{cluster.newest}"
    tail = "/" if cluster.newest >= 40 else ""
    sources = {(s["part"], s["source"]) for s in status["sources"]}
    assert {
        ("systems", f"GET /slurm/{v}/ping{tail}"),
        ("notices", f"GET /slurm/{v}/reservations{tail}"),
        ("partitions", f"GET /slurm/{v}/partitions{tail}"),
    } <= sources
    assert any(
        part == "allocations" and source.startswith(f"GET /slurmdb/{v}/associations")
        for part, source in sources
    )
    assert all(s["error"] is None for s in status["sources"]), status["sources"]
    if cluster.newest >= 42:  # slurmdbd has its own ping from v0.0.42 on
        assert health[f"{FACILITY} accounting"] == "up"


async def test_a_limit_set_with_sacctmgr_is_the_accounts_allocation(
    api: API, cluster: Cluster, limits: None
) -> None:
    # Given GrpTRESMins cpu=6000 on the account and node=90 on the user's association
    # When the status is asked again
    status = await api("facilities", FACILITY, "status", params={"refresh": "true"})

    # Then the account's limit is the project's allocation in CPU hours, the user's in node hours
    found = {(a["account"], a["scope"], a["unit"]): a for a in status["allocations"]}
    project = found[(ACCOUNT, "project", "cpu_hours")]
    mine = found[(ACCOUNT, "user", "node_hours")]
    assert (project["allocated"], mine["allocated"]) == (100, 1.5)
    assert project["default"] is True and project["note"] == "GrpTRESMins cpu=6000"
    if cluster.newest >= 40:
        # And the usage Slurm counts against it is told (/shares), the rest worked out
        assert project["used"] is not None and project["used"] >= 0
        assert project["remaining"] == pytest.approx(100 - project["used"])
    else:
        # v0.0.38 has no /shares: the usage is unknown, not zero
        assert (project["used"], project["remaining"]) == (None, None)


async def test_a_maint_reservation_is_maintenance_ahead_of_a_long_job(
    api: API, cluster: Cluster, maintenance: str
) -> None:
    # Given a MAINT reservation of every node starting in a day
    status = await api("facilities", FACILITY, "status", params={"refresh": "true"})

    # Then it is a maintenance notice, planned, starting in about a day
    notice = next(n for n in status["notices"] if n["id"] == maintenance)
    assert (notice["kind"], notice["status"]) == ("maintenance", "PLANNED")
    assert notice["start"] == pytest.approx(time.time() + 86400, abs=600)
    assert notice["end"] == pytest.approx(notice["start"] + 3600, abs=60)
    assert notice["systems"], notice

    # And a job of two days is warned it runs into it; a job of an hour is not
    script = "#!/bin/bash\nsleep 1\n"
    long = await api(
        *JOBS, "check", method="POST", body={"script": script, "time_limit": 2 * 86400}
    )
    short = await api(*JOBS, "check", method="POST", body={"script": script, "time_limit": 3600})
    assert "maintenance_ahead" in [w["code"] for w in long["warnings"]], long
    assert "maintenance_ahead" not in [w["code"] for w in short["warnings"]], short


# -- efficiency ------------------------------------------------------------------------------


async def test_a_job_that_leaves_cpus_idle_is_told_so(api: API, cluster: Cluster) -> None:
    # Given a job of two CPUs that only sleeps
    job = await api(
        *JOBS,
        method="POST",
        body={"script": _script("sleep 5", "--cpus-per-task=2", "--time=2")},
    )

    # When it has ended
    done = await _with_efficiency(api, job["id"])

    # Then its CPU efficiency is low, and the words say the CPUs sat idle
    eff = done["efficiency"]
    assert (eff["outcome"], eff["cpus"], eff["time_limit"]) == ("completed", 2, 120), eff
    assert eff["elapsed"] >= 4 and eff["cpu_efficiency"] < 0.2, eff
    assert "Most CPUs sat idle" in eff["summary"], eff
    assert eff["source"] == f"GET /slurmdb/v0.0.{cluster.newest}/job/{job['id']}"


async def test_the_memory_a_job_used_is_its_peak_of_what_it_asked(
    api: API, cluster: Cluster
) -> None:
    # Given a job that asks for 1 GiB and holds 200 MiB or more, its memory sampled every second
    # (sbatch: slurmrestd takes no --acctg-freq)
    job_id = cluster.run_as(
        cluster.user,
        "sbatch",
        "--parsable",
        "--chdir",
        str(cluster.home),
        "--output=/dev/null",
        "--mem=1G",
        "--acctg-freq=task=1",
        "--time=2",
        "--wrap",
        "perl -e '$x = q(a) x (200*1024*1024); sleep 4'",
    )

    # When it has ended
    eff = (await _with_efficiency(api, job_id))["efficiency"]

    # Then its peak memory and its request are told, and the share of one in the other
    assert eff["memory_requested"] == 1024**3, eff
    # (perl builds the string, then copies it: about twice 200 MiB at the peak)
    assert 190 * 2**20 <= eff["memory_used"] <= 640 * 2**20, eff
    assert 0.18 <= eff["memory_efficiency"] <= 0.63
    assert "Memory peak" in eff["summary"], eff


async def test_a_job_past_its_memory_is_stopped_and_told_it_ran_out_of_memory(
    api: API, cluster: Cluster
) -> None:
    # Given a job asking for 50 MiB that builds a 200 MiB string, its memory sampled every second
    job_id = cluster.run_as(
        cluster.user,
        *("sbatch", "--parsable", "--chdir", str(cluster.home), "--output=/dev/null"),
        *("--mem=50M", "--acctg-freq=task=1", "--time=2", "--wrap"),
        "perl -e '$x = q(a) x (200*1024*1024); sleep 30'",
    )

    # When it has ended (Slurm killed it: OverMemoryKill)
    done = await _with_efficiency(api, job_id)

    # Then it ran out of memory, in words, with its peak and its request
    eff = done["efficiency"]
    assert eff["outcome"] == "out_of_memory", eff
    assert eff["summary"].startswith("Ran out of memory (peak"), eff
    assert eff["memory_requested"] == 50 * 2**20
    assert eff["memory_used"] > eff["memory_requested"]


async def test_a_job_past_its_time_limit_is_told_it_ran_out_of_time(
    api: API, cluster: Cluster, slow_job: str
) -> None:
    # Given a job of one minute that sleeps five
    # When it has ended
    done = await _with_efficiency(api, slow_job, timeout=240)

    # Then it timed out, and the words say so and what to do
    eff = done["efficiency"]
    assert (done["state"], eff["outcome"], eff["time_limit"]) == ("TIMEOUT", "timeout", 60)
    assert "Ran out of time" in eff["summary"] and "longer time limit" in eff["summary"], eff
    assert eff["time_used"] >= 1
