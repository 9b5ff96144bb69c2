"""The focused per-version set: every slurmrestd API version the three test clusters serve.

22.05 serves v0.0.36-38, 24.11 v0.0.40-42, 26.05 v0.0.42-45; each (release, version) pair gets
a facility pinned to that version. The basics go through the server's API; what the API cannot
reach (a DELETE Slurm refuses, the warnings of a submit) goes to the backend, still against the
real slurmrestd."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.auth import SlurmJWT
from hpc_jupyter.auth.secrets import SecretSource
from hpc_jupyter.backends.slurm.rest_client import SlurmRestClient
from hpc_jupyter.backends.slurm.rest_jobs import SlurmRestJobs
from hpc_jupyter.backends.slurm.schema import JobSpec, submit_body
from hpc_jupyter.errors import FacilityAuthError, NotFound, PermissionDenied
from tests.helpers import expect_error
from tests.slurm.slurm_helpers import API, wait_for_state
from tests.slurm_fixtures import Cluster, slurmrestd_facility

PAIRS = [
    *(("22.05", version) for version in (36, 37, 38)),
    *(("24.11", version) for version in (40, 41, 42)),
    *(("26.05", version) for version in (42, 43, 44, 45)),
]
FIXTURES = {"22.05": "slurm_cluster", "24.11": "slurm_2411", "26.05": "slurm_2605"}
JOBS = ("facilities", "slurm", "jobs")
WAIT = 180.0  # other helpers' jobs share the 2-CPU nodes


@pytest.fixture(params=PAIRS, ids=[f"{release}-v{version}" for release, version in PAIRS])
def pair(request: pytest.FixtureRequest) -> tuple[Cluster, int]:
    """A running cluster and one API version it serves."""
    release, version = request.param
    cluster: Cluster = request.getfixturevalue(FIXTURES[release])
    assert version in cluster.versions
    return cluster, version


@pytest.fixture
def token_reads(tmp_path: Path) -> Path:
    """A file that gets a line each time the bad token's command is run."""
    return tmp_path / "token-reads"


@pytest.fixture
def hpc_facilities(pair: tuple[Cluster, int], token_reads: Path) -> dict[str, Any]:
    cluster, version = pair
    pinned = f"v0.0.{version}"
    unserved = 45 if 45 not in cluster.versions else 40
    return {
        "slurm": slurmrestd_facility(cluster, api_version=pinned),
        "badtoken": slurmrestd_facility(
            cluster,
            api_version=pinned,
            token={"command": f"sh -c 'echo >> {token_reads}; echo not.a.token'"},
        ),
        "unserved": slurmrestd_facility(cluster, api_version=f"v0.0.{unserved}"),
        "newest": slurmrestd_facility(cluster),
    }


async def _runs_and_its_log_is_read(api: API, version: int) -> None:
    script = f"#!/bin/bash\n#SBATCH --output=api-v{version}-%j.out\necho hello-v{version}\n"
    job = await api(*JOBS, method="POST", body={"script": script})
    done = await wait_for_state(api, "slurm", job["id"], {"COMPLETED"}, timeout=WAIT)
    assert done["exit_code"] == 0, done
    log = await api(*JOBS, job["id"], "output", params={"stream": "stdout"})
    assert log["data"] == f"hello-v{version}\n", log


async def _a_failing_job_has_its_exit_code(api: API) -> None:
    script = "#!/bin/bash\n#SBATCH --output=/dev/null\nexit 3\n"
    job = await api(*JOBS, method="POST", body={"script": script})
    done = await wait_for_state(api, "slurm", job["id"], {"FAILED"}, timeout=WAIT)
    assert done["exit_code"] == 3, done


async def _cancel_gives_cancelled(api: API) -> None:
    script = "#!/bin/bash\n#SBATCH --output=/dev/null\nsleep 300\n"
    job = await api(*JOBS, method="POST", body={"script": script})
    await api(*JOBS, job["id"], method="DELETE")
    cancelled = await wait_for_state(api, "slurm", job["id"], {"CANCELLED"}, timeout=WAIT)
    assert cancelled["state"] == "CANCELLED"


async def _requeue_where_the_version_has_it(api: API, version: int) -> None:
    capabilities = (await api("facilities", "slurm"))["capabilities"]
    script = "#!/bin/bash\n#SBATCH --output=/dev/null\nsleep 300\n"
    job = await api(*JOBS, method="POST", body={"script": script})
    try:
        if version < 45:
            assert "jobs.requeue" not in capabilities and "jobs.hold" in capabilities
            refused = await expect_error(
                api(*JOBS, job["id"], "requeue", method="POST", body=""), 400
            )
            assert f"v0.0.{version}" in refused["message"], refused
            return
        assert "jobs.requeue" in capabilities
        await wait_for_state(api, "slurm", job["id"], {"RUNNING"}, timeout=WAIT)
        requeued = await api(*JOBS, job["id"], "requeue", method="POST", body="")
        assert requeued["state"] in ("PENDING", "COMPLETING"), requeued
        # Back in the queue (Slurm lets a requeued job start again only ~2 min later)
        again = await wait_for_state(api, "slurm", job["id"], {"PENDING"}, timeout=WAIT)
        assert again["start_time"] is None, again
    finally:
        await api(*JOBS, job["id"], method="DELETE")


