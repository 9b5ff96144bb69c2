"""A `firecrest` facility used from a kernel: the Python API and the magics, end to end.

The kernel side finds the test server as a real kernel would, and the server talks to the
FirecREST v2 double, then to the v1 double; files above 1 MiB go through the staged (S3)
transfers.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient, set_default_client
from hpc_jupyter.errors import NotFound
from hpc_jupyter.models import FileType, JobState
from tests.firecrest.double_fixtures import ON_BOTH, facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1

MiB = 1024 * 1024
HOME = "/home/hpcuser"
LOGIN = "#!/bin/bash -l\necho hi\n"
STAGED = ("/filesystem/localcluster/transfer/upload", "/filesystem/localcluster/transfer/download")
STAGED_V1 = ("/storage/xfer-external/upload", "/storage/xfer-external/download")


pytestmark = ON_BOTH


@pytest.fixture
def hpc_facilities(double: FakeFirecrest) -> dict[str, Any]:
    double.direct_limit = 1 * MiB  # so that a 3 MiB file is staged
    # the server's job watcher answers from a listing this fresh; 30 s by default
    return {"alps": {**facility_options(double, CLIENT_SECRET), "poll_interval": 0.5}}


@pytest.fixture
def kernel(kernel_env: Any) -> Iterator[Any]:
    """A kernel's environment as the test server would start it: it finds the server itself."""
    previous = set_default_client(None)
    yield kernel_env
    client = set_default_client(previous)
    if client is not None:
        client.close()


def staged_calls(fake: FakeFirecrest) -> list[str]:
    """The requests that started staged transfers, as (upload, download) paths of v2."""
    ours = STAGED_V1 if isinstance(fake, FakeFirecrestV1) else STAGED
    return [STAGED[ours.index(path)] for _, path, _ in fake.requests if path in ours]


def assert_nothing_secret(fake: FakeFirecrest, shown: str) -> None:
    assert fake.tokens  # tokens were given out, and used
    assert CLIENT_SECRET not in shown
    for token in fake.tokens:
        assert token not in shown


