"""A FirecREST v2 facility's status and the checks before a submit, through the real server."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from hpc_jupyter.backends.firecrest.status import system_health
from hpc_jupyter.backends.firecrest.v1.status import system_health as v1_system_health
from hpc_jupyter.backends.stamps import unix_seconds
from hpc_jupyter.models import Health
from tests.firecrest.double_fixtures import ON_V1
from tests.firecrest.fake_firecrest import FakeFirecrest, reservation, sample
from tests.firecrest.test_firecrest_jobs import LOGIN

API = Callable[..., Awaitable[Any]]
STATUS = ("facilities", "alps", "status")
CHECK = ("facilities", "alps", "jobs", "check")


def _sources(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {source["part"]: source for source in status["sources"]}


async def test_status_parts_from_the_recorded_answers(api: API, fake: FakeFirecrest) -> None:
    # When the facility's status is asked for, with the recorded answers
    facility = await api("facilities", "alps")
    status = await api(*STATUS)

    # Then it has the status capability and every part, each from its own call
    assert "status" in facility["capabilities"]
    assert status["system"] == "localcluster"
    [system] = status["systems"]
    assert system["name"] == "localcluster"
    assert system["health"] == "up"
    assert system["message"] is None
    recorded = sample("02")["body"]["systems"][0]["lastHealthCheck"]
    assert system["checked_at"] == unix_seconds(recorded)
    assert status["notices"] == []  # the recorded server had no reservations
    [partition] = status["partitions"]
    assert (partition["name"], partition["state"], partition["nodes"]) == ("debug", "UP", 1)
    assert partition["max_time"] is None  # FirecREST does not report it
    [account] = status["allocations"]
    assert account["account"] == "hpcproj"
    assert account["default"] is True
    assert (account["allocated"], account["used"], account["remaining"]) == (None, None, None)
    assert "names only" in account["note"]
    sources = _sources(status)
    assert sources["systems"]["source"] == "GET /status/systems"
    assert sources["allocations"]["source"] == "GET /status/localcluster/userinfo"
    assert all(source["error"] is None for source in sources.values())


async def test_without_slurm_accounting_the_accounts_are_missing_with_why(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a Slurm without its accounting database (userinfo answers the recorded 500)
    fake.set_status(accounting=False)

    # When the status is asked for
    status = await api(*STATUS)

    # Then the accounts are null with the reason, and the other parts stand
    assert status["allocations"] is None
    error = _sources(status)["allocations"]["error"]
    assert "slurmdbd" in error
    assert status["systems"][0]["health"] == "up"
    assert status["partitions"][0]["name"] == "debug"
    assert status["notices"] == []


async def test_one_failing_call_leaves_the_other_parts(api: API, fake: FakeFirecrest) -> None:
    # Given FirecREST failing the partitions call
    fake.fail("GET", "/status/localcluster/partitions", 500)

    # When the status is asked for
    status = await api(*STATUS)

    # Then the partitions are null with an error; systems, notices and accounts stand
    assert status["partitions"] is None
    assert _sources(status)["partitions"]["error"]
    assert status["systems"][0]["health"] == "up"
    assert status["allocations"][0]["account"] == "hpcproj"
    assert status["notices"] == []


async def test_unhealthy_services_and_reservations(api: API, fake: FakeFirecrest) -> None:
    # Given a failing filesystem, a maintenance reservation and another one
    now = time.time()
    fake.set_status(
        unhealthy={"filesystem": "timeout"},
        reservations=[
            reservation("maint_dec", now + 3600, now + 7200),
            reservation("course", now + 60, now + 600, features="gpu", state="ACTIVE"),
        ],
    )

    # When the status is asked for
    status = await api(*STATUS)

    # Then the system is degraded, naming the failing services, and the notices are sorted out
    [system] = status["systems"]
    assert system["health"] == "degraded"
    assert "filesystem /home: timeout" in system["message"]
    assert "filesystem /tmp: timeout" in system["message"]
    by_id = {notice["id"]: notice for notice in status["notices"]}
    assert by_id["maint_dec"]["kind"] == "maintenance"
    assert by_id["maint_dec"]["start"] == int(now + 3600)
    assert by_id["maint_dec"]["end"] == int(now + 7200)
    assert by_id["maint_dec"]["systems"] == ["localcluster"]
    assert by_id["course"]["kind"] == "reservation"
    assert by_id["course"]["status"] == "ACTIVE"


async def test_check_warns_of_a_down_system_maintenance_and_a_down_partition(
    api: API, fake: FakeFirecrest
) -> None:
    # Given the scheduler down, maintenance in an hour and the partition drained
    now = time.time()
    fake.set_status(
        unhealthy={"scheduler": "Slurm does not answer"},
        reservations=[reservation("maint_dec", now + 3600, now + 7200)],
        partitions=[{"name": "debug", "cpus": 2, "totalNodes": 1, "partition": "DRAIN"}],
    )

    # When a two-hour job on two nodes is checked
    body = {"script": LOGIN, "time_limit": 7200, "nodes": 2, "partition": "debug"}
    verdict = await api(*CHECK, method="POST", body=body)

    # Then it warns of each, and charges nothing (FirecREST tells no balance)
    codes = {advice["code"] for advice in verdict["warnings"]}
    assert {"system_down", "maintenance_ahead", "partition_not_up"} <= codes
    down = next(a for a in verdict["warnings"] if a["code"] == "system_down")
    assert "scheduler: Slurm does not answer" in down["message"]
    assert verdict["node_hours"] == 4
    assert verdict["charge"] is None
    assert verdict["allocation"]["account"] == "hpcproj"  # the default account, by name
    assert fake.jobs == {}  # nothing was submitted


async def test_check_of_a_healthy_facility_has_no_warnings(api: API, fake: FakeFirecrest) -> None:
    verdict = await api(*CHECK, method="POST", body={"script": LOGIN, "time_limit": 600})
    assert verdict["warnings"] == []
    assert verdict["node_hours"] == round(600 / 3600, 4)


async def test_finished_job_efficiency_from_its_record(api: API, fake: FakeFirecrest) -> None:
    # Given a job that failed with exit code 3
    job = await api("facilities", "alps", "jobs", method="POST", body={"script": LOGIN})
    fake.jobs[job["id"]].start -= 120
    fake.finish_job(job["id"], exit_code=3)

    # When it is read
    done = await api("facilities", "alps", "jobs", job["id"])

    # Then its efficiency has what FirecREST's record tells, and None for what it does not
    facility = await api("facilities", "alps")
    assert "jobs.efficiency" in facility["capabilities"]
    efficiency = done["efficiency"]
    assert efficiency["outcome"] == "failed"
    assert efficiency["exit_code"] == 3
    assert efficiency["time_limit"] == 3600
    assert efficiency["elapsed"] >= 120
    assert efficiency["cpu_efficiency"] is None
    assert efficiency["memory_used"] is None
    assert efficiency["source"] == f"GET /compute/localcluster/jobs/{job['id']}"
    assert "exit code 3" in efficiency["summary"]


def test_a_system_is_down_when_every_service_fails_and_unknown_before_a_check() -> None:
    recorded = sample("02")["body"]["systems"][0]
    failing = [dict(s, healthy=False) for s in recorded["servicesHealth"]]
    only_filesystems = [s for s in failing if s["serviceType"] == "filesystem"]
    assert system_health(dict(recorded, servicesHealth=failing)).health == Health.DOWN
    assert system_health(dict(recorded, servicesHealth=only_filesystems)).health == Health.DOWN
    assert system_health(dict(recorded, servicesHealth=None)).health == Health.UNKNOWN
    down = v1_system_health({"system": "c", "status": "unavailable", "description": "ssh failed"})
    assert (down.health, down.message) == (Health.DOWN, "unavailable: ssh failed")


@ON_V1
async def test_firecrest_v1_reports_systems_and_partitions_only(
    api: API, double: FakeFirecrest
) -> None:
    # When a v1 facility is described and its status asked for
    facility = await api("facilities", "alps")
    status = await api(*STATUS)

    # Then its systems' words and its partitions are there; what v1 does not tell is null
    assert "status" in facility["capabilities"]
    assert "jobs.efficiency" not in facility["capabilities"]
    [system] = status["systems"]
    assert (system["name"], system["health"], system["message"]) == ("cluster", "up", None)
    assert [p["name"] for p in status["partitions"]] == ["normal", "debug"]
    assert status["partitions"][0]["default"] is True
    assert status["notices"] is None
    assert status["allocations"] is None
    assert {s["part"] for s in status["sources"]} == {"systems", "partitions"}


async def test_an_answer_of_another_shape_is_that_part_s_error(
    api: API, fake: FakeFirecrest
) -> None:
    # Given FirecREST answering its reservations with a word where a list belongs
    fake.fail("GET", "/status/localcluster/reservations", 200, {"reservations": "none"})

    # When the status is asked for
    status = await api(*STATUS)

    # Then the notices are null with why, and the rest stands
    assert status["notices"] is None
    assert "does not understand" in _sources(status)["notices"]["error"]
    assert status["partitions"]
