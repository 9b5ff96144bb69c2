"""An `iri` facility's status and the checks before a submit, through the real server."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hpc_jupyter.backends.stamps import unix_seconds
from tests.iri.fake_iri import COMPUTE_ID, STORAGE_ID, FakeIRI, incident, sample

API = Callable[..., Awaitable[Any]]
STATUS = ("facilities", "alcf", "status")
CHECK = ("facilities", "alcf", "jobs", "check")
PROJECT = "Staff research project"
SCRIPT = "#!/bin/bash\necho hi\n"


@pytest.fixture
def iri_options(iri_options: dict[str, Any]) -> dict[str, Any]:
    """The facility's default account is the recorded project with allocations."""
    return {**iri_options, "account": PROJECT}


def _sources(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {source["part"]: source for source in status["sources"]}


async def test_status_parts_from_the_recorded_answers(api: API, fake: FakeIRI) -> None:
    # When the facility's status is asked for, with the recorded answers
    facility = await api("facilities", "alcf")
    status = await api(*STATUS)

    # Then its resources that bear on jobs are there, the compute one as the system
    assert "status" in facility["capabilities"]
    assert "jobs.efficiency" not in facility["capabilities"]  # the job model has no figures
    health = {s["name"]: s for s in status["systems"]}
    assert set(health) == {"perlmutter", "hpss", "cfs", "login nodes", "sfapi"}  # not Iris
    assert health["perlmutter"]["health"] == "degraded"
    assert "compute nodes" in health["perlmutter"]["message"]
    assert health["hpss"]["health"] == "up"
    assert health["hpss"]["message"] is None
    assert health["hpss"]["checked_at"] == unix_seconds("2026-11-21T10:23:46.814519Z")
    # the recorded incidents are all of March 2025: over, so none is on or ahead
    assert status["notices"] == []
    assert status["partitions"] is None  # the IRI API has no partitions
    # and the allocations of each project, in the API's units, the project's and the user's
    allocations = status["allocations"]
    recorded = sample("14")["body"][0]["entries"][0]
    cpu = next(a for a in allocations if a["scope"] == "project" and "CPU" in a["note"])
    assert cpu["account"] == PROJECT
    assert (cpu["unit"], cpu["allocated"], cpu["used"]) == (
        "node_hours",
        recorded["allocation"],
        recorded["usage"],
    )
    assert cpu["remaining"] == pytest.approx(recorded["allocation"] - recorded["usage"])
    [user] = [a for a in allocations if a["scope"] == "user"]
    share = sample("15")["body"][0]["entries"][0]
    assert user["remaining"] == pytest.approx(share["allocation"] - share["usage"])
    assert "gtorok" in user["note"]
    assert {a["unit"] for a in allocations} == {"node_hours", "bytes", "inodes"}
    assert all(a["default"] is True for a in allocations)  # the configured account
    assert all(source["error"] is None for source in status["sources"])


async def test_open_incidents_are_notices_of_their_kind(api: API, fake: FakeIRI) -> None:
    # Given planned work ahead, an outage now, a resolved one and one on the website only
    now = time.time()
    fake.set_status(
        incidents=[
            incident("planned", now + 3600, now + 7200, name="upgrade"),
            incident("unplanned", now - 600, now + 600, (STORAGE_ID,), "unresolved", "hpss"),
            incident("unplanned", now - 600, now + 600, resolution="completed", name="fixed"),
            incident(
                "unplanned",
                now - 60,
                now + 60,
                ("ddd39294-3ccb-5b96-9726-c2da8bdf6a90",),
                name="website",
            ),
            incident("reservation", now + 60, now + 120, name="course"),
        ]
    )

    # When the status is asked for
    status = await api(*STATUS)

    # Then the open ones bearing on jobs and files are notices, with their resources' names
    by_title = {n["title"]: n for n in status["notices"]}
    assert set(by_title) == {"upgrade", "hpss", "course"}
    assert by_title["upgrade"]["kind"] == "maintenance"
    assert by_title["upgrade"]["systems"] == ["compute nodes"]
    assert by_title["upgrade"]["start"] == pytest.approx(now + 3600, abs=1)
    assert by_title["hpss"]["kind"] == "incident"
    assert by_title["hpss"]["systems"] == ["hpss"]
    assert by_title["hpss"]["status"] == "unresolved"
    assert by_title["course"]["kind"] == "reservation"


async def test_one_failing_call_leaves_the_other_parts(api: API, fake: FakeIRI) -> None:
    # Given the API failing its incidents
    fake.fail("GET", "/status/incidents", 500)

    # When the status is asked for
    status = await api(*STATUS)

    # Then the notices are null with an error; systems and allocations stand
    assert status["notices"] is None
    assert _sources(status)["notices"]["error"]
    assert any(s["name"] == "perlmutter" for s in status["systems"])
    assert status["allocations"]


async def test_check_warns_of_an_allocation_a_job_would_exceed(api: API, fake: FakeIRI) -> None:
    # When a job of 64 nodes for an hour is checked, naming no account (the default's)
    share = sample("15")["body"][0]["entries"][0]
    left = share["allocation"] - share["usage"]  # the user's share: about 62 node hours
    body = {"script": SCRIPT, "nodes": 64, "time_limit": 3600}
    verdict = await api(*CHECK, method="POST", body=body)

    # Then it costs 64 node hours, charged to the user's share, which is too little
    assert verdict["node_hours"] == 64
    assert verdict["charge"] == 64
    assert verdict["unit"] == "node_hours"
    assert verdict["allocation"]["scope"] == "user"
    assert verdict["allocation"]["account"] == PROJECT
    assert verdict["allocation"]["remaining"] == pytest.approx(left)
    codes = [advice["code"] for advice in verdict["warnings"]]
    assert "over_allocation" in codes
    assert "system_degraded" in codes  # the recorded compute resource is degraded
    assert fake.jobs == {}


async def test_check_warns_of_a_down_system_and_maintenance(api: API, fake: FakeIRI) -> None:
    # Given the compute resource down and planned maintenance in an hour
    now = time.time()
    fake.set_status(
        resources={"compute nodes": "down"},
        incidents=[incident("planned", now + 3600, now + 7200, (COMPUTE_ID,))],
    )

    # When a two-hour job is checked
    verdict = await api(*CHECK, method="POST", body={"script": SCRIPT, "time_limit": 7200})

    # Then it warns of both
    codes = {advice["code"] for advice in verdict["warnings"]}
    assert {"system_down", "maintenance_ahead"} <= codes


async def test_a_job_within_the_share_gets_no_allocation_warning(api: API, fake: FakeIRI) -> None:
    # When a job of 8 nodes for an hour is checked against the named project
    body = {"script": SCRIPT, "nodes": 8, "time_limit": 3600, "account": PROJECT}
    verdict = await api(*CHECK, method="POST", body=body)

    # Then it is charged 8 node hours, with no warning about the allocation
    assert verdict["charge"] == 8
    codes = {advice["code"] for advice in verdict["warnings"]}
    assert not codes & {"over_allocation", "allocation_exhausted", "allocation_low"}


async def test_an_answer_of_another_shape_is_that_part_s_error(api: API, fake: FakeIRI) -> None:
    # Given the API answering its projects with an object, not the spec's list
    fake.fail("GET", "/account/projects", 200, {"projects": "soon"})

    # When the status is asked for
    status = await api(*STATUS)

    # Then the allocations are null with why, and the rest stands
    assert status["allocations"] is None
    assert "does not understand" in _sources(status)["allocations"]["error"]
    assert status["systems"]
