"""The kernel-side client and Python API: discovery, errors, transfers, jobs; then end to end."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpc_jupyter import api
from hpc_jupyter.api import HPC, JobHandle, JobWaitTimeout, connect
from hpc_jupyter.client import HPCClient, find_server
from hpc_jupyter.display import jobs_text
from hpc_jupyter.errors import (
    ERRORS_BY_REASON,
    Conflict,
    HPCError,
    NotFound,
    PermissionDenied,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from hpc_jupyter.models import FileType, JobState, Staleness
from tests._kernel_fake import BASE, HOME, TOKEN, FakeHPCServer
from tests.server_process import free_port

MiB = 1024 * 1024


@pytest.fixture
def fake() -> Iterator[FakeHPCServer]:
    fake = FakeHPCServer()
    yield fake
    assert fake.problems == [], fake.problems  # client and fake both kept to the spec


@pytest.fixture
def client(fake: FakeHPCServer) -> Iterator[HPCClient]:
    with HPCClient(**fake.client_kwargs()) as client:
        yield client


@pytest.fixture
def hpc(client: HPCClient) -> HPC:
    return connect(client=client)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _runtime_file(directory: Path, name: str, pid: int, url: str, age: float = 0) -> Path:
    path = directory / f"hpc-jupyter-{name}.json"
    path.write_text(json.dumps({"url": url, "token": f"token-{name}", "pid": pid}))
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


# -- finding the server ----------------------------------------------------------------------------


def test_environment_variables_come_first(tmp_path: Path) -> None:
    _runtime_file(tmp_path, "1", os.getpid(), "http://127.0.0.1:1/")
    env = {"HPC_JUPYTER_URL": "http://example.org:9999/lab", "HPC_JUPYTER_TOKEN": "abc"}

    server = find_server(env, tmp_path)

    assert server.url == "http://example.org:9999/lab/"
    assert server.token == "abc"
    assert "abc" not in repr(server)


def test_the_server_that_started_the_kernel_wins_over_a_newer_one(tmp_path: Path) -> None:
    # Given two live servers; ours (JPY_PARENT_PID) wrote its file earlier
    parent = os.getppid()
    _runtime_file(tmp_path, "ours", parent, "http://127.0.0.1:1111/ours/", age=600)
    _runtime_file(tmp_path, "other", os.getpid(), "http://127.0.0.1:2222/", age=0)

    server = find_server({"JPY_PARENT_PID": str(parent)}, tmp_path)

    assert server.url == "http://127.0.0.1:1111/ours/"
    assert server.token == "token-ours"


def test_without_a_parent_the_newest_live_server_is_used(tmp_path: Path) -> None:
    _runtime_file(tmp_path, "live", os.getpid(), "http://127.0.0.1:1111", age=600)
    _runtime_file(tmp_path, "dead", _dead_pid(), "http://127.0.0.1:2222/", age=0)
    (tmp_path / "hpc-jupyter-broken.json").write_text("{not json")
    (tmp_path / "hpc-jupyter-wrong.json").write_text(json.dumps({"url": 1, "pid": "x"}))

    server = find_server({"JPY_PARENT_PID": "999999999"}, tmp_path)

    assert server.url == "http://127.0.0.1:1111/"  # a slash is added to the base URL
    assert server.token == "token-live"


def test_no_server_found_says_what_to_do(tmp_path: Path) -> None:
    _runtime_file(tmp_path, "dead", _dead_pid(), "http://127.0.0.1:2222/")

    with pytest.raises(HPCError) as info:
        find_server({}, tmp_path)

    assert "JupyterLab" in info.value.message
    assert "HPC_JUPYTER_URL" in info.value.message


def test_client_without_url_discovers_from_the_environment(
    fake: FakeHPCServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HPC_JUPYTER_URL", BASE)
    monkeypatch.setenv("HPC_JUPYTER_TOKEN", TOKEN)

    with HPCClient(transport=fake) as client:
        assert client.info()["api_version"] == 1

    assert fake.seen[-1].headers["x-hpc-kernel-token"] == TOKEN


# -- credentials ---------------------------------------------------------------------------------


def test_the_token_is_sent_but_never_shown(fake: FakeHPCServer, client: HPCClient) -> None:
    fake.fail[("GET", "facilities/alps")] = (
        502,
        {"message": f"upstream said {TOKEN} is bad", "reason": "facility_error"},
    )

    with pytest.raises(HPCError) as info:
        client.request("GET", "facilities/alps")

    assert fake.seen[-1].headers["x-hpc-kernel-token"] == TOKEN
    assert TOKEN not in info.value.message
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(client)
    assert "X-HPC-Kernel-Token: ***" in repr(client)


def test_an_explicit_header_can_carry_the_jupyter_token() -> None:
    fake = FakeHPCServer(token=None)
    header = ("Authorization", "token jupyter-token")

    with HPCClient(BASE, auth_header=header, transport=fake) as client:
        client.info()
        assert "jupyter-token" not in repr(client)

    assert fake.seen[-1].headers["authorization"] == "token jupyter-token"
    assert "x-hpc-kernel-token" not in fake.seen[-1].headers


def test_a_refused_credential_explains_itself() -> None:
    fake = FakeHPCServer(token="the-right-one")

    with (
        HPCClient(BASE, token="stale-token", transport=fake) as client,
        pytest.raises(PermissionDenied) as info,
    ):
        client.info()

    assert "refused this kernel's credentials (HTTP 403)" in info.value.message
    assert "stale-token" not in info.value.message


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", sorted(ERRORS_BY_REASON))
def test_error_reasons_become_the_same_error_class(
    fake: FakeHPCServer, client: HPCClient, reason: str
) -> None:
    cls = ERRORS_BY_REASON[reason]
    fake.fail[("GET", "facilities/alps")] = (
        cls.status,
        {"message": f"Exactly what went wrong ({reason}).", "reason": reason},
    )

    with pytest.raises(HPCError) as info:
        client.request("GET", "facilities/alps")

    assert type(info.value) is cls
    assert info.value.message == f"Exactly what went wrong ({reason})."


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, ValidationError), (409, Conflict), (503, Unavailable), (504, UpstreamTimeout)],
)
def test_unknown_reasons_fall_back_on_the_status(
    fake: FakeHPCServer, client: HPCClient, status: int, expected: type[HPCError]
) -> None:
    fake.fail[("GET", "facilities/alps")] = (status, {"message": "Odd.", "reason": "new-reason"})

    with pytest.raises(expected) as info:
        client.request("GET", "facilities/alps")

    assert info.value.message == f"The hpc-jupyter server answered HTTP {status}: Odd."


def test_a_server_error_without_json_still_reads_well(
    fake: FakeHPCServer, client: HPCClient
) -> None:
    fake.fail[("GET", "facilities/alps")] = (500, b"<html>Internal Server Error</html>")

    with pytest.raises(HPCError) as info:
        client.request("GET", "facilities/alps")

    assert type(info.value) is HPCError
    assert info.value.message == "The hpc-jupyter server answered HTTP 500 Internal Server Error."


def test_a_server_without_the_extension_is_named(fake: FakeHPCServer) -> None:
    with (
        HPCClient("http://hpc.test/elsewhere/", token=TOKEN, transport=fake) as client,
        pytest.raises(NotFound) as info,
    ):
        client.info()

    assert "No hpc-jupyter API at http://hpc.test/elsewhere/hpc/api/info" in info.value.message
    assert "server extension installed and enabled" in info.value.message


def test_an_unreachable_server_is_unavailable() -> None:
    port = free_port()

    with (
        HPCClient(f"http://127.0.0.1:{port}", token="secret-token") as client,
        pytest.raises(Unavailable) as info,
    ):
        client.info()

    assert f"Cannot reach the hpc-jupyter server at http://127.0.0.1:{port}/" in info.value.message
    assert "secret-token" not in info.value.message
    assert info.value.__cause__ is None  # no httpx traceback chained to it


def test_a_silent_server_times_out() -> None:
    def never_answers(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with (
        HPCClient(BASE, transport=httpx.MockTransport(never_answers)) as client,
        pytest.raises(UpstreamTimeout, match="did not answer in time"),
    ):
        client.info()


def test_another_api_version_is_refused() -> None:
    with (
        HPCClient(**FakeHPCServer(api_version=2).client_kwargs()) as client,
        pytest.raises(HPCError, match="speaks API version 2"),
    ):
        connect(client=client)


def test_reads_are_retried_once_after_a_broken_connection(
    fake: FakeHPCServer, client: HPCClient
) -> None:
    fake.disconnect_next = ["before"]
    assert [f.name for f in HPC(client).facilities()] == ["alps", "local"]

    fake.disconnect_next = ["before", "before"]
    with pytest.raises(Unavailable, match="Cannot reach"):
        HPC(client).facilities()


# -- submitting ----------------------------------------------------------------------------------


def test_a_retried_submission_starts_one_job(fake: FakeHPCServer, hpc: HPC) -> None:
    # Given a server that takes the submission but drops the connection before answering
    fake.disconnect_next = ["after"]

    handle = hpc.submit("#!/bin/bash\necho hi")

    posts = fake.requests("POST", "jobs")
    assert len(posts) == 2
    assert posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]
    assert list(fake.jobs) == [handle.id]


def test_every_submission_has_its_own_key(fake: FakeHPCServer, hpc: HPC) -> None:
    first = hpc.submit("#!/bin/bash\necho one")
    second = hpc.submit("#!/bin/bash\necho two")

    keys = {seen.headers["idempotency-key"] for seen in fake.requests("POST", "jobs")}
    assert len(keys) == 2
    assert first.id != second.id


ORIGIN = {
    "via": "api",
    "notebook": os.environ.get("JPY_SESSION_NAME"),
    "cell": None,
    "resubmit_of": None,
}


def test_submit_options_become_the_request(fake: FakeHPCServer, hpc: HPC) -> None:
    hpc.submit(
        "#!/bin/bash\nsrun hostname",
        name="probe",
        partition="debug",
        nodes=2,
        time_limit="1-00:30",
        account="g42",
        workdir="/scratch/ada",
        env={"OMP_NUM_THREADS": "8"},
        stdout="out-%j.txt",
        stderr=None,
    )
    hpc.submit("#!/bin/bash\ntrue", time_limit=datetime.timedelta(minutes=5))

    first, second = (seen.body for seen in fake.requests("POST", "jobs"))
    assert first == {
        "script": "#!/bin/bash\nsrun hostname",
        "name": "probe",
        "partition": "debug",
        "nodes": 2,
        "time_limit": 88200,
        "account": "g42",
        "workdir": "/scratch/ada",
        "env": {"OMP_NUM_THREADS": "8"},
        "stdout": "out-%j.txt",
        "origin": ORIGIN,  # outside a kernel's session: no notebook, no cell
    }
    assert second == {"script": "#!/bin/bash\ntrue", "time_limit": 300, "origin": ORIGIN}


def test_bad_submit_options_fail_before_any_request(fake: FakeHPCServer, hpc: HPC) -> None:
    before = len(fake.seen)
    with pytest.raises(ValidationError, match="not a Slurm time"):
        hpc.submit("#!/bin/bash\ntrue", time_limit="soon")
    with pytest.raises(TypeError, match="Unknown submit option"):
        hpc.submit("#!/bin/bash\ntrue", queue="debug")  # type: ignore[call-arg]
    assert len(fake.seen) == before


def test_submit_file_reads_a_local_script(fake: FakeHPCServer, hpc: HPC, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\n#SBATCH -N 1\necho from a file\n")

    handle = hpc.submit_file(script, name="from-file")

    assert fake.jobs[handle.id].script == script.read_text()
    assert handle.info.name == "from-file"
    with pytest.raises(NotFound, match="No local script"):
        hpc.submit_file(tmp_path / "missing.sh")


# -- following jobs ------------------------------------------------------------------------------


def test_wait_polls_with_backoff_until_the_job_ends(
    fake: FakeHPCServer, hpc: HPC, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = fake.add_job(["PENDING"] * 8 + ["RUNNING", "COMPLETED"], exit_code=0)
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)

    final = hpc.job(job.data["id"]).wait()

    assert final.state is JobState.COMPLETED
    assert final.exit_code == 0
    # from 0.5 s, growing by half, up to the facility's poll interval (2 s for alps)
    assert pauses == [0.5, 0.75, 1.125, 1.6875, 2.0, 2.0, 2.0]


def test_wait_never_pauses_longer_than_five_seconds(
    fake: FakeHPCServer, client: HPCClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.facilities["alps"]["poll_interval"] = 60.0
    job = fake.add_job(["PENDING"] * 12 + ["FAILED"])
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)

    assert HPC(client).job(job.data["id"]).wait().state is JobState.FAILED
    assert max(pauses) == 5.0


def test_wait_gives_up_with_a_timeout_error(fake: FakeHPCServer, hpc: HPC) -> None:
    job = fake.add_job(["RUNNING"])
    handle = hpc.job(job.data["id"])

    with pytest.raises(JobWaitTimeout) as info:
        handle.wait(timeout=0.2, poll=0.05)

    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, HPCError)
    assert f"Job {handle.id} at alps is still RUNNING after 0.2 s" in info.value.message
    assert info.value.job.state is JobState.RUNNING


def test_log_reads_the_whole_log_in_chunks(fake: FakeHPCServer, hpc: HPC) -> None:
    job = fake.add_job(["COMPLETED"], out="line one\nline two\n", err="warning\n")
    handle = hpc.job(job.data["id"])

    assert handle.log() == "line one\nline two\n"
    assert handle.log("stderr") == "warning\n"
    assert len(fake.requests("GET", "output")) > 4  # the fake hands out 5 characters at a time
    with pytest.raises(ValidationError):
        handle.log("stdin")


def test_follow_passes_the_log_on_until_it_is_complete(
    fake: FakeHPCServer, hpc: HPC, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = fake.add_job(["RUNNING"], out="step 1\nstep 2\n")
    handle = hpc.job(job.data["id"])
    pieces: list[str] = []

    def job_ends_while_we_sleep(seconds: float) -> None:
        job.states = ["COMPLETED"]
        job.data["state"] = "COMPLETED"

    monkeypatch.setattr(time, "sleep", job_ends_while_we_sleep)

    handle.follow(callback=pieces.append)

    assert "".join(pieces) == "step 1\nstep 2\n"
    assert all(0 < len(piece) <= 5 for piece in pieces)


def test_state_refreshes_and_cancel_reports_the_result(fake: FakeHPCServer, hpc: HPC) -> None:
    job = fake.add_job(["PENDING", "RUNNING", "RUNNING"])
    handle = hpc.job(job.data["id"])  # the first look moves it on to RUNNING

    assert handle.state is JobState.RUNNING
    assert handle.cancel().state is JobState.CANCELLED
    assert handle.info.state is JobState.CANCELLED
    assert "CANCELLED" in repr(handle)
    with pytest.raises(Conflict, match="already ended"):
        fake.jobs[handle.id].data["state"] = "COMPLETED"
        hpc.cancel(handle.id)


def test_jobs_lists_every_job(fake: FakeHPCServer, hpc: HPC) -> None:
    fake.add_job(["RUNNING"], name="a")
    fake.add_job(["PENDING"], name="b", reason="Priority")

    jobs = hpc.jobs()

    assert [(j.name, j.state) for j in jobs] == [("a", JobState.RUNNING), ("b", JobState.PENDING)]
    assert "Priority" in jobs._repr_html_()
    assert jobs.stale is None


def test_a_stale_listing_is_marked_never_passed_off_as_current(
    fake: FakeHPCServer, hpc: HPC
) -> None:
    # Given a server serving the last good listing because the facility cannot be reached
    fake.add_job(["RUNNING"], name="a")
    listed_at = time.mktime((2001, 2, 3, 14, 2, 11, 0, 0, -1))  # not today: dated
    fake.jobs_stale = {
        "message": "FirecREST (alps) cannot be reached.",
        "reason": "unavailable",
        "failed_at": listed_at + 29,
        "listed_at": listed_at,
    }

    jobs = hpc.jobs()

    # Then the jobs are there, and so is why they may be out of date, in every way they show
    assert [j.name for j in jobs] == ["a"]
    assert jobs.stale == Staleness(
        "FirecREST (alps) cannot be reached.", "unavailable", listed_at + 29, listed_at
    )
    line = (
        "Showing jobs as of 2001-02-03 14:02:11: listing them again has failed since "
        "2001-02-03 14:02:40: FirecREST (alps) cannot be reached."
    )
    assert line in jobs._repr_html_()
    assert jobs._repr_html_().index(line) < jobs._repr_html_().index("<table")
    assert jobs_text(jobs, jobs.stale).splitlines()[0] == f"Warning: {line}"


def test_a_malformed_stale_mark_is_an_error_not_ignored(fake: FakeHPCServer, hpc: HPC) -> None:
    off_spec = {"jobs": [], "stale": {"message": "down"}}  # a stale mark without its fields
    fake.fail[("GET", "facilities/alps/jobs")] = (200, off_spec)

    with pytest.raises(HPCError, match="malformed job list"):
        hpc.jobs()


# -- facilities and systems ------------------------------------------------------------------------


def test_connect_uses_the_first_facility_and_use_switches(fake: FakeHPCServer, hpc: HPC) -> None:
    assert hpc.facility_name == "alps"
    hpc.ls()
    assert "system" not in fake.seen[-1].params  # the facility's default system

    hpc.use("alps", system="eiger")
    hpc.ls()
    assert fake.seen[-1].params["system"] == "eiger"
    assert hpc.facility().default_system == "daint"

    with pytest.raises(NotFound, match="has no system 'nowhere'; it has: daint, eiger"):
        hpc.use("alps", "nowhere")
    with pytest.raises(NotFound, match="No facility 'mars'"):
        hpc.use("mars")


def test_facilities_are_typed(hpc: HPC) -> None:
    alps, local = hpc.facilities()

    assert alps.kind == "firecrest"
    assert [s.name for s in alps.systems] == ["daint", "eiger"]
    assert alps.can("jobs.submit") and not alps.can("files.chmod")
    assert alps.auth_status == "ok"
    assert local.poll_interval == 0.5


def test_unknown_fields_and_states_from_newer_servers_are_tolerated() -> None:
    job = api.job_from_dict(
        {"id": 7, "name": "x", "state": "PREEMPTED", "raw_state": "PR", "colour": "red"}
    )
    entry = api.entry_from_dict(
        {
            "name": "s",
            "path": "/s",
            "type": "socket",
            "size": 0,
            "permissions": "rw-------",
            "user": "a",
            "group": "b",
            "modified": 0.0,
            "inode": 5,
        }
    )

    assert (job.id, job.state) == ("7", JobState.UNKNOWN)
    assert entry.type is FileType.OTHER
    with pytest.raises(HPCError, match="malformed job"):
        api.job_from_dict({"name": "no id"})
    with pytest.raises(HPCError, match="malformed facility"):
        api.facility_from_dict(["not", "a", "facility"])


# -- files ---------------------------------------------------------------------------------------


def test_file_operations(fake: FakeHPCServer, hpc: HPC) -> None:
    assert hpc.mkdir("runs").type is FileType.DIRECTORY
    assert fake.requests("POST", "files/mkdir")[-1].body == {"path": "runs", "parents": False}
    hpc.copy("notes.txt", "runs/a.txt")
    moved = hpc.move("runs/a.txt", "runs/b.txt")
    assert moved.path == f"{HOME}/runs/b.txt"
    assert hpc.chmod("runs/b.txt", 0o640).permissions == "-rw-r-----"
    assert fake.requests("POST", "files/chmod")[-1].body == {"path": "runs/b.txt", "mode": "640"}
    assert hpc.stat("runs/b.txt").size == 6

    listing = hpc.ls("runs")
    assert listing.path == f"{HOME}/runs"
    assert [e.name for e in listing] == ["b.txt"]

    hpc.delete("runs/b.txt")
    assert f"{HOME}/runs/b.txt" not in fake.files
    with pytest.raises(NotFound, match="No such file"):
        hpc.stat("runs/b.txt")
    with pytest.raises(Conflict):
        hpc.mkdir("runs")


def test_read_text_with_offset_and_length(fake: FakeHPCServer, hpc: HPC) -> None:
    fake.files[f"{HOME}/data.txt"] = "0123456789\nÿ".encode()

    assert hpc.read_text("data.txt") == "0123456789\nÿ"
    assert hpc.read_text("data.txt", offset=3, length=4) == "3456"
    assert hpc.read_text("data.txt", offset=11, length=1) == "\ufffd"  # half a character


def test_upload_streams_the_file_with_progress(
    fake: FakeHPCServer, hpc: HPC, tmp_path: Path
) -> None:
    local = tmp_path / "input.bin"
    local.write_bytes(os.urandom(2 * MiB + 123))
    progress: list[tuple[int, int | None]] = []

    entry = hpc.upload(local, "input.bin", lambda done, total: progress.append((done, total)))

    put = fake.requests("PUT", "files/content")[-1]
    assert put.headers["content-length"] == str(2 * MiB + 123)
    assert "transfer-encoding" not in put.headers
    assert put.body_chunks == [MiB, MiB, 123]
    assert fake.files[f"{HOME}/input.bin"] == local.read_bytes()
    assert entry.size == 2 * MiB + 123
    size = 2 * MiB + 123
    assert progress == [(0, size), (MiB, size), (2 * MiB, size), (size, size)]


def test_a_50_mib_upload_never_holds_the_file_in_memory(
    fake: FakeHPCServer, hpc: HPC, tmp_path: Path
) -> None:
    local = tmp_path / "big.bin"
    with local.open("wb") as handle:
        for _ in range(50):
            handle.write(os.urandom(MiB))
    fake.keep_uploads = False

    tracemalloc.start()
    try:
        hpc.upload(local, "big.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    size, _ = fake.upload_digests[f"{HOME}/big.bin"]
    assert size == 50 * MiB
    assert peak < 8 * MiB


def test_a_50_mib_download_streams_to_disk(fake: FakeHPCServer, hpc: HPC, tmp_path: Path) -> None:
    fake.generated[f"{HOME}/big.bin"] = (50 * MiB, None)
    fake.files[f"{HOME}/big.bin"] = b""
    totals: set[int | None] = set()
    done: list[int] = []

    def progress(sent: int, total: int | None) -> None:
        done.append(sent)
        totals.add(total)

    tracemalloc.start()
    try:
        target = hpc.download("big.bin", tmp_path, progress)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert target == tmp_path / "big.bin"
    assert target.stat().st_size == 50 * MiB
    assert totals == {50 * MiB}
    assert done[0] == 0 and done[-1] == 50 * MiB and done == sorted(done)
    assert peak < 8 * MiB
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


def test_an_interrupted_download_leaves_the_old_file_alone(
    fake: FakeHPCServer, hpc: HPC, tmp_path: Path
) -> None:
    fake.generated[f"{HOME}/big.bin"] = (8 * MiB, 3 * MiB)
    target = tmp_path / "big.bin"
    target.write_text("the previous version")

    with pytest.raises(Unavailable):
        hpc.download("big.bin", target)

    assert target.read_text() == "the previous version"
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]  # no temporary file left


def test_local_file_problems_are_clear(hpc: HPC, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No local file"):
        hpc.upload(tmp_path / "missing.txt", "x.txt")
    with pytest.raises(ValidationError, match="is a folder"):
        hpc.upload(tmp_path, "x.txt")
    with pytest.raises(NotFound, match="No local folder"):
        hpc.download("notes.txt", tmp_path / "no" / "such" / "dir.txt")


# -- end to end: the real server -----------------------------------------------------------------


async def test_end_to_end_files_through_discovery(
    kernel_env: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    # Given a kernel that finds the server through its runtime file
    assert kernel_env.runtime_file.exists()
    client = HPCClient()
    try:
        assert client.source.startswith("runtime file")
        hpc = await asyncio.to_thread(connect, client=client)
        local = tmp_path / "kernel-side.bin"
        local.write_bytes(os.urandom(3 * MiB + 7))
        progress: list[int] = []

        # When files go up, around and down again
        await asyncio.to_thread(hpc.mkdir, "runs/inputs", True)
        entry = await asyncio.to_thread(
            hpc.upload, local, "runs/inputs/data.bin", lambda done, _: progress.append(done)
        )
        await asyncio.to_thread(hpc.copy, "runs/inputs/data.bin", "runs/copy.bin")
        await asyncio.to_thread(hpc.move, "runs/copy.bin", "runs/moved.bin")
        back = await asyncio.to_thread(hpc.download, "runs/moved.bin", tmp_path / "back.bin")
        listing = await asyncio.to_thread(hpc.ls, "runs")
        (jp_root_dir / "runs" / "hello.txt").write_text("hello, world\n")
        part = await asyncio.to_thread(hpc.read_text, "runs/hello.txt", 7, 5)
        mode = await asyncio.to_thread(hpc.chmod, "runs/hello.txt", "600")
        await asyncio.to_thread(hpc.delete, "runs/inputs", True)

        # Then the server's files are what the kernel sent
        assert entry.size == 3 * MiB + 7
        assert progress[-1] == 3 * MiB + 7
        assert back.read_bytes() == local.read_bytes()
        assert (jp_root_dir / "runs" / "moved.bin").read_bytes() == local.read_bytes()
        assert {e.name for e in listing} >= {"inputs", "moved.bin"}
        assert part == "world"
        assert mode.permissions.endswith("rw-------")
        assert not (jp_root_dir / "runs" / "inputs").exists()
        with pytest.raises(NotFound):
            await asyncio.to_thread(hpc.stat, "runs/inputs")
    finally:
        client.close()


async def test_end_to_end_jobs(kernel_env: Any) -> None:
    with HPCClient() as client:
        hpc = await asyncio.to_thread(connect, client=client)

        job = await asyncio.to_thread(
            hpc.submit,
            "#!/bin/bash\necho out\necho err >&2",
            name="e2e",
            time_limit="1",
            stdout="e2e-%j.out",
            stderr="e2e-%j.err",
        )
        final = await asyncio.to_thread(job.wait, 60)
        out = await asyncio.to_thread(job.log)
        err = await asyncio.to_thread(job.log, "stderr")
        pieces: list[str] = []
        await asyncio.to_thread(job.follow, "stdout", pieces.append)

        long = await asyncio.to_thread(hpc.submit, "#!/bin/bash\nsleep 600", name="too-long")
        cancelled = await asyncio.to_thread(hpc.cancel, long.id)
        listed = await asyncio.to_thread(hpc.jobs)
        again = await asyncio.to_thread(hpc.job, job.id)

        assert isinstance(job, JobHandle)
        assert final.state is JobState.COMPLETED
        assert final.name == "e2e" and final.time_limit == 60
        assert out == "out\n" and err == "err\n"
        assert "".join(pieces) == "out\n"
        assert cancelled.state in (JobState.CANCELLED, JobState.RUNNING, JobState.PENDING)
        assert {job.id, long.id} <= {j.id for j in listed}
        assert again.info.state is JobState.COMPLETED
        final_long = await asyncio.to_thread(long.wait, 30)
        assert final_long.state is JobState.CANCELLED
        with pytest.raises(NotFound):
            await asyncio.to_thread(hpc.job, "999999")


async def test_end_to_end_credentials(kernel_env: Any, hpc_server: Any) -> None:
    url = find_server().url

    # The Jupyter token works in place of the kernel token
    header = ("Authorization", f"token {hpc_server.identity_provider.token}")
    with HPCClient(url, auth_header=header) as client:
        info = await asyncio.to_thread(client.info)
        assert info["api_version"] == 1

    # A wrong token is refused with a message that says so, and does not repeat it
    with HPCClient(url, token="not-the-token") as client:
        with pytest.raises(PermissionDenied) as refused:
            await asyncio.to_thread(client.info)
        assert "refused this kernel's credentials" in refused.value.message
        assert "not-the-token" not in refused.value.message

    # The server's own errors arrive as the same classes, with its message
    with HPCClient() as client:
        with pytest.raises(NotFound) as missing:
            await asyncio.to_thread(connect, "mars", client=client)
        assert "mars" in missing.value.message


class _Recording(httpx.HTTPTransport):
    """A real transport that notes the status of every answer (to see the 304s)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.statuses.append(response.status_code)
        return response


async def test_jobs_again_is_a_304_while_nothing_changed(kernel_env: Any) -> None:
    transport = _Recording()
    with HPCClient(transport=transport) as client:
        hpc = await asyncio.to_thread(connect, client=client)
        first_job = await asyncio.to_thread(hpc.submit, "#!/bin/bash\nsleep 600", name="a")

        # When the jobs are listed twice with nothing changed between, then after a change
        first = await asyncio.to_thread(hpc.jobs)
        first.clear()  # a caller's own copy: changing it changes nothing held for later
        del transport.statuses[:]
        second = await asyncio.to_thread(hpc.jobs)
        unchanged = list(transport.statuses)
        second_job = await asyncio.to_thread(hpc.submit, "#!/bin/bash\nsleep 600", name="b")
        del transport.statuses[:]
        third = await asyncio.to_thread(hpc.jobs)
        changed = list(transport.statuses)
        for job in (first_job, second_job):
            await asyncio.to_thread(hpc.cancel, job.id)

    # Then the second listing came as a 304 with the jobs of the first; the third in full
    assert unchanged == [304]
    assert [job.id for job in second] == [first_job.id]
    assert second.stale is None
    assert changed == [200]
    assert {job.id for job in third} == {first_job.id, second_job.id}