async def test_python_api_files(kernel: Any, double: FakeFirecrest, tmp_path: Path) -> None:
    # Given a small and a large local file
    small = tmp_path / "small.txt"
    small.write_text("hello firecrest\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * MiB + 7))
    progress: list[int] = []

    def notebook() -> dict[str, Any]:
        with HPCClient() as client:
            hpc = connect(client=client)
            seen: dict[str, Any] = {"hpc": repr(hpc)}
            seen["mkdir"] = hpc.mkdir(f"{HOME}/runs/in", parents=True)
            seen["small"] = hpc.upload(small, f"{HOME}/runs/in/small.txt")
            seen["big"] = hpc.upload(
                big, f"{HOME}/runs/in/big.bin", lambda done, _: progress.append(done)
            )
            seen["copy"] = hpc.copy(f"{HOME}/runs/in/small.txt", f"{HOME}/runs/copy.txt")
            seen["move"] = hpc.move(f"{HOME}/runs/copy.txt", f"{HOME}/runs/moved.txt")
            seen["chmod"] = hpc.chmod(f"{HOME}/runs/moved.txt", "600")
            seen["ls"] = hpc.ls(f"{HOME}/runs")
            seen["home"] = hpc.ls()
            seen["part"] = hpc.read_text(f"{HOME}/runs/moved.txt", 6, 9)
            seen["back_small"] = hpc.download(f"{HOME}/runs/moved.txt", tmp_path / "s.txt")
            seen["back_big"] = hpc.download(f"{HOME}/runs/in/big.bin", tmp_path / "b.bin")
            hpc.delete(f"{HOME}/runs/in", recursive=True)
            with pytest.raises(NotFound):
                hpc.stat(f"{HOME}/runs/in")
            return seen

    # When a notebook moves them up, around and down through the Python API
    seen = await asyncio.to_thread(notebook)

    # Then the facility holds what was sent, the large file went through staged transfers
    assert seen["mkdir"].type is FileType.DIRECTORY
    assert seen["small"].size == len("hello firecrest\n")
    assert seen["big"].size == 3 * MiB + 7
    assert progress[-1] == 3 * MiB + 7
    assert {e.name for e in seen["ls"]} == {"in", "moved.txt"}
    assert seen["chmod"].permissions.endswith("rw-------")
    # v2 names the default work directory; v1 only filesystems, so the user's one in /home
    assert seen["home"].path == (HOME if isinstance(double, FakeFirecrestV1) else "/home")
    assert seen["part"] == "firecrest"
    assert seen["back_small"].read_text() == "hello firecrest\n"
    assert seen["back_big"].read_bytes() == big.read_bytes()
    assert not double.local(f"{HOME}/runs/in").exists()
    assert staged_calls(double) == list(STAGED)
    assert_nothing_secret(double, "\n".join(map(repr, seen.values())))


async def test_python_api_jobs(kernel: Any, double: FakeFirecrest) -> None:
    loop = asyncio.get_running_loop()
    client = HPCClient()
    try:
        hpc = await asyncio.to_thread(connect, client=client)

        # When a job is submitted and waited for (the double finishes it a moment later)
        job = await asyncio.to_thread(hpc.submit, LOGIN, name="py", env={"GREETING": "hi"})
        loop.call_later(1.0, double.finish_job, job.id)
        final = await asyncio.to_thread(job.wait, 30)
        log = await asyncio.to_thread(job.log)

        # And another is cancelled while the jobs and partitions are listed
        other = await asyncio.to_thread(hpc.submit, "#!/bin/bash\nsleep 600\n", name="long")
        cancelled = await asyncio.to_thread(hpc.cancel, other.id)
        listed = await asyncio.to_thread(hpc.jobs)
        partitions = await asyncio.to_thread(hpc.partitions)
    finally:
        client.close()

    # Then the kernel sees the jobs in the project's words
    assert final.state is JobState.COMPLETED and final.exit_code == 0
    assert log == f"hello from {job.id}\nGREETING=hi\n"
    assert "#!/bin/bash -l" in (other.info.reason or "")  # no login shell: the user is told
    assert cancelled.state is JobState.CANCELLED
    assert {job.id: JobState.COMPLETED, other.id: JobState.CANCELLED}.items() <= {
        j.id: j.state for j in listed
    }.items()
    assert "debug" in [p.name for p in partitions]
    assert_nothing_secret(double, repr(hpc) + repr(final) + repr(listed) + log)


@pytest.fixture
def ip(kernel: Any) -> Iterator[Any]:
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")  # a fresh HPCMagics for this test
    formatter = shell.display_formatter.formatters["text/html"]
    enabled, formatter.enabled = formatter.enabled, True  # show HTML as a notebook would
    yield shell
    formatter.enabled = enabled


async def test_magics_files_and_jobs(
    ip: Any, double: FakeFirecrest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 * MiB))
    results: list[Any] = []

    def run(magic: str, line: str, cell: str | None = None) -> Any:
        if cell is None:
            result = ip.run_line_magic(magic, line)
        else:
            result = ip.run_cell_magic(magic, line, cell)
        results.append(result)
        return result

    # When a notebook uses the magics on the facility
    facilities = await asyncio.to_thread(run, "hpc_facilities", "")
    uploaded = await asyncio.to_thread(run, "hpc_upload", f"{big} {HOME}/big.bin")
    listing = await asyncio.to_thread(run, "hpc_ls", HOME)
    back = await asyncio.to_thread(run, "hpc_download", f"{HOME}/big.bin {tmp_path / 'b.bin'}")
    job = await asyncio.to_thread(run, "hpc_submit", "--name nb --env X=1", LOGIN)
    loop.call_later(1.0, double.finish_job, job.id)
    waited = await asyncio.to_thread(run, "hpc_wait", f"{job.id} --timeout 30")
    log = await asyncio.to_thread(run, "hpc_log", job.id)
    other = await asyncio.to_thread(run, "hpc_submit", "", LOGIN)
    cancelled = await asyncio.to_thread(run, "hpc_cancel", other.id)
    jobs = await asyncio.to_thread(run, "hpc_jobs", "")
    missing = await asyncio.to_thread(run, "hpc_job", "999999")

    # Then each did its work, the large file through the staged transfers
    assert facilities[0].kind == "firecrest" and facilities[0].auth_status == "ok"
    assert uploaded.size == 2 * MiB
    assert "big.bin" in {entry.name for entry in listing}
    assert back.read_bytes() == big.read_bytes()
    assert staged_calls(double) == list(STAGED)
    assert waited.info.state is JobState.COMPLETED
    assert str(log) == f"hello from {job.id}\nX=1\n"
    assert cancelled.info.state is JobState.CANCELLED
    assert {job.id, other.id} <= {j.id for j in jobs}
    assert missing is None

    # And nothing a notebook would show holds the client secret or a token
    out, err = capsys.readouterr()
    assert "999999" in err and "Traceback" not in out + err
    shown = [out, err]
    for result in results:
        data, _ = ip.display_formatter.format(result)
        shown.extend(str(value) for value in data.values())
    assert_nothing_secret(double, "\n".join(shown))
