"""hpc.executor on a `firecrest` facility (the v2 and v1 doubles): payloads up, results down, a
map as one job array.

The double keeps jobs but runs nothing; here the test plays the facility's compute nodes: each
job the executor submits is run with bash in the double's filesystem, at its work directory,
then marked done. Payloads above the direct limit go up and results come down through the
staged (S3) transfers. On v1 every result comes down staged: pyfirecrest's v1
`simple_download` reads a small file's bytes as JSON first, which bytes that are not UTF-8 (a
pickle's first byte is 0x80) break, so the backend stages such a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.executor import RemoteError
from tests.compute_nodes import compute as nodes
from tests.firecrest.double_fixtures import ON_BOTH, facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.firecrest.test_kernel_side import STAGED, staged_calls

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # as a notebook's functions go

KiB = 1024


def total(data: bytes) -> int:
    return sum(data)


def echo_big(n: int) -> bytes:
    return bytes(range(256)) * n


def refuses(reason: str) -> None:
    raise PermissionError(reason)


@pytest.fixture
def hpc_facilities(double: FakeFirecrest) -> dict[str, Any]:
    double.direct_limit = 64 * KiB  # larger payloads and results are staged
    return {
        "alps": {
            **facility_options(double, CLIENT_SECRET),
            "poll_interval": 0.5,
            "python": sys.executable,
        }
    }


def tasks(script: str) -> list[int | None]:
    """The array task indexes of `script`'s `#SBATCH --array=0-N` (one task: [None])."""
    found = re.search(r"^#SBATCH --array=0-(\d+)$", script, re.MULTILINE)
    return [None] if found is None else list(range(int(found.group(1)) + 1))


async def run(script: str, workdir: Path, task: int | None) -> int:
    """Run a batch script (or one task of it) as Slurm would; its exit code."""
    env = {**os.environ} if task is None else {**os.environ, "SLURM_ARRAY_TASK_ID": str(task)}
    process = await asyncio.create_subprocess_exec("bash", "-c", script, cwd=workdir, env=env)
    return await process.wait()


def compute(double: FakeFirecrest) -> contextlib.AbstractAsyncContextManager[list[str]]:
    """Run each batch job the double is given, as a facility's nodes would; the ids run."""

    async def run_job(job: Any) -> None:
        workdir = double.local(job.workdir)
        codes = [await run(job.script, workdir, task) for task in tasks(job.script)]
        double.finish_job(job.id, max(codes))

    return nodes(
        lambda: double.jobs.values(),
        lambda job: bool(job.script) and job.state == "RUNNING",
        run_job,
    )


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    with HPCClient() as client:
        yield client


@ON_BOTH
async def test_calls_go_up_run_and_come_back(client: HPCClient, double: FakeFirecrest) -> None:
    async with compute(double) as ran:
        hpc = await asyncio.to_thread(connect, client=client)
        ex = await asyncio.to_thread(hpc.executor, time_limit="10")

        # When a call with a large argument, one with a large result, and a map run
        big_in = bytes(range(256)) * 1024  # 256 KiB: staged up
        summed = await asyncio.to_thread(ex.submit, total, big_in)
        big_out = await asyncio.to_thread(ex.submit, echo_big, 512)  # 128 KiB: staged down
        mapped = await asyncio.to_thread(lambda: list(ex.map(len, ["a", "bb", "ccc"])))
        refused = await asyncio.to_thread(ex.submit, refuses, "not here")

        # Then each result came back from the job that ran it at the facility
        assert await asyncio.to_thread(summed.result, 60) == sum(big_in)
        assert await asyncio.to_thread(big_out.result, 60) == bytes(range(256)) * 512
        assert mapped == [1, 2, 3]
        with pytest.raises(PermissionError, match="not here") as info:
            await asyncio.to_thread(refused.result, 60)
        assert isinstance(info.value.__cause__, RemoteError)
        assert "in refuses" in info.value.__cause__.remote_traceback
        # the probe, then one job per call and one job array for the map
        assert len(ran) == 1 + 2 + 1 + 1
        array = double.jobs[ran[3]].script
        assert "#SBATCH --array=0-2" in array
        home = (await asyncio.to_thread(hpc.facility)).systems[0].home
        assert ex.directory.startswith(f"{home}/.hpc-jupyter/calls/")
        staged = staged_calls(double)
        if isinstance(double, FakeFirecrestV1):
            # v1 stages every result, as no result's bytes are text (pyfirecrest's direct
            # download reads them as JSON), and more of the calls (its direct limit is lower)
            assert STAGED[0] in staged and staged.count(STAGED[1]) >= 5
        else:
            assert staged == [STAGED[0], STAGED[1]]  # one staged each way
        assert double.local(f"{ex.directory}/0.in").stat().st_size > 256 * KiB
        await asyncio.to_thread(ex.shutdown)
