"""Bad input to the local facility's jobs: each a clear 4xx, never a 500, nothing half-kept."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.helpers import JOBS, expect_error, read_output, submit, wait_for_state

API = Callable[..., Awaitable[Any]]
SHORT = 300
"""No message echoes more than a short prefix of the input: this many characters at most."""

BAD_SUBMISSIONS = [
    pytest.param({"time_limit": 2**63}, "", 400, "from 1 to", id="time_limit 2**63"),
    pytest.param({"time_limit": 2**70}, "", 400, "from 1 to", id="time_limit 2**70"),
    pytest.param({"nodes": 2**63}, "", 400, "from 1 to", id="nodes 2**63"),
    pytest.param({}, "#SBATCH --time=\uff11\n", 400, "Slurm time", id="--time fullwidth 1"),
    pytest.param({"time_limit": 365 * 86400 + 1}, "", 400, "365 days", id="a year and a second"),
    pytest.param({}, "#SBATCH --time=99999999999999999999\n", 400, "365 days", id="--time huge"),
    pytest.param({}, "#SBATCH --time=" + "9" * 5000 + "\n", 400, "Slurm time", id="--time 5000"),
    pytest.param({}, "#SBATCH -N " + "9" * 5000 + "\n", 400, "whole number", id="-N 5000 digits"),
    pytest.param({}, "#SBATCH -X" + "x" * 5000 + "\n", 400, "cannot read", id="unknown option"),
    pytest.param({"name": "x\ud800"}, "", 400, "valid text", id="name with a lone surrogate"),
    pytest.param({}, "#SBATCH -J a\x00b\n", 400, "NUL", id="name with NUL from a directive"),
    pytest.param({"partition": "p\udc80"}, "", 400, "valid text", id="partition surrogate"),
    pytest.param({"workdir": "w\ud800"}, "", 400, "valid text", id="workdir surrogate"),
    pytest.param({"stdout": "o\ud800"}, "", 400, "valid text", id="stdout surrogate"),
    pytest.param({"env": {"A": "\udcff"}}, "", 400, "valid text", id="env value surrogate"),
    pytest.param({"script": "echo \ud800"}, "", 400, "valid text", id="script surrogate"),
    pytest.param({"stdout": "a" * 300}, "", 400, "too long", id="stdout name over 255 bytes"),
    pytest.param({"stdout": "a/" * 2100}, "", 400, "too long", id="stdout over 4096 bytes"),
    pytest.param({"stdout": "."}, "", 400, "directory", id="stdout is a directory"),
    pytest.param({"array": "0-1000"}, "", 400, "more than 1000 tasks", id="array of 1001"),
    pytest.param({"array": "1-x"}, "", 400, "task indexes", id="array not indexes"),
    pytest.param({"array": "9-1"}, "", 400, "a range goes up", id="array backwards"),
    pytest.param({}, "#SBATCH --array=0-5000\n", 400, "1000 tasks", id="--array of 5001"),
]


@pytest.mark.parametrize(("fields", "head", "status", "words"), BAD_SUBMISSIONS)
async def test_bad_submissions_are_a_clear_4xx_and_leave_no_job(
    api: API,
    hpc_data_dir: Path,
    jp_root_dir: Path,
    fields: dict[str, Any],
    head: str,
    status: int,
    words: str,
) -> None:
    # When the client submits something no job can be made of
    body = json.dumps({"script": head + "echo hi\n", **fields})  # "\ud800" goes as an escape
    error = await expect_error(api(*JOBS, method="POST", body=body), status)

    # Then it is told what, in a short curated message
    assert words in error["message"], error
    assert len(error["message"]) < SHORT, error
    # and no job was recorded, no script kept, nothing run
    assert (await api(*JOBS))["jobs"] == []
    assert not list((hpc_data_dir / "local").glob("jobs/*"))
    assert not list(jp_root_dir.glob("*.out"))


async def test_a_work_directory_that_is_a_file_is_named_as_such(
    api: API, jp_root_dir: Path
) -> None:
    (jp_root_dir / "notes.txt").write_text("a file\n")
    error = await expect_error(submit(api, "echo\n", workdir="notes.txt"), 400)
    assert "is not a directory" in error["message"]


async def test_a_huge_filename_pattern_width_pads_to_ten_as_sbatch_does(
    api: API, jp_root_dir: Path
) -> None:
    job = await submit(api, "#SBATCH -o out-%99999999999999999999j.txt\necho padded\n")
    assert job["stdout"] == f"out-{job['id'].zfill(10)}.txt"
    await wait_for_state(api, job["id"], {"COMPLETED"})
    assert (jp_root_dir / job["stdout"]).read_text() == "padded\n"


# -- job ids ---------------------------------------------------------------------------------


# Fullwidth one, superscript two, Arabic-Indic three, "1" + superscript two, superscript one.
@pytest.mark.parametrize("job_id", ["\uff11", "\u00b2", "\u0663", "1\u00b2", "\u00b9"])
async def test_a_job_id_of_non_ascii_digits_is_no_job(api: API, job_id: str) -> None:
    # Given job 1 exists (and 3)
    first = await submit(api, "true\n")
    await submit(api, "true\n")
    await submit(api, "true\n")
    assert first["id"] == "1"

    # When a client names a job with digits that are not ASCII (int("\uff11") is 1)
    for method, suffix in (("GET", ()), ("DELETE", ()), ("GET", ("output",)), ("POST", ("hold",))):
        body = "{}" if method == "POST" else None
        with pytest.raises(HTTPClientError) as info:
            await api(*JOBS, job_id, *suffix, method=method, body=body)

        # Then it is refused as no job (400 or 404), never a 500, never job 1
        assert info.value.code in (400, 404), (method, suffix, info.value)
    assert (await api(*JOBS, "1"))["state"] != "CANCELLED"


async def test_job_zero_is_404(api: API) -> None:
    await submit(api, "true\n")
    for call in (api(*JOBS, "0"), api(*JOBS, "0", method="DELETE"), api(*JOBS, "0", "output")):
        await expect_error(call, 404)


# -- reading a job's output ------------------------------------------------------------------


async def finished_job(api: API) -> dict[str, Any]:
    job = await submit(api, "echo done\n")
    return await wait_for_state(api, job["id"], {"COMPLETED"})


async def test_output_replaced_by_a_directory_is_400(api: API, jp_root_dir: Path) -> None:
    job = await finished_job(api)
    log = jp_root_dir / job["stdout"]
    log.unlink()
    log.mkdir()

    error = await expect_error(read_output(api, job["id"]), 400)

    assert "directory" in error["message"]


async def test_output_replaced_by_a_fifo_is_400_at_once(api: API, jp_root_dir: Path) -> None:
    job = await finished_job(api)
    log = jp_root_dir / job["stdout"]
    log.unlink()
    os.mkfifo(log)
    try:
        # (a read that waits for a writer would hang this request, and a thread, for ever)
        error = await expect_error(api(*JOBS, job["id"], "output", request_timeout=10), 400)
        assert "not a regular file" in error["message"]
    finally:
        with contextlib.suppress(OSError):  # free a reader that would wait for a writer
            os.close(os.open(log, os.O_WRONLY | os.O_NONBLOCK))


async def test_output_replaced_by_a_link_out_of_the_root_is_403(
    api: API, jp_root_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not for the job's readers\n")
    job = await finished_job(api)
    log = jp_root_dir / job["stdout"]
    log.unlink()
    log.symlink_to(secret)

    error = await expect_error(read_output(api, job["id"]), 403)

    assert "not for" not in error["message"]


async def test_a_time_limit_of_exactly_a_year_is_accepted(api: API) -> None:
    job = await submit(api, "true\n", time_limit=365 * 86400)
    assert job["time_limit"] == 365 * 86400
    job = await submit(api, "#SBATCH --time=365-00:00:00\ntrue\n")
    assert job["time_limit"] == 365 * 86400
