"""The %hpc_* magics and the tables they show, in an IPython shell; then against the real server."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.testing import globalipapp

from hpc_jupyter.api import Facility, JobHandle, connect
from hpc_jupyter.client import HPCClient, default_client, set_default_client
from hpc_jupyter.display import (
    STATE_COLOURS,
    FacilityTable,
    JobTable,
    Listing,
    LogText,
    files_text,
    format_size,
    jobs_html,
    jobs_text,
)
from hpc_jupyter.magics import _Progress
from hpc_jupyter.models import FileEntry, FileType, Job, JobState
from tests._kernel_fake import HOME, FakeHPCServer


@pytest.fixture
def ip() -> Iterator[Any]:
    # the module rebinds get_ipython after its first call, so look it up each time
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")  # a fresh HPCMagics for every test
    # A terminal shell formats text only; show HTML as a notebook would.
    formatter = shell.display_formatter.formatters["text/html"]
    enabled, formatter.enabled = formatter.enabled, True
    yield shell
    formatter.enabled = enabled


@pytest.fixture
def fake(ip: Any) -> Iterator[FakeHPCServer]:
    fake = FakeHPCServer()
    client = HPCClient(**fake.client_kwargs())
    previous = set_default_client(client)
    yield fake
    set_default_client(previous)
    client.close()
    assert fake.problems == [], fake.problems  # client and fake both kept to the spec


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def html(ip: Any, obj: object) -> str:
    """What a notebook shows for `obj` as HTML."""
    result = ip.display_formatter.formatters["text/html"](obj)
    assert isinstance(result, str)
    return result


def text(ip: Any, obj: object) -> str:
    """What a notebook or terminal shows for `obj` as plain text."""
    data, _ = ip.display_formatter.format(obj, include={"text/plain"})
    return str(data["text/plain"])


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hpc-jupyter: ")
    return lines[0]


SCRIPT = "#!/bin/bash\n#SBATCH --output=out-%j.txt\necho hi\n"


# -- loading -------------------------------------------------------------------------------------


def test_load_ext_registers_line_and_cell_magics(ip: Any) -> None:
    magics = ip.magics_manager.magics
    for name in [
        "hpc_facilities",
        "hpc_use",
        "hpc_ls",
        "hpc_submit",
        "hpc_jobs",
        "hpc_job",
        "hpc_cancel",
        "hpc_hold",
        "hpc_release",
        "hpc_requeue",
        "hpc_log",
        "hpc_wait",
        "hpc_upload",
        "hpc_download",
        "hpc_login",
        "hpc_logout",
        "hpc_status",
    ]:
        assert name in magics["line"], name
    assert "hpc_submit" in magics["cell"]
    assert "--partition" in magics["line"]["hpc_submit"].__doc__


# -- facilities ----------------------------------------------------------------------------------


def test_facilities_show_as_a_table(ip: Any, fake: FakeHPCServer) -> None:
    table = ip.run_line_magic("hpc_facilities", "")

    assert isinstance(table, FacilityTable)
    assert [f.name for f in table] == ["alps", "local"]
    shown = html(ip, table)
    assert "<table" in shown and "daint*, eiger (maintenance)" in shown
    assert "jobs.submit" in shown
    assert text(ip, table).splitlines()[0].split()[:3] == ["NAME", "KIND", "SYSTEMS"]


def test_use_switches_facility_and_system(ip: Any, fake: FakeHPCServer) -> None:
    chosen = ip.run_line_magic("hpc_use", "alps --system eiger")
    ip.run_line_magic("hpc_ls", "")
    current = ip.run_line_magic("hpc_use", "")

    assert isinstance(chosen, Facility) and chosen.name == "alps"
    assert fake.requests("GET", "files")[-1].params["system"] == "eiger"
    assert current.name == "alps"

    ip.run_line_magic("hpc_use", "local")
    ip.run_line_magic("hpc_jobs", "")
    assert fake.seen[-1].path == "facilities/local/jobs"
    assert "system" not in fake.seen[-1].params


def test_an_unknown_facility_is_one_line(
    ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ip.run_line_magic("hpc_use", "mars") is None
    assert one_error_line(capsys) == "hpc-jupyter: No facility 'mars'."


# -- files ---------------------------------------------------------------------------------------


def test_ls_returns_entries_and_escapes_names(ip: Any, fake: FakeHPCServer) -> None:
    fake.files[f"{HOME}/<img src=x onerror=alert(1)>.txt"] = b"x"
    fake.files[f"{HOME}/runs"] = None

    listing = ip.run_line_magic("hpc_ls", "")

    assert isinstance(listing, Listing)
    assert listing.path == HOME
    assert {e.name for e in listing} >= {"notes.txt", "runs"}
    shown = html(ip, listing)
    assert "<img" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in shown
    assert "<b>runs/</b>" in shown
    assert "runs/" in text(ip, listing)


def test_ls_of_another_facility(ip: Any, fake: FakeHPCServer) -> None:
    ip.run_line_magic("hpc_ls", f"{HOME} --facility local")

    assert fake.seen[-1].path == "facilities/local/files"
    assert fake.seen[-1].params == {"path": HOME}


def test_upload_and_download(
    ip: Any, fake: FakeHPCServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = tmp_path / "my input.txt"
    local.write_text("3 1 4 1 5\n")

    entry = ip.run_line_magic("hpc_upload", f'"{local}" runs-input.txt')
    back = ip.run_line_magic("hpc_download", f"runs-input.txt {tmp_path}/back.txt")

    assert isinstance(entry, FileEntry) and entry.size == 10
    assert fake.files[f"{HOME}/runs-input.txt"] == b"3 1 4 1 5\n"
    assert back == tmp_path / "back.txt"
    assert back.read_text() == "3 1 4 1 5\n"
    assert capsys.readouterr().out == ""  # quick transfers print no progress
    assert "runs-input.txt" in html(ip, entry)  # a lone entry shows as a one-row table


def test_upload_of_a_missing_file_is_one_line(
    ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ip.run_line_magic("hpc_upload", "no-such-file.txt remote.txt") is None
    assert one_error_line(capsys) == "hpc-jupyter: No local file 'no-such-file.txt' to upload."


def test_progress_of_a_slow_transfer_is_one_updated_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = _Progress("Uploaded", interval=0.0)
    for done in (0, 1024 * 1024, 3 * 1024 * 1024):
        progress(done, 3 * 1024 * 1024)
    progress.finish()

    out = capsys.readouterr().out
    assert out.endswith("\rUploaded 3.0 MiB of 3.0 MiB (100%)\n")
    assert out.count("\n") == 1


# -- submitting ----------------------------------------------------------------------------------


def test_cell_submit_sends_the_cell_with_the_options(ip: Any, fake: FakeHPCServer) -> None:
    options = (
        "--name quickstart -t 0:02:00 -N 2 -p debug -A g42 -D /scratch/ada "
        "-o out.txt -e err.txt --env OMP_NUM_THREADS=8 --env ARGS=a=b"
    )

    handle = ip.run_cell_magic("hpc_submit", options, SCRIPT)

    assert isinstance(handle, JobHandle)
    body = fake.requests("POST", "jobs")[-1].body
    assert body == {
        "script": SCRIPT,
        "name": "quickstart",
        "time_limit": 120,
        "nodes": 2,
        "partition": "debug",
        "account": "g42",
        "workdir": "/scratch/ada",
        "stdout": "out.txt",
        "stderr": "err.txt",
        "env": {"OMP_NUM_THREADS": "8", "ARGS": "a=b"},
        "origin": {
            "via": "magic",
            "notebook": os.environ.get("JPY_SESSION_NAME"),
            "cell": None,  # IPython without a kernel: no cell id
            "resubmit_of": None,
        },
    }
    assert handle.info.name == "quickstart"
    assert "quickstart" in html(ip, handle) and "PENDING" in text(ip, handle)


@pytest.mark.parametrize(
    ("given", "seconds"),
    [("30", 1800), ("1:30", 90), ("2:00:00", 7200), ("1-12", 129600), ("1-0:30", 88200)],
)
def test_slurm_times_become_seconds(ip: Any, fake: FakeHPCServer, given: str, seconds: int) -> None:
    ip.run_cell_magic("hpc_submit", f"--time {given}", SCRIPT)

    assert fake.requests("POST", "jobs")[-1].body["time_limit"] == seconds


def test_line_submit_reads_a_local_script(ip: Any, fake: FakeHPCServer, tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)

    handle = ip.run_line_magic("hpc_submit", f"{script} --facility local")

    assert fake.requests("POST", "jobs")[-1].path == "facilities/local/jobs"
    assert fake.jobs[handle.id].script == SCRIPT


@pytest.mark.parametrize(
    ("line", "cell", "message"),
    [
        ("--time soon", SCRIPT, "Time limit 'soon' is not a Slurm time"),
        ("", "  \n", "The cell is empty"),
        ("job.sh", SCRIPT, "either as a file"),
        ("", None, "Name a local batch script"),
        ("missing.sh", None, "No local script 'missing.sh'"),
        ("--env NOVALUE", SCRIPT, "--env takes NAME=VALUE"),
    ],
)
def test_submit_mistakes_are_one_line(
    ip: Any,
    fake: FakeHPCServer,
    capsys: pytest.CaptureFixture[str],
    line: str,
    cell: str | None,
    message: str,
) -> None:
    if cell is None:
        result = ip.run_line_magic("hpc_submit", line)
    else:
        result = ip.run_cell_magic("hpc_submit", line, cell)

    assert result is None
    assert message in one_error_line(capsys)
    assert fake.requests("POST", "jobs") == []


def test_bad_arguments_are_a_usage_error(ip: Any, fake: FakeHPCServer) -> None:
    with pytest.raises(UsageError):
        ip.run_line_magic("hpc_ls", "one two")
    with pytest.raises(UsageError):
        ip.run_cell_magic("hpc_submit", "--nodes many", SCRIPT)


# -- following jobs ------------------------------------------------------------------------------


def test_submit_wait_log_in_a_notebook_flow(
    ip: Any, fake: FakeHPCServer, no_sleep: None, capsys: pytest.CaptureFixture[str]
) -> None:
    job = ip.run_cell_magic("hpc_submit", "--name flow", SCRIPT)

    waited = ip.run_line_magic("hpc_wait", job.id)
    log = ip.run_line_magic("hpc_log", job.id)
    jobs = ip.run_line_magic("hpc_jobs", "")
    one = ip.run_line_magic("hpc_job", job.id)

    assert waited.info.state is JobState.COMPLETED
    assert isinstance(log, LogText) and log == "ran: echo hi\n"
    assert text(ip, log) == "ran: echo hi\n"  # shown as the text itself, not a quoted string
    assert isinstance(jobs, JobTable) and [j.id for j in jobs] == [job.id]
    assert "COMPLETED" in html(ip, jobs)
    assert isinstance(one, JobHandle) and one.info.state is JobState.COMPLETED
    assert capsys.readouterr().err == ""


def test_log_of_stderr_and_follow(
    ip: Any, fake: FakeHPCServer, no_sleep: None, capsys: pytest.CaptureFixture[str]
) -> None:
    job = fake.add_job(["COMPLETED"], out="first\nsecond\n", err="oops\n")
    empty = fake.add_job(["COMPLETED"])

    stderr = ip.run_line_magic("hpc_log", f"{job.data['id']} --stderr")
    followed = ip.run_line_magic("hpc_log", f"{job.data['id']} --follow")

    assert stderr == "oops\n"
    assert followed is None
    assert capsys.readouterr().out == "first\nsecond\n"
    assert text(ip, ip.run_line_magic("hpc_log", empty.data["id"])) == "(the log is empty)"


def test_wait_timeout_is_one_line(
    ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    job = fake.add_job(["RUNNING"])

    assert ip.run_line_magic("hpc_wait", f"{job.data['id']} --timeout 0") is None
    assert "is still RUNNING after 0 s" in one_error_line(capsys)


def test_cancel(ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]) -> None:
    job = fake.add_job(["RUNNING"])

    handle = ip.run_line_magic("hpc_cancel", job.data["id"])
    again = ip.run_line_magic("hpc_cancel", job.data["id"])

    assert handle.info.state is JobState.CANCELLED
    assert "CANCELLED" in html(ip, handle)
    assert again is None
    assert one_error_line(capsys) == f"hpc-jupyter: Job {job.data['id']} has already ended."


def test_hold_release_and_requeue(
    ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = fake.add_job(["PENDING"])
    running = fake.add_job(["RUNNING"])

    held = ip.run_line_magic("hpc_hold", pending.data["id"])
    held_info = held.info
    released = ip.run_line_magic("hpc_release", pending.data["id"])
    requeued = ip.run_line_magic("hpc_requeue", running.data["id"])
    not_held = ip.run_line_magic("hpc_release", pending.data["id"])

    assert (held_info.state, held_info.reason) == (JobState.PENDING, "JobHeldUser")
    assert (released.info.state, released.info.reason) == (JobState.PENDING, None)
    assert requeued.info.state is JobState.PENDING
    assert not_held is None
    assert one_error_line(capsys) == (
        f"hpc-jupyter: Job {pending.data['id']} is PENDING: cannot release."
    )


def test_python_api_hold_release_requeue(fake: FakeHPCServer) -> None:
    job = fake.add_job(["PENDING"])
    hpc = connect(client=default_client())

    assert hpc.hold(job.data["id"]).reason == "JobHeldUser"
    assert hpc.release(int(job.data["id"])).reason is None
    fake.jobs[job.data["id"]].data["state"] = "RUNNING"
    assert hpc.requeue(job.data["id"]).state is JobState.PENDING


def test_server_failures_never_show_a_traceback(
    ip: Any, fake: FakeHPCServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail[("GET", "facilities/alps/jobs")] = (
        502,
        {"message": "FirecREST at alps answered 503: maintenance.", "reason": "unavailable"},
    )

    ip.run_cell("%hpc_jobs")

    assert one_error_line(capsys) == "hpc-jupyter: FirecREST at alps answered 503: maintenance."


def test_no_server_is_one_line_with_the_fix(
    ip: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = set_default_client(None)
    monkeypatch.delenv("HPC_JUPYTER_URL", raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    try:
        ip.run_cell("%hpc_jobs")
    finally:
        set_default_client(previous)

    line = one_error_line(capsys)
    assert "No hpc-jupyter server found" in line and "HPC_JUPYTER_URL" in line


# -- tables --------------------------------------------------------------------------------------


def _job(**fields: Any) -> Job:
    values: dict[str, Any] = {
        "id": "1",
        "name": "a",
        "state": JobState.RUNNING,
        "raw_state": "R",
        "facility": "alps",
        "system": "daint",
    }
    values.update(fields)
    return Job(**values)


def test_job_tables_colour_states_and_escape(ip: Any) -> None:
    now = time.time()
    jobs = [
        _job(id="1", name="<b>bold</b>", start_time=now - 3725, time_limit=7200),
        _job(id="2", state=JobState.FAILED, exit_code=3),
        _job(id="3", state=JobState.PENDING, reason="Priority"),
    ]

    shown = jobs_html(jobs)
    plain = jobs_text(jobs)

    assert "&lt;b&gt;bold&lt;/b&gt;" in shown and "<b>bold" not in shown
    for job in jobs:
        assert STATE_COLOURS[job.state] in shown
    assert 'title="Priority"' in shown
    assert "01:02:0" in shown  # elapsed: an hour and two minutes
    assert "02:00:00" in plain  # the time limit
    assert "PENDING (Priority)" in plain
    header, *rows = plain.splitlines()
    assert header.startswith("ID  NAME")
    assert [row.split()[0] for row in rows] == ["1", "2", "3"]
    assert html(ip, jobs[1]) == jobs_html([jobs[1]])  # a lone Job shows as a table too
    assert text(ip, jobs[1]) == jobs_text([jobs[1]])
    assert jobs_html([]) == "<p>No jobs.</p>"


def test_file_listing_text_and_sizes() -> None:
    entries = [
        FileEntry("runs", "/h/runs", FileType.DIRECTORY, 4096, "rwxr-xr-x", "ada", "users", 0),
        FileEntry("big", "/h/big", FileType.FILE, 3 * 1024**3, "rw-r--r--", "ada", "", 0),
        FileEntry("ln", "/h/ln", FileType.LINK, 3, "rwxrwxrwx", "ada", "users", 0, "big"),
    ]

    plain = files_text(entries, "/h")

    assert plain.splitlines()[0] == "/h"
    assert "runs/" in plain and "3.0 GiB" in plain and "ln -> big" in plain
    assert "ada:users" in plain
    assert [format_size(n) for n in (0, 1023, 1536, 5 * 1024**2)] == [
        "0 B",
        "1023 B",
        "1.5 KiB",
        "5.0 MiB",
    ]


# -- end to end: the real server -----------------------------------------------------------------


@pytest.fixture
def kernel_of_the_server(
    ip: Any, hpc_app: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The shell as a kernel started by the test server: it finds the server by itself."""
    monkeypatch.delenv("HPC_JUPYTER_URL", raising=False)
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    previous = set_default_client(None)
    yield ip
    client = set_default_client(previous)
    if client is not None:
        client.close()


async def test_end_to_end_magics(
    kernel_of_the_server: Any, jp_root_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ip = kernel_of_the_server
    (jp_root_dir / "input.txt").write_text("3 1 4\n")

    def notebook() -> tuple[Any, ...]:
        listing = ip.run_line_magic("hpc_ls", "")
        job = ip.run_cell_magic(
            "hpc_submit",
            "--name e2e --time 1",
            "#!/bin/bash\nawk '{print \"sum:\", $1 + $2 + $3}' input.txt\n",
        )
        waited = ip.run_line_magic("hpc_wait", f"{job.id} --timeout 60")
        log = ip.run_line_magic("hpc_log", job.id)
        jobs = ip.run_line_magic("hpc_jobs", "")
        missing = ip.run_line_magic("hpc_job", "999999")
        return listing, job, waited, log, jobs, missing

    listing, job, waited, log, jobs, missing = await asyncio.to_thread(notebook)

    assert "input.txt" in {entry.name for entry in listing}
    assert waited.info.state is JobState.COMPLETED
    assert log == "sum: 8\n"
    assert job.id in {j.id for j in jobs}
    assert missing is None
    assert "999999" in one_error_line(capsys)
