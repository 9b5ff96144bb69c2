"""hpc.executor on the real Slurm 22.05, both kinds: a call, a map as a job array, an error."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.executor import RemoteError
from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

SYSTEM_PYTHON = Path("/usr/bin/python3")
# The jobs cannot import this module: its functions travel by value, as a notebook's do.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def cube(x: int) -> int:
    return x**3


def where() -> str:
    import getpass
    import os

    return f"{getpass.getuser()} in job {os.environ['SLURM_JOB_ID']}"


def fails(x: int) -> int:
    raise ArithmeticError(f"cannot do {x}")


def job_python(cluster: Cluster) -> str:
    """A Python the cluster's user can run, with cloudpickle: the system's, given a copy."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip("needs /usr/bin/python3, the Python the test user's jobs run")
    lib = cluster.home / ".executor-test-lib"
    target = lib / "cloudpickle"
    if not target.exists():
        shutil.copytree(Path(cloudpickle.__file__).parent, target)
        for path in [lib, *lib.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return f"env PYTHONPATH={lib} {SYSTEM_PYTHON}"


@pytest.fixture
def hpc_facilities(slurm_cluster: Cluster) -> dict[str, Any]:
    python = job_python(slurm_cluster)
    return {
        "rest": slurmrestd_facility(slurm_cluster, python=python),
        "cli": slurm_cli_facility(slurm_cluster, python=python),
    }


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    with HPCClient() as client:
        yield client


@pytest.mark.parametrize("facility", ["rest", "cli"])
async def test_calls_run_as_slurm_jobs_and_come_back(
    client: HPCClient, facility: str, slurm_cluster: Cluster
) -> None:
    import subprocess

    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if version != "{}.{}".format(*sys.version_info[:2]):
        pytest.skip(f"the jobs' Python is {version}, the kernel's another")
    hpc = await asyncio.to_thread(connect, facility, client=client)
    ex = await asyncio.to_thread(hpc.executor, time_limit="5")
    # The server runs as root here, the jobs as the cluster's user: give them the directory
    await asyncio.to_thread(hpc.chown, ex.directory, slurm_cluster.user)

    # When a call, a map over 5 inputs and a failing call run as Slurm jobs
    one = await asyncio.to_thread(ex.submit, where)
    mapped = await asyncio.to_thread(lambda: list(ex.map(cube, range(5), chunksize=2)))
    failing = await asyncio.to_thread(ex.submit, fails, 7)

    # Then each came back: the result, in order, and the error with its remote traceback
    assert (await asyncio.to_thread(one.result, 120)).startswith(f"{slurm_cluster.user} in job ")
    assert mapped == [0, 1, 8, 27, 64]
    # the map ran as one array of three tasks (two calls each, then one)
    listed = await asyncio.to_thread(hpc.jobs)
    tasks = [job for job in listed if job.name == "cube" and job.workdir == ex.directory]
    assert len({job.array_job_id for job in tasks}) == 1, tasks
    assert sorted(job.array_task_id or "" for job in tasks) == ["0", "1", "2"], tasks
    with pytest.raises(ArithmeticError, match="cannot do 7") as info:
        await asyncio.to_thread(failing.result, 120)
    assert isinstance(info.value.__cause__, RemoteError)
    assert "in fails" in info.value.__cause__.remote_traceback
    assert ex.directory.startswith(f"{slurm_cluster.home}/.hpc-jupyter/calls/")
    await asyncio.to_thread(ex.shutdown)
