"""Chains of jobs (`depends_on`) on real Slurm 22.05, 24.11 and 26.05, through both Slurm kinds,
and Slurm's dependency text read back."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hpc_jupyter.backends.slurm.dependencies import dependency_option, parse_dependency
from hpc_jupyter.backends.slurm.request import job_spec
from hpc_jupyter.models import Dependency, JobRequest
from tests.helpers import expect_error
from tests.slurm.slurm_helpers import wait_for_state
from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

API = Callable[..., Awaitable[Any]]
KINDS = {"slurmrestd": "rest", "slurm-cli": "cli"}


@pytest.fixture
def hpc_facilities(slurm_of_test: Cluster) -> dict[str, Any]:
    return {"rest": slurmrestd_facility(slurm_of_test), "cli": slurm_cli_facility(slurm_of_test)}


@pytest.fixture(params=sorted(KINDS))
def facility(request: pytest.FixtureRequest) -> str:
    """One facility of each Slurm kind."""
    return KINDS[request.param]


def _script(body: str, tag: str) -> str:
    return f"#!/bin/bash\n#SBATCH --output=chain-{tag}-%j.out\n{body}\n"


# -- the dependency text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "jobs", "kind"),
    [
        ("", (), None),
        ("(null)", (), None),
        ("afterok:658(unfulfilled)", ("658",), Dependency.AFTEROK),
        (
            "afternotok:658(unfulfilled),afternotok:659(unfulfilled)",
            ("658", "659"),
            Dependency.AFTERNOTOK,
        ),
        ("afterok:12_*(unfulfilled)", ("12",), Dependency.AFTEROK),
        ("afterany:12_3(failed)", ("12_3",), Dependency.AFTERANY),
        ("afterok:1,afterany:2", ("1", "2"), None),
        ("after:7+5(unfulfilled)", ("7",), None),
        ("singleton(unfulfilled)", (), None),
        ("afterok:1:2?afterok:3", ("1", "2", "3"), Dependency.AFTEROK),
    ],
)
def test_a_records_dependency_text_is_read_as_jobs_and_a_kind(
    text: str, jobs: tuple[str, ...], kind: Dependency | None
) -> None:
    assert parse_dependency(text) == (jobs, kind)


def test_a_request_is_written_as_slurm_s_dependency_option() -> None:
    script = "#!/bin/bash\ntrue\n"
    assert dependency_option(JobRequest(script=script)) is None
    assert (
        dependency_option(
            JobRequest(script=script, depends_on=("12", "13"), dependency=Dependency.AFTERANY)
        )
        == "afterany:12:13"
    )


def test_slurmrestd_takes_a_script_s_dependency_unless_the_request_gives_one() -> None:
    script = "#!/bin/bash\n#SBATCH --dependency=afterany:5\ntrue\n"
    as_written = job_spec(JobRequest(script=script), user="ada", home="/home/ada")
    assert as_written.dependency == "afterany:5"
    asked = JobRequest(script=script, depends_on=("7",), dependency=Dependency.AFTERNOTOK)
    assert job_spec(asked, user="ada", home="/home/ada").dependency == "afternotok:7"


# -- a chain on the real clusters ------------------------------------------------------------


async def test_a_chain_waits_runs_and_never_runs_as_slurm_decides(
    api: API, facility: str, slurm_release: Cluster
) -> None:
    # Given a job A that fails after a few seconds
    jobs = ("facilities", facility, "jobs")
    tag = uuid.uuid4().hex[:6]
    first = await api(*jobs, method="POST", body={"script": _script("sleep 4; exit 3", tag)})
    # When B waits for it to succeed, C for it to fail, D for it to end at all
    waiting = {}
    for kind in ("afterok", "afternotok", "afterany"):
        body = {
            "script": _script("echo after", tag),
            "depends_on": [first["id"]],
            "dependency": kind,
        }
        waiting[kind] = await api(*jobs, method="POST", body=body)

    # Then while A has not ended, each is PENDING for its Dependency, and shows what it waits for
    before = await api(*jobs, waiting["afterok"]["id"])
    assert before["state"] == "PENDING", before
    assert before["reason"] == "Dependency", before
    assert before["depends_on"] == [first["id"]] and before["dependency"] == "afterok", before
    listed = {job["id"]: job for job in (await api(*jobs))["jobs"]}
    assert listed[waiting["afternotok"]["id"]]["dependency"] == "afternotok"

    # And once A has failed, C and D run, and B can never start: Slurm keeps it PENDING
    await wait_for_state(api, facility, first["id"], ["FAILED"], timeout=90)
    for kind in ("afternotok", "afterany"):
        await wait_for_state(api, facility, waiting[kind]["id"], ["COMPLETED"], timeout=90)
    never = await _reason(api, jobs, waiting["afterok"]["id"], "DependencyNeverSatisfied")
    assert never["state"] == "PENDING" and never["reason"] == "DependencyNeverSatisfied", never
    assert never["depends_on"] == [first["id"]], never  # afterok:A(failed)
    await api(*jobs, waiting["afterok"]["id"], method="DELETE")


async def _reason(api: API, jobs: tuple[str, ...], job_id: str, reason: str) -> Any:
    """The job once its pending reason is `reason` (slurmctld re-evaluates every few seconds)."""
    deadline = time.monotonic() + 60
    while True:
        job = await api(*jobs, job_id)
        if job["reason"] == reason or time.monotonic() > deadline:
            return job
        await asyncio.sleep(0.5)


async def test_a_dependency_on_an_unknown_job_is_slurm_s_refusal_as_a_400(
    api: API, facility: str, slurm_newer: Cluster
) -> None:
    """24.11 and 26.05 refuse it at submission (22.05 takes it and leaves the job pending)."""
    body = {"script": "#!/bin/bash\ntrue\n", "depends_on": ["999999"]}
    error = await expect_error(api("facilities", facility, "jobs", method="POST", body=body), 400)
    assert "Job dependency problem" in error["message"], error
