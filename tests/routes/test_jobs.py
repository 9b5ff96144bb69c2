"""The local facility's jobs through the real server: submit, follow, cancel, time out, restart."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.backends.base import BackendContext
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.models import JobRequest, JobState
from tests.helpers import (
    FINAL,
    JOBS,
    expect_error,
    get_job,
    process_alive,
    read_output,
    submit,
    wait_for_state,
    wait_until,
)

API = Callable[..., Awaitable[Any]]


async def list_ids(api: API) -> list[str]:
    return [job["id"] for job in (await api(*JOBS))["jobs"]]


# -- a job's life ----------------------------------------------------------------------------


async def test_a_job_runs_to_completion(api: API, jp_root_dir: Path) -> None:
    # When the client submits a short script
    job = await submit(api, "#!/bin/bash\necho hello from the job\n")

    # Then it is accepted at once (201), pending or already running, with its paths resolved
    assert job["state"] in {"PENDING", "RUNNING"}
    assert job["facility"] == "local"
    assert job["system"] == "localhost"
    assert job["name"] == "batch"
    assert job["workdir"] == "."
    assert job["stdout"] == f"slurm-{job['id']}.out"
    assert job["submit_time"] == pytest.approx(time.time(), abs=30)

    # And it ends COMPLETED with exit code 0, its output in the default file
    done = await wait_for_state(api, job["id"], {"COMPLETED"})
    assert done["exit_code"] == 0
    assert done["start_time"] <= done["end_time"]
    assert (jp_root_dir / f"slurm-{job['id']}.out").read_text() == "hello from the job\n"
    output = await read_output(api, job["id"])
    assert output == {"data": "hello from the job\n", "offset": 19, "complete": True}
    # and it is in the list
    assert job["id"] in await list_ids(api)


async def test_output_can_be_followed_while_the_job_runs(api: API) -> None:
    # Given a job that prints a line, sleeps, and prints another
    job = await submit(api, "echo first line\nsleep 2\necho second line\n")

    # When the client reads its log while it runs
    first: dict[str, Any] = {"data": ""}

    async def read_first() -> bool:
        first.update(await read_output(api, job["id"]))
        return bool(first["data"])

    deadline = time.monotonic() + 10
    while not await read_first():
        assert time.monotonic() < deadline, "no output within 10 s"
        await asyncio.sleep(0.1)

    # Then it sees the first line only, and the log is not complete
    assert first["data"] == "first line\n"
    assert first["offset"] == len("first line\n")
    assert first["complete"] is False
    assert (await get_job(api, job["id"]))["state"] == "RUNNING"

    # And following from the returned offset gives the rest, then says it is complete
    rest, offset, complete = "", first["offset"], False
    deadline = time.monotonic() + 15
    while not complete:
        assert time.monotonic() < deadline, f"log not complete; got {rest!r}"
        chunk = await read_output(api, job["id"], offset)
        rest += chunk["data"]
        offset, complete = chunk["offset"], chunk["complete"]
        if not complete:
            await asyncio.sleep(0.15)
    assert rest == "second line\n"
    # (job states come through the watcher, at most one poll interval old)
    await wait_for_state(api, job["id"], {"COMPLETED"}, timeout=3)


async def test_output_reads_are_bounded_by_length(api: API) -> None:
    job = await submit(api, "printf 'abcdefghij'\n")
    await wait_for_state(api, job["id"], {"COMPLETED"})

    chunk = await api(*JOBS, job["id"], "output", params={"offset": "2", "length": "3"})
    assert chunk == {"data": "cde", "offset": 5, "complete": False}
    chunk = await read_output(api, job["id"], 5)
    assert chunk == {"data": "fghij", "offset": 10, "complete": True}


async def test_a_failing_script_ends_failed_with_its_exit_code(api: API) -> None:
    job = await submit(api, "echo about to fail >&2\nexit 3\n")

    done = await wait_for_state(api, job["id"], {"FAILED"})

    assert done["exit_code"] == 3
    assert (await read_output(api, job["id"], stream="stderr"))["data"] == "about to fail\n"


async def test_cancel_stops_the_whole_job(api: API, jp_root_dir: Path) -> None:
    # Given a running job whose shell and a child process record their pids
    script = "echo $$ > shell.pid\nsleep 120 &\necho $! > child.pid\nwait\ntouch marker\n"
    job = await submit(api, script)
    await wait_for_state(api, job["id"], {"RUNNING"})
    assert await wait_until(
        lambda: (
            (jp_root_dir / "child.pid").exists()
            and bool((jp_root_dir / "child.pid").read_text().strip())
        )
    )
    shell = int((jp_root_dir / "shell.pid").read_text())
    child = int((jp_root_dir / "child.pid").read_text())
    assert process_alive(shell) and process_alive(child)

    # When the client cancels it
    cancelled = await api(*JOBS, job["id"], method="DELETE")

    # Then the job is CANCELLED at once and stays so
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["end_time"] is not None
    # and every process of it is really gone, and the rest of the script never ran
    assert await wait_until(lambda: not process_alive(shell) and not process_alive(child), 10)
    await asyncio.sleep(0.5)
    assert (await get_job(api, job["id"]))["state"] == "CANCELLED"
    assert not (jp_root_dir / "marker").exists()


async def test_time_limit_ends_the_job_with_timeout(api: API, jp_root_dir: Path) -> None:
    # Given a job allowed one second that would run two minutes
    job = await submit(api, "#!/bin/bash\n#SBATCH --time=0:01\necho $$ > shell.pid\nsleep 120\n")
    assert job["time_limit"] == 1

    # Then it ends TIMEOUT within a few seconds and its process is gone
    started = time.monotonic()
    done = await wait_for_state(api, job["id"], {"TIMEOUT"}, timeout=10)
    assert time.monotonic() - started < 10
    assert done["reason"] == "TimeLimit"
    shell = int((jp_root_dir / "shell.pid").read_text())
    assert await wait_until(lambda: not process_alive(shell), 10)


async def test_sbatch_directives_are_honoured(api: API, jp_root_dir: Path) -> None:
    # Given a work directory and a script that names itself and its output files
    (jp_root_dir / "sub").mkdir()
    script = (
        "#!/bin/bash\n"
        "#SBATCH --job-name=my-analysis\n"
        "#SBATCH --output=out-%j.txt\n"
        "#SBATCH --error=err-%j.txt\n"
        "#SBATCH --chdir=sub\n"
        "echo to stdout\n"
        "echo to stderr >&2\n"
        "pwd\n"
        'echo "name=$SLURM_JOB_NAME"\n'
    )

    # When it is submitted
    job = await submit(api, script)
    job_id = job["id"]

    # Then the job carries the name, work dir and output paths from the directives
    assert job["name"] == "my-analysis"
    assert job["workdir"] == "sub"
    assert job["stdout"] == f"sub/out-{job_id}.txt"
    assert job["stderr"] == f"sub/err-{job_id}.txt"
    await wait_for_state(api, job_id, {"COMPLETED"})

    # And the script ran in sub/, with stdout and stderr in separate files there
    out = (jp_root_dir / "sub" / f"out-{job_id}.txt").read_text()
    err = (jp_root_dir / "sub" / f"err-{job_id}.txt").read_text()
    assert out.splitlines() == [
        "to stdout",
        str((jp_root_dir / "sub").resolve()),
        "name=my-analysis",
    ]
    assert err == "to stderr\n"
    assert not list(jp_root_dir.glob("slurm-*.out"))
    assert (await read_output(api, job_id, stream="stderr"))["data"] == "to stderr\n"


async def test_request_fields_win_over_directives(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "other").mkdir()
    script = "#SBATCH -J from-script\n#SBATCH -o script.out\necho hi\n"

    job = await submit(api, script, name="from-request", stdout="request.out", workdir="other")

    assert job["name"] == "from-request"
    assert job["stdout"] == "other/request.out"
    await wait_for_state(api, job["id"], {"COMPLETED"})
    assert (jp_root_dir / "other" / "request.out").read_text() == "hi\n"
    assert not (jp_root_dir / "other" / "script.out").exists()


async def test_the_environment_reaches_the_job(api: API, jp_root_dir: Path) -> None:
    # When a job is submitted with environment variables
    job = await submit(
        api,
        'echo "greeting=$GREETING"\necho "id=$SLURM_JOB_ID"\necho "jobid=$SLURM_JOBID"\n',
        env={"GREETING": "hello world; $(not run)"},
    )
    await wait_for_state(api, job["id"], {"COMPLETED"})

    # Then the script sees them verbatim, beside Slurm's job id
    out = (jp_root_dir / f"slurm-{job['id']}.out").read_text().splitlines()
    assert out == [
        "greeting=hello world; $(not run)",
        f"id={job['id']}",
        f"jobid={job['id']}",
    ]


# -- bad requests ----------------------------------------------------------------------------


BAD_SUBMISSIONS = [
    pytest.param({"script": ""}, 400, "script", id="empty script"),
    pytest.param({"script": "   \n"}, 400, "script", id="blank script"),
    pytest.param({}, 400, "script", id="no script"),
    pytest.param({"script": "echo", "colour": "red"}, 400, "colour", id="unknown field"),
    pytest.param({"script": "echo", "time_limit": 0}, 400, "time_limit", id="time_limit 0"),
    pytest.param({"script": "echo", "time_limit": "1h"}, 400, "time_limit", id="time_limit text"),
    pytest.param({"script": "echo", "nodes": 2}, 400, "nodes=1", id="nodes 2"),
    pytest.param({"script": "#SBATCH -N 4\necho"}, 400, "nodes=1", id="#SBATCH -N 4"),
    pytest.param({"script": "#SBATCH --time=soon\necho"}, 400, "soon", id="bad --time"),
    pytest.param({"script": "#SBATCH --time=0\necho"}, 400, "zero", id="zero --time"),
    pytest.param({"script": "#SBATCH --job-name='x\necho"}, 400, "Line 1", id="bad quoting"),
    pytest.param({"script": "echo", "env": {"A": 1}}, 400, "env", id="env not text"),
    pytest.param({"script": "echo", "env": {"BAD-NAME": "1"}}, 400, "BAD-NAME", id="env name"),
    pytest.param({"script": "echo", "workdir": "nowhere"}, 400, "nowhere", id="missing workdir"),
    pytest.param({"script": "echo", "workdir": "../"}, 403, "outside", id="workdir outside"),
    pytest.param({"script": "echo", "workdir": "/etc"}, 403, "outside", id="workdir /etc"),
    pytest.param({"script": "echo", "stdout": "../out.txt"}, 403, "outside", id="stdout outside"),
    pytest.param({"script": "echo", "stderr": "/tmp/e.txt"}, 403, "outside", id="stderr outside"),
    pytest.param({"script": "#SBATCH --chdir=/\necho"}, 403, "outside", id="#SBATCH --chdir=/"),
    pytest.param(
        {"script": "#SBATCH --output=../../%j.out\necho"}, 403, "outside", id="#SBATCH --output"
    ),
]


@pytest.mark.parametrize(("body", "status", "words"), BAD_SUBMISSIONS)
async def test_bad_submissions_are_refused_and_leave_no_job(
    api: API, hpc_data_dir: Path, jp_root_dir: Path, body: dict[str, Any], status: int, words: str
) -> None:
    # When the client submits something wrong
    error = await expect_error(api(*JOBS, method="POST", body=body), status)

    # Then it is told what, in a curated message
    assert error["reason"] == {400: "bad_request", 403: "forbidden"}[status]
    assert words in error["message"], error
    # and no job was recorded nor started
    assert await list_ids(api) == []
    assert not (hpc_data_dir / "local" / "jobs").exists()
    assert not list(jp_root_dir.glob("*.out"))


async def test_a_body_that_is_not_a_json_object_is_400(api: API) -> None:
    await expect_error(api(*JOBS, method="POST", body="not json"), 400)
    await expect_error(api(*JOBS, method="POST", body='["echo"]'), 400)
    assert await list_ids(api) == []


async def test_cancel_of_a_finished_job_is_409(api: API) -> None:
    job = await submit(api, "true\n")
    await wait_for_state(api, job["id"], {"COMPLETED"})

    error = await expect_error(api(*JOBS, job["id"], method="DELETE"), 409)

    assert error["reason"] == "conflict"
    assert "already ended" in error["message"]
    assert (await get_job(api, job["id"]))["state"] == "COMPLETED"


@pytest.mark.parametrize(
    ("job_id", "status"), [("999999", 404), ("abc", 400), ("-1", 400), ("1" * 30, 400)]
)
async def test_unknown_or_malformed_job_ids(api: API, job_id: str, status: int) -> None:
    for call in (
        api(*JOBS, job_id),
        api(*JOBS, job_id, method="DELETE"),
        api(*JOBS, job_id, "output"),
    ):
        error = await expect_error(call, status)
        assert error["reason"] == ("not_found" if status == 404 else "bad_request")


async def test_bad_output_arguments_are_400(api: API) -> None:
    job = await submit(api, "true\n")
    await expect_error(api(*JOBS, job["id"], "output", params={"stream": "both"}), 400)
    await expect_error(api(*JOBS, job["id"], "output", params={"offset": "-5"}), 400)


async def test_jobs_of_an_unknown_facility_are_404(api: API) -> None:
    error = await expect_error(api("facilities", "elsewhere", "jobs"), 404)
    assert "elsewhere" in error["message"]
    error = await expect_error(
        api("facilities", "elsewhere", "jobs", method="POST", body={"script": "echo"}), 404
    )
    assert "elsewhere" in error["message"]


# -- idempotency -----------------------------------------------------------------------------


async def test_the_same_idempotency_key_submits_once(api: API, jp_root_dir: Path) -> None:
    # When a client sends one submission three times with one key, twice at the same moment
    headers = {"Idempotency-Key": "submit-7f1c"}
    script = "echo run >> runs.txt\n"
    first, second = await asyncio.gather(
        submit(api, script, headers=dict(headers)), submit(api, script, headers=dict(headers))
    )
    third = await submit(api, script, headers=dict(headers))

    # Then they all name one job, the facility has only that one, and the script ran once
    assert first["id"] == second["id"] == third["id"]
    assert await list_ids(api) == [first["id"]]
    await wait_for_state(api, first["id"], {"COMPLETED"})
    assert (jp_root_dir / "runs.txt").read_text() == "run\n"

    # And another key (or none) is another job
    other = await submit(api, script, headers={"Idempotency-Key": "submit-8a2d"})
    plain = await submit(api, script)
    assert len({first["id"], other["id"], plain["id"]}) == 3


async def test_a_failed_submission_does_not_burn_its_key(api: API) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    await expect_error(
        api(
            *JOBS, method="POST", body={"script": "echo", "workdir": "later"}, headers=dict(headers)
        ),
        400,
    )
    await api("facilities", "local", "files", "mkdir", method="POST", body={"path": "later"})

    job = await submit(api, "echo", headers=dict(headers), workdir="later")

    assert job["workdir"] == "later"
    assert await list_ids(api) == [job["id"]]


# -- queueing --------------------------------------------------------------------------------


class TestOneSlot:
    """With `max_running: 1`, a second job waits for the first, as in a full queue."""

    @pytest.fixture
    def hpc_facilities(self) -> dict[str, Any]:
        return {"local": {"kind": "local", "max_running": 1}}

    async def test_a_second_job_stays_pending_until_the_first_ends(self, api: API) -> None:
        # Given a job that holds the only slot for a while
        first = await submit(api, "sleep 1.5\necho first\n")
        await wait_for_state(api, first["id"], {"RUNNING"})

        # When a second job is submitted
        second = await submit(api, "echo second\n")

        # Then it stays PENDING as long as the first runs
        assert second["state"] == "PENDING"
        assert second["reason"] == "Resources"
        while True:
            # The second is read before the first: if the first still runs after that read,
            # it ran during it, so the second had to be waiting then.
            second_then = (await get_job(api, second["id"]))["state"]
            if (await get_job(api, first["id"]))["state"] != "RUNNING":
                break
            assert second_then == "PENDING"
            await asyncio.sleep(0.1)

        # And starts only once the first has ended, then completes
        done_first = await wait_for_state(api, first["id"], {"COMPLETED"})
        done_second = await wait_for_state(api, second["id"], {"COMPLETED"})
        assert done_second["start_time"] >= done_first["end_time"]
        assert (await read_output(api, second["id"]))["data"] == "second\n"

    async def test_cancelling_the_running_job_frees_the_slot(self, api: API) -> None:
        first = await submit(api, "sleep 120\n")
        await wait_for_state(api, first["id"], {"RUNNING"})
        second = await submit(api, "echo next\n")
        await asyncio.sleep(0.5)
        assert (await get_job(api, second["id"]))["state"] == "PENDING"

        await api(*JOBS, first["id"], method="DELETE")

        await wait_for_state(api, second["id"], {"COMPLETED"}, timeout=10)

    async def test_a_cancelled_pending_job_never_starts(self, api: API, jp_root_dir: Path) -> None:
        # Given a pending job behind one that holds the slot
        first = await submit(api, "sleep 1\n")
        await wait_for_state(api, first["id"], {"RUNNING"})
        second = await submit(api, "touch started\n")
        assert second["state"] == "PENDING"

        # When the pending job is cancelled
        cancelled = await api(*JOBS, second["id"], method="DELETE")

        # Then it is CANCELLED and never runs, even once the slot is free
        assert cancelled["state"] == "CANCELLED"
        await wait_for_state(api, first["id"], {"COMPLETED"})
        await asyncio.sleep(0.6)
        assert (await get_job(api, second["id"]))["state"] == "CANCELLED"
        assert (await get_job(api, second["id"]))["start_time"] is None
        assert not (jp_root_dir / "started").exists()


# -- restart ---------------------------------------------------------------------------------


async def test_jobs_survive_a_restart_and_are_adopted(tmp_path: Path) -> None:
    # Given a facility running a job
    root, data = tmp_path / "root", tmp_path / "data"
    root.mkdir()
    context = BackendContext(root_dir=root, data_dir=data)
    before = LocalFacility.create("local", {}, context)
    await before.start()
    job = await before.jobs.submit("localhost", JobRequest(script="sleep 2\necho done\n"))
    deadline = time.monotonic() + 10
    while (await before.jobs.get_job("localhost", job.id)).state != JobState.RUNNING:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)

    # When that server stops while the job runs, and a new one starts on the same data
    await before.close()
    after = LocalFacility.create("local", {}, context)
    await after.start()
    try:
        # Then the job is still listed, still running,
        listed = {j.id: j for j in await after.jobs.list_jobs("localhost")}
        assert listed[job.id].state == JobState.RUNNING

        # and the new instance follows it to COMPLETED, with its output
        deadline = time.monotonic() + 20
        while (current := await after.jobs.get_job("localhost", job.id)).state not in {
            JobState(s) for s in FINAL
        }:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        assert current.state == JobState.COMPLETED
        assert current.exit_code == 0
        output = await after.jobs.read_output("localhost", job.id, "stdout", 0, 1024)
        assert output.data == "done\n"
        assert output.complete
        assert (root / f"slurm-{job.id}.out").read_text() == "done\n"
    finally:
        await after.close()


async def test_a_job_that_vanished_while_no_server_ran_is_failed(tmp_path: Path) -> None:
    # Given a running job whose process dies (killed by someone) while no server follows it
    root, data = tmp_path / "root", tmp_path / "data"
    root.mkdir()
    context = BackendContext(root_dir=root, data_dir=data)
    before = LocalFacility.create("local", {}, context)
    await before.start()
    job = await before.jobs.submit("localhost", JobRequest(script="echo $$ > pid\nsleep 120\n"))
    assert await wait_until(lambda: (root / "pid").exists() and bool((root / "pid").read_text()))
    await before.close()
    pid = int((root / "pid").read_text())
    os.killpg(os.getpgid(pid), 9)
    assert await wait_until(lambda: not process_alive(pid))

    # When a new server starts
    after = LocalFacility.create("local", {}, context)
    await after.start()
    try:
        # Then the job is known to have ended
        deadline = time.monotonic() + 10
        while (current := await after.jobs.get_job("localhost", job.id)).state == JobState.RUNNING:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        assert current.state == JobState.FAILED
        assert current.reason is not None and "without reporting an exit status" in current.reason
    finally:
        await after.close()
