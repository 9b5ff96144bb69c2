"""Chains of jobs on the local facility through the real server: a job waits for others
(`depends_on`) as its `dependency` says, as Slurm's would, and the wait outlives the server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.models import JobRequest, JobState
from tests.helpers import JOBS, expect_error, get_job, submit, wait_for_state

API = Callable[..., Awaitable[Any]]
OK, FAILS = "#!/bin/bash\nsleep 1\necho ok\n", "#!/bin/bash\nsleep 1\nexit 3\n"


async def _after(api: API, jobs: list[Any], kind: str, script: str = "#!/bin/bash\necho\n") -> Any:
    return await submit(api, script, depends_on=[job["id"] for job in jobs], dependency=kind)


async def test_the_facility_declares_dependencies(api: API) -> None:
    facility = await api("facilities", "local")
    assert "jobs.dependencies" in facility["capabilities"]


async def test_a_chain_of_three_runs_one_after_the_other(api: API) -> None:
    # Given A, B after A succeeds, C after B succeeds
    first = await submit(api, OK)
    second = await _after(api, [first], "afterok", OK)
    third = await _after(api, [second], "afterok")

    # Then B and C wait for their Dependency, and say what they wait for
    waiting = await get_job(api, third["id"])
    assert (waiting["state"], waiting["reason"]) == ("PENDING", "Dependency"), waiting
    assert (waiting["depends_on"], waiting["dependency"]) == ([second["id"]], "afterok")
    listed = {job["id"]: job for job in (await api(*JOBS))["jobs"]}
    assert listed[second["id"]]["depends_on"] == [first["id"]]
    assert listed[first["id"]]["depends_on"] == [] and listed[first["id"]]["dependency"] is None

    # And each starts only once the one before has completed
    done = [await wait_for_state(api, job["id"], {"COMPLETED"}) for job in (first, second, third)]
    assert done[0]["end_time"] <= done[1]["start_time"]
    assert done[1]["end_time"] <= done[2]["start_time"]


async def test_a_failed_job_never_satisfies_afterok_and_releases_afternotok_and_afterany(
    api: API,
) -> None:
    # Given A that fails, and three jobs waiting for it in each way
    first = await submit(api, FAILS)
    ok = await _after(api, [first], "afterok")
    not_ok = await _after(api, [first], "afternotok")
    any_ = await _after(api, [first], "afterany")

    # Then once A has failed, afternotok and afterany run
    await wait_for_state(api, first["id"], {"FAILED"})
    await wait_for_state(api, not_ok["id"], {"COMPLETED"})
    await wait_for_state(api, any_["id"], {"COMPLETED"})
    # And afterok stays PENDING for ever, as Slurm keeps it, until cancelled
    never = await get_job(api, ok["id"])
    assert (never["state"], never["reason"]) == ("PENDING", "DependencyNeverSatisfied"), never
    await api(*JOBS, ok["id"], method="DELETE")
    assert (await get_job(api, ok["id"]))["state"] == "CANCELLED"


async def test_a_job_after_an_array_waits_for_every_task(api: API) -> None:
    # Given an array of three tasks, the last of which sleeps longer, and a job after it
    script = "#!/bin/bash\nsleep $((1 + 2 * (SLURM_ARRAY_TASK_ID == 2)))\n"
    array = await submit(api, script, array="0-2")
    after = await _after(api, [array], "afterok")

    # Then the job starts only once the last task has ended (not when the first has)
    done = await wait_for_state(api, after["id"], {"COMPLETED"}, timeout=60)
    tasks = [job for job in (await api(*JOBS))["jobs"] if job["array_job_id"] == array["id"]]
    assert sorted(task["state"] for task in tasks) == ["COMPLETED"] * 3
    assert max(task["end_time"] for task in tasks) <= done["start_time"]


async def test_a_cancelled_job_is_not_ok_for_what_waits_for_it(api: API) -> None:
    first = await submit(api, "#!/bin/bash\nsleep 60\n")
    ok = await _after(api, [first], "afterok")
    not_ok = await _after(api, [first], "afternotok")
    await api(*JOBS, first["id"], method="DELETE")
    await wait_for_state(api, not_ok["id"], {"COMPLETED"})
    never = await get_job(api, ok["id"])
    assert never["reason"] == "DependencyNeverSatisfied", never
    await api(*JOBS, ok["id"], method="DELETE")


async def test_a_held_waiting_job_waits_again_once_released(api: API) -> None:
    first = await submit(api, "#!/bin/bash\nsleep 60\n")
    second = await _after(api, [first], "afterany")
    held = await api(*JOBS, second["id"], "hold", method="POST", body={})
    assert held["reason"] == "JobHeldUser"
    released = await api(*JOBS, second["id"], "release", method="POST", body={})
    assert (released["state"], released["reason"]) == ("PENDING", "Dependency"), released
    await api(*JOBS, first["id"], method="DELETE")
    await wait_for_state(api, second["id"], {"COMPLETED"})


async def test_a_dependency_on_an_unknown_job_is_a_400(api: API) -> None:
    for ids in (["999999"], ["12_3"], ["abc"]):
        body = {"script": "#!/bin/bash\ntrue\n", "depends_on": ids}
        error = await expect_error(api(*JOBS, method="POST", body=body), 400)
        assert "Job dependency problem" in error["message"], error
    bad_kind = {"script": "#!/bin/bash\ntrue\n", "depends_on": ["1"], "dependency": "after"}
    await expect_error(api(*JOBS, method="POST", body=bad_kind), 400)
    assert (await api(*JOBS))["jobs"] == []


def test_a_wait_outlives_the_server_and_is_decided_by_the_next(tmp_path: Path) -> None:
    async def scenario() -> None:
        root = tmp_path / "root"
        root.mkdir()

        def server() -> LocalJobs:
            return LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", 2)

        # Given a server that records A and B (after A) and stops before A has even started
        first_server = server()
        first = await first_server.submit("localhost", JobRequest(script=OK))
        request = JobRequest(script="#!/bin/bash\necho\n", depends_on=(first.id,))
        second = await first_server.submit("localhost", request)
        await first_server.close()

        # When the next server follows the store
        next_server = server()
        await next_server.start()
        try:
            for _ in range(400):
                job = await next_server.get_job("localhost", second.id)
                if job.state.is_final:
                    break
                await asyncio.sleep(0.05)
            # Then B ran once A had completed
            done = await next_server.get_job("localhost", first.id)
            assert (done.state, job.state) == (JobState.COMPLETED, JobState.COMPLETED), job
            assert job.depends_on == (first.id,)
        finally:
            await next_server.close()

    asyncio.run(scenario())


def test_two_servers_of_one_user_release_a_waiting_job_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        root = tmp_path / "root"
        root.mkdir()
        servers = [
            LocalJobs("local", "localhost", RootedPaths(root), tmp_path / "data", 2, tick=0.05)
            for _ in range(2)
        ]
        for server in servers:
            await server.start()
        try:
            # Given a chain submitted through one server while both follow the shared store
            first = await servers[0].submit("localhost", JobRequest(script=OK))
            script = "#!/bin/bash\necho ran >> ran.txt\n"
            request = JobRequest(script=script, depends_on=(first.id,))
            second = await servers[1].submit("localhost", request)
            for _ in range(400):
                job = await servers[0].get_job("localhost", second.id)
                if job.state.is_final:
                    break
                await asyncio.sleep(0.05)
            # Then the waiting job ran once, after the first
            assert job.state is JobState.COMPLETED, job
            assert (root / "ran.txt").read_text() == "ran\n"
        finally:
            for server in servers:
                await server.close()

    asyncio.run(scenario())


async def test_the_listing_tells_a_dependency_never_met_once_its_job_is_cancelled(api: API) -> None:
    """The panel reads the listing: it must not keep saying "Waiting for job N" (a cached
    listing that the settling of a dependency did not change)."""
    first = await submit(api, "#!/bin/bash\nsleep 60\n")
    waiting = await _after(api, [first], "afterok")
    await wait_for_state(api, first["id"], {"RUNNING"})
    listed = {job["id"]: job for job in (await api(*JOBS))["jobs"]}
    assert listed[waiting["id"]]["reason"] == "Dependency"

    await api(*JOBS, first["id"], method="DELETE")

    deadline = asyncio.get_running_loop().time() + 20
    while True:
        listed = {job["id"]: job for job in (await api(*JOBS))["jobs"]}
        if listed[waiting["id"]]["reason"] == "DependencyNeverSatisfied":
            break
        assert asyncio.get_running_loop().time() < deadline, listed[waiting["id"]]
        await asyncio.sleep(0.2)
    assert listed[first["id"]]["state"] == "CANCELLED"
    await api(*JOBS, waiting["id"], method="DELETE")
