"""The %hpc_* magics on an `iri` facility: a kernel-like shell, the real server, the IRI double."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.api import Facility, JobHandle
from hpc_jupyter.client import set_default_client
from hpc_jupyter.display import JobTable, Listing, LogText
from hpc_jupyter.models import FileEntry, JobState
from tests.iri.fake_iri import HOME, FakeIRI
from tests.iri.token_files import stored

SCRIPT = "#!/bin/bash\n#PBS -l select=1\n#PBS -l walltime=00:10:00\necho hello\n"


@pytest.fixture
def kernel(kernel_env: Any) -> Iterator[Any]:
    """An IPython shell with the magics loaded, as a kernel the test server started."""
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")  # a fresh HPCMagics, no facility in use
    formatter = shell.display_formatter.formatters["text/html"]
    enabled, formatter.enabled = formatter.enabled, True  # show HTML as a notebook would
    previous = set_default_client(None)  # the magics find the server by themselves
    yield shell
    client = set_default_client(previous)
    if client is not None:
        client.close()
    formatter.enabled = enabled


def shown(ip: Any, obj: object) -> str:
    """Everything a notebook shows for `obj`: its HTML, its text and its repr."""
    html = ip.display_formatter.formatters["text/html"](obj) or ""
    data, _ = ip.display_formatter.format(obj, include={"text/plain"})
    return f"{html}\n{data['text/plain']}\n{obj!r}"


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hpc-jupyter: ")
    return lines[0]


async def test_magics_work_with_files_and_jobs(
    kernel: Any,
    fake: FakeIRI,
    issued: set[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ip = kernel
    # Given a file on the storage and one on the kernel's side
    (fake.root / "notes.txt").write_text("hello, iri\n")
    local = tmp_path / "my input.txt"
    local.write_text("3 1 4\n")

    def choose_and_move_files() -> list[Any]:
        return [
            ip.run_line_magic("hpc_use", "alcf"),
            ip.run_line_magic("hpc_ls", ""),
            ip.run_line_magic("hpc_upload", f'"{local}" input.txt'),
            ip.run_line_magic("hpc_download", f"input.txt {tmp_path}/back.txt"),
        ]

    def submit_two_jobs() -> list[Any]:
        return [
            ip.run_cell_magic("hpc_submit", "--name first -A proj9", SCRIPT),
            ip.run_cell_magic("hpc_submit", "--name second -t 5", "#!/bin/bash\nsleep 600\n"),
        ]

    def follow_jobs(first: str, second: str) -> list[Any]:
        return [
            ip.run_line_magic("hpc_jobs", ""),
            ip.run_line_magic("hpc_job", first),
            ip.run_line_magic("hpc_log", first),
            ip.run_line_magic("hpc_cancel", second),
            ip.run_line_magic("hpc_cancel", second),
        ]

    # When a notebook chooses the facility, lists, uploads and downloads
    facility, listing, uploaded, back = await asyncio.to_thread(choose_and_move_files)
    out_files = capsys.readouterr()
    # ... submits two jobs, of which the first ends
    first, second = await asyncio.to_thread(submit_two_jobs)
    fake.finish_job(first.id, output="hello\n")
    # ... and lists the jobs, looks at the first and its log, cancels the second twice
    jobs, done, log, cancelled, again = await asyncio.to_thread(follow_jobs, first.id, second.id)
    out_jobs = capsys.readouterr()

    # Then the facility is the IRI one, its system the compute resource's group, login ok
    assert isinstance(facility, Facility) and facility.name == "alcf"
    assert facility.kind == "iri"
    assert [s.name for s in facility.systems] == ["perlmutter"]
    assert facility.auth_status == "ok"
    # ... the listing is the home on the storage, the upload and download went through tasks
    assert isinstance(listing, Listing) and listing.path == HOME
    assert "notes.txt" in {e.name for e in listing}
    assert "notes.txt" in shown(ip, listing)
    assert (
        isinstance(uploaded, FileEntry) and uploaded.path == "input.txt"
    )  # as given: relative to home
    assert uploaded.size == 6
    assert (fake.root / "input.txt").read_text() == "3 1 4\n"
    assert back == tmp_path / "back.txt" and back.read_text() == "3 1 4\n"
    assert out_files.out == "" and out_files.err == ""
    # ... the cell became an IRI job with the #PBS directives and the options
    assert isinstance(first, JobHandle) and first.info.name == "first"
    spec = fake.jobs[first.id].spec
    assert spec["arguments"] == ["-c", SCRIPT]
    assert spec["resources"] == {"node_count": 1}
    assert spec["attributes"]["duration"] == 600
    assert spec["attributes"]["account"] == "proj9"
    assert spec["attributes"]["queue_name"] == "debug"
    assert fake.jobs[second.id].spec["attributes"]["duration"] == 300
    assert "first" in shown(ip, first) and "PENDING" in shown(ip, first)
    # ... the jobs show in the project's words, the log is the job's stdout file
    assert isinstance(jobs, JobTable)
    assert {j.id for j in jobs} == {first.id, second.id}
    assert "first" in shown(ip, jobs) and "second" in shown(ip, jobs)
    assert isinstance(done, JobHandle) and done.info.state is JobState.COMPLETED
    assert done.info.exit_code == 0
    assert isinstance(log, LogText) and log == "hello\n"
    assert isinstance(cancelled, JobHandle) and cancelled.info.state is JobState.CANCELLED
    assert "CANCELLED" in shown(ip, cancelled)
    assert fake.jobs[second.id].state == "canceled"
    # ... and cancelling an ended job is one readable line, not a traceback
    assert again is None
    assert "Traceback" not in out_jobs.out + out_jobs.err
    assert "already ended" in one_error_line(out_jobs.err)

    # And no token of the double is in anything the magics printed or returned
    returned = [facility, listing, uploaded, back, first, second, jobs, done, log, cancelled]
    everything = [out_files.out, out_files.err, out_jobs.out, out_jobs.err]
    everything += [shown(ip, value) for value in returned]
    assert len(issued) == 4  # the token file's; no refresh was needed
    for text in everything:
        for secret in issued:
            assert secret not in text


async def test_refresh_is_unnoticed_and_an_expired_login_is_one_line(
    kernel: Any,
    fake: FakeIRI,
    issued: set[str],
    token_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ip = kernel
    # Given a notebook that listed its home once
    first = await asyncio.to_thread(ip.run_line_magic, "hpc_ls", f"{HOME} --facility alcf")
    old = stored(token_file)["access_token"]

    # When the API stops taking the access token, and the home is listed again
    fake.revoke_all()
    again = await asyncio.to_thread(ip.run_line_magic, "hpc_ls", f"{HOME} --facility alcf")
    quiet = capsys.readouterr()

    # Then it worked after a refresh the notebook never saw; the new pair is in the file
    assert isinstance(first, Listing) and isinstance(again, Listing)
    assert again.path == HOME
    assert quiet.out == "" and quiet.err == ""
    assert len(fake.token_requests) == 1
    assert stored(token_file)["access_token"] not in (old, "")
    assert stored(token_file)["access_token"] in fake.tokens

    # When the login expires too (Globus refuses the refresh token), and the notebook goes on
    fake.revoke_all()
    fake.refresh_tokens.clear()

    def notebook() -> list[Any]:
        return [
            ip.run_line_magic("hpc_ls", f"{HOME} --facility alcf"),
            ip.run_line_magic("hpc_jobs", "--facility alcf"),
            ip.run_line_magic("hpc_use", "alcf"),
        ]

    listing, jobs, facility = await asyncio.to_thread(notebook)
    err = capsys.readouterr().err

    # Then files and jobs each fail with the same single line telling how to log in again
    assert listing is None and jobs is None
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1], err
    assert "Traceback" not in err
    assert "has expired" in lines[0] and "authenticate --force" in lines[0]
    assert str(token_file) in lines[0]
    # ... the facility shows the expired login with the same message
    assert isinstance(facility, Facility)
    assert facility.auth_status == "expired"
    assert facility.auth_message is not None and facility.auth_message in lines[0]
    assert "expired" in shown(ip, facility)
    # ... and no token was shown anywhere
    assert len(issued) == 6  # the file's four, and one refreshed pair
    for text in (quiet.out, err, shown(ip, first), shown(ip, again), shown(ip, facility)):
        for secret in issued:
            assert secret not in text