async def test_the_basics_on_each_version(
    api: API, pair: tuple[Cluster, int], token_reads: Path
) -> None:
    cluster, version = pair

    # Without `api_version` the newest served is spoken (only v0.0.45 can requeue), and the
    # first description already says so
    newest = await api("facilities", "newest")
    assert ("jobs.requeue" in newest["capabilities"]) is (cluster.newest == 45), newest

    # A refused token is read again once, then a 401; the auth status says "expired".
    # (v0.0.36 does not say that it refused the token: jobs is a 500 with no error at all.)
    if version > 36:
        refused = await expect_error(api("facilities", "badtoken", "jobs"), 401)
        assert "token" in refused["message"] and "not.a.token" not in refused["message"]
        assert len(token_reads.read_text().splitlines()) == 2
        described = await api("facilities", "badtoken")
        assert described["auth"]["status"] == "expired", described

    # A version the server does not serve is a clear error, not a 404 text
    unserved = await expect_error(api("facilities", "unserved", "jobs"), 502)
    assert "does not serve the configured `api_version`" in unserved["message"], unserved

    # The pinned version answers: partitions, jobs that run, fail and are cancelled, requeue
    described = await api("facilities", "slurm")
    assert described["auth"]["status"] == "ok", described
    partitions = await api("facilities", "slurm", "partitions")
    assert "debug" in {p["name"] for p in partitions["partitions"]}, partitions
    await asyncio.gather(
        _runs_and_its_log_is_read(api, version),
        _a_failing_job_has_its_exit_code(api),
        _cancel_gives_cancelled(api),
        _requeue_where_the_version_has_it(api, version),
    )


def _jobs(cluster: Cluster, version: int, token: str | None = None) -> SlurmRestJobs:
    source = (
        SecretSource.parse("t", "token", {"value": token})
        if token
        else SecretSource.parse("t", "token", {"command": cluster.token_command(cluster.user)})
    )
    client = SlurmRestClient("t", cluster.url, cluster.user, SlurmJWT("t", source))
    return SlurmRestJobs("t", client, None, home=str(cluster.home), api_version=version)


async def test_the_fullest_request_gives_no_warning_and_warnings_are_logged(
    pair: tuple[Cluster, int], caplog: pytest.LogCaptureFixture
) -> None:
    cluster, version = pair
    jobs = _jobs(cluster, version)
    spec = JobSpec(
        script="#!/bin/bash\necho full\n",
        name="fullest",
        workdir=str(cluster.home),
        env={"PATH": "/usr/bin:/bin", "FULL": "1"},
        partition="debug",
        account="hpcproj",
        nodes=1,
        time_limit_minutes=2,
        stdout="full-%A_%a.out",
        stderr="full-%A_%a.err",
        array="0-1",
        tasks=1,
        cpus_per_task=1,
        memory_mb=100,
        qos="normal",
    )
    path = f"/slurm/v0.0.{version}/job/submit"
    caplog.set_level(logging.WARNING, logger="hpc_jupyter.slurm")
    try:
        data = await jobs.client.call("POST", path, body=submit_body(version, spec))
        await jobs.kill(str(data["job_id"]))
        assert not data.get("warnings"), data.get("warnings")
        assert not caplog.records
        if version >= 40:  # 22.05 refuses an unknown key (400); 24.11 on only warn
            body = submit_body(version, spec)
            body["job"]["output"] = "typo.out"
            data = await jobs.client.call("POST", path, body=body)
            await jobs.kill(str(data["job_id"]))
            warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert any("Ignoring unknown field" in text and "output" in text for text in warned)
    finally:
        await jobs.client.close()


# v0.0.40 and v0.0.41 answer a DELETE Slurm refused with 200 and nothing at all (no `status`),
# v0.0.36 with an error that has no number: there the server's own checks (the job exists, is
# the user's, has not ended) are all there is.
@pytest.mark.parametrize(
    ("release", "version"), [p for p in PAIRS if p[1] not in (36, 40, 41)], ids=lambda p: str(p)
)
async def test_delete_says_what_slurm_refused(
    request: pytest.FixtureRequest, release: str, version: int
) -> None:
    # 22.05: HTTP 500 + the error; v0.0.42 on: HTTP 200, `errors: []`, the error in `status[]`
    cluster: Cluster = request.getfixturevalue(FIXTURES[release])
    jobs = _jobs(cluster, version)
    submitted = cluster.run_as(
        cluster.other_user, "sbatch", "--hold", "-o", "/dev/null", "--wrap", "sleep 60"
    )
    other = re.findall(r"\d+", submitted)[-1]
    try:
        with pytest.raises(NotFound):
            await jobs.kill("999999")
        with pytest.raises(PermissionDenied):
            await jobs.kill(other)
    finally:
        subprocess.run(cluster.command("scancel", other), check=True, cwd="/tmp")
        await jobs.client.close()


@pytest.mark.parametrize(
    ("release", "version"), [p for p in PAIRS if p[0] != "22.05"], ids=lambda p: str(p)
)
async def test_a_refused_token_on_accounting_is_an_auth_error(
    request: pytest.FixtureRequest, release: str, version: int
) -> None:
    # 24.11 on answer it 502 + 7000, as if slurmdbd were down (22.05: 200 + error 1007).
    cluster: Cluster = request.getfixturevalue(FIXTURES[release])
    jobs = _jobs(cluster, version, token="not.a.token")
    try:
        with pytest.raises(FacilityAuthError):
            await jobs.client.call("GET", f"/slurmdb/v0.0.{version}/jobs/")
    finally:
        await jobs.client.close()
