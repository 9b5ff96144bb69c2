"""hpc.executor on the real Slurm 22.05, 24.11 and 26.05, both kinds: a call, a map as a job
array, an error raised remotely, and a cancelled future whose job is cancelled at Slurm."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.executor import RemoteError
from hpc_jupyter.models import JobState
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


def nap(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def _system_python() -> Path:
    """The host's Python, when its minor version is the kernel's (pickles cross only then)."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip("needs /usr/bin/python3, the Python the test user's jobs run")
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if version != "{}.{}".format(*sys.version_info[:2]):
        pytest.skip(f"the jobs' Python is {version}, the kernel's another")
    return SYSTEM_PYTHON.resolve()


def _copy(source: Path, target: Path) -> None:
    """Copy a file or a tree, readable by the cluster's user (the copy is made once)."""
    if target.exists():
        return
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, partial, ignore=shutil.ignore_patterns("__pycache__", "test"))
    else:
        partial.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, partial)
    for path in [partial, *partial.rglob("*")]:  # readable by all, executable where it was
        path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
    partial.rename(target)


def job_python(cluster: Cluster) -> str:
    """A Python the cluster's user can run, with cloudpickle, and the kernel's minor version.

    22.05's jobs run on the host: its own Python. 24.11's and 26.05's run in a chroot of a
    newer Debian, which has none: the host's interpreter, standard library and the one library
    it needs that the chroot lacks go to the shared scratch, as a site's Python on a shared
    file system (a conda environment, a module) would.
    """
    python = _system_python()
    lib = cluster.home / ".executor-test-lib"
    _copy(Path(cloudpickle.__file__).parent, lib / "cloudpickle")
    if cluster.chroot is None:
        return f"env PYTHONPATH={lib} {SYSTEM_PYTHON}"
    prefix = cluster.home / ".executor-test-python"
    stdlib = Path(f"/usr/lib/{python.name}")
    _copy(python, prefix / "bin" / python.name)
    _copy(stdlib, prefix / "lib" / python.name)
    for needed in ("libexpat.so.1",):
        _copy(Path("/lib/x86_64-linux-gnu", needed).resolve(), prefix / "lib" / needed)
    return (
        f"env PYTHONHOME={prefix} LD_LIBRARY_PATH={prefix / 'lib'} PYTHONPATH={lib}"
        f" {prefix / 'bin' / python.name}"
    )


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    python = job_python(slurm_release)
    return {
        "rest": slurmrestd_facility(slurm_release, python=python),
        "cli": slurm_cli_facility(slurm_release, python=python),
    }


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    with HPCClient() as client:
        yield client


@pytest.mark.parametrize("facility", ["rest", "cli"])
async def test_calls_run_as_slurm_jobs_and_come_back(
    client: HPCClient, facility: str, slurm_release: Cluster
) -> None:
    hpc = await asyncio.to_thread(connect, facility, client=client)
    ex = await asyncio.to_thread(hpc.executor, time_limit="5")
    # The server runs as root here, the jobs as the cluster's user: give them the directory
    await asyncio.to_thread(hpc.chown, ex.directory, slurm_release.user)

    # When a call, a map over 5 inputs and a failing call run as Slurm jobs
    one = await asyncio.to_thread(ex.submit, where)
    mapped = await asyncio.to_thread(lambda: list(ex.map(cube, range(5), chunksize=2)))
    failing = await asyncio.to_thread(ex.submit, fails, 7)

    # Then each came back: the result, in order, and the error with its remote traceback
    assert (await asyncio.to_thread(one.result, 120)).startswith(f"{slurm_release.user} in job ")
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
    assert ex.directory.startswith(f"{slurm_release.home}/.hpc-jupyter/calls/")
    await asyncio.to_thread(ex.shutdown)


@pytest.mark.parametrize("facility", ["rest", "cli"])
async def test_a_cancelled_future_cancels_its_job_at_slurm(
    client: HPCClient, facility: str, slurm_release: Cluster
) -> None:
    hpc = await asyncio.to_thread(connect, facility, client=client)
    ex = await asyncio.to_thread(hpc.executor, time_limit="5")
    await asyncio.to_thread(hpc.chown, ex.directory, slurm_release.user)

    # Given a long call whose job runs at Slurm
    future = await asyncio.to_thread(ex.submit, nap, 600)
    job_id = future.job_id or ""
    deadline = time.monotonic() + 90
    while (await asyncio.to_thread(hpc.job, job_id)).info.state is not JobState.RUNNING:
        assert time.monotonic() < deadline, f"job {job_id} did not start"
        await asyncio.sleep(0.5)

    # When its future is cancelled
    cancelled = await asyncio.to_thread(future.cancel)

    # Then the future is cancelled, and Slurm ends the job as cancelled
    assert cancelled is True
    assert future.cancelled()
    handle = await asyncio.to_thread(hpc.job, job_id)
    assert (await asyncio.to_thread(handle.wait, 90)).state is JobState.CANCELLED
    # and it stays cancelled, as any concurrent.futures future does
    assert future.cancel() is True
    with pytest.raises(concurrent.futures.CancelledError):
        future.result(0)
    await asyncio.to_thread(ex.shutdown)
