"""A finished local job's efficiency through the real server: the CPU time and peak memory its
wrapper recorded, how it ended, and the figures of a job that outlived its server."""

from __future__ import annotations

import asyncio
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from tests.helpers import FINAL, JOBS, get_job, submit, wait_for_state
from tests.server_process import jupyter_server

API = Callable[..., Awaitable[Any]]
PYTHON = shlex.quote(sys.executable)
BURN = f"""{PYTHON} -c '
import time
start = time.process_time()
while time.process_time() - start < 1.0:
    pass
'
"""
"""A script that burns at least one CPU-second (the loop ends only once it has)."""
MIB = 2**20


async def finished(api: API, script: str, state: str = "COMPLETED", **fields: Any) -> Any:
    """Submit a script, wait for it to end in `state`, and GET it (with its efficiency)."""
    job = await submit(api, script, **fields)
    await wait_for_state(api, job["id"], {state}, timeout=30)
    return await get_job(api, job["id"])


async def test_a_job_burning_cpu_reports_its_cpu_time(api: API) -> None:
    # When a job burns a CPU-second and ends
    job = await finished(api, BURN)

    # Then its efficiency says it used that CPU time, never more than the time it ran
    figures = job["efficiency"]
    assert figures["outcome"] == "completed"
    assert figures["source"] == "getrusage"
    assert figures["cpu_time"] >= 1.0
    assert figures["cpu_time"] <= figures["elapsed"]
    assert figures["elapsed"] == round(job["end_time"] - job["start_time"], 3)
    # and, the local facility allocating no CPUs, it makes up no CPU efficiency
    assert figures["cpus"] is None and figures["cpu_efficiency"] is None
    assert figures["summary"].startswith("Completed. Ran ")


async def test_a_sleeping_job_uses_next_to_no_cpu(api: API) -> None:
    job = await finished(api, "sleep 1\n")

    figures = job["efficiency"]
    assert figures["cpu_time"] < 0.5
    assert figures["elapsed"] >= 1.0


async def test_a_job_allocating_100_mib_reports_its_peak_memory(api: API) -> None:
    # When a job's process fills 100 MiB (touching every page) and ends
    script = f"{PYTHON} -c 'b = bytearray(100 * 2**20); b[::4096] = b\"x\" * len(b[::4096])'\n"
    job = await finished(api, script)

    # Then its peak memory is at least that, in bytes and in words
    figures = job["efficiency"]
    assert figures["memory_used"] >= 100 * MIB
    assert figures["memory_requested"] is None and figures["memory_efficiency"] is None
    assert "Memory peak 1" in figures["summary"]  # 10x.x MiB


async def test_a_failing_job_says_it_failed_with_its_exit_code(api: API) -> None:
    job = await finished(api, "echo about to fail >&2\nexit 3\n", state="FAILED")

    figures = job["efficiency"]
    assert (figures["outcome"], figures["exit_code"]) == ("failed", 3)
    assert figures["summary"].startswith("Failed with exit code 3")


async def test_a_timed_out_job_still_reports_what_it_used(api: API) -> None:
    # Given a job that burns CPU until its one-second time limit stops it
    job = await finished(api, "while :; do :; done\n", state="TIMEOUT", time_limit=1)

    # Then its figures say it ran out of time, and what it used until then
    figures = job["efficiency"]
    assert figures["outcome"] == "timeout"
    assert figures["time_limit"] == 1
    assert figures["cpu_time"] > 0
    assert figures["summary"].startswith("Ran out of time")


async def test_the_listing_carries_no_efficiency(api: API) -> None:
    job = await finished(api, "true\n")
    assert job["efficiency"] is not None

    listed = {j["id"]: j for j in (await api(*JOBS))["jobs"]}

    assert listed[job["id"]]["efficiency"] is None


async def test_a_job_that_outlives_its_server_gets_its_figures_from_the_next(
    tmp_path: Path, hpc_data_dir: Path
) -> None:
    # Given a server that started a job, which waits for a sign and then burns a CPU-second
    config = {"data_dir": str(hpc_data_dir), "facilities": {"local": {"kind": "local"}}}
    root = tmp_path / "root"
    root.mkdir()
    script = f"while [ ! -e go ]; do sleep 0.05; done\n{BURN}"
    with jupyter_server(tmp_path / "first", config, root=root) as first:
        job = await first.call(*JOBS, method="POST", body={"script": script})
        running = await until_state(first.call, job["id"], {"RUNNING"})
        assert running["efficiency"] is None

    # When that server stops while the job runs, the job goes on to its end,
    (root / "go").touch()
    # and the user starts a server again
    with jupyter_server(tmp_path / "second", config, root=root) as second:
        ended = await until_state(second.call, job["id"], FINAL)

    # Then the new server tells what the job used, all of it
    assert ended["state"] == "COMPLETED"
    figures = ended["efficiency"]
    assert figures["source"] == "getrusage"
    assert figures["cpu_time"] >= 1.0
    assert figures["memory_used"] > 0


async def until_state(call: API, job_id: str, states: Iterable[str], timeout: float = 30) -> Any:
    """Poll a job of a server process until its state is one of `states`."""
    deadline = time.monotonic() + timeout
    while (job := await call(*JOBS, job_id))["state"] not in states:
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.1)
    return job
