"""The executor's probe: a facility whose Python cannot run the calls is one clear error."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.errors import HPCError
from hpc_jupyter.models import Via

MINE = "{}.{}".format(*sys.version_info[:2])


def double(x: int) -> int:
    return 2 * x


def fake_python(folder: Path, name: str, prints: str) -> str:
    """An executable that, whatever it is asked, prints `prints` as a Python would."""
    path = folder / name
    path.write_text(f"#!/bin/sh\nprintf '{prints}'\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def hpc_facilities(tmp_path: Path) -> dict[str, Any]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    return {
        "local": {"kind": "local"},
        "old": {"kind": "local", "python": fake_python(bin_dir, "py39", "python 3.9\\n")},
        "bare": {"kind": "local", "python": fake_python(bin_dir, "bare", f"python {MINE}\\n")},
        "none": {"kind": "local", "python": str(bin_dir / "no-such-python")},
        "same": {"kind": "local", "python": sys.executable},
        "slow": {"kind": "local", "python": slow_python(bin_dir)},
    }


def slow_python(folder: Path) -> str:
    """A Python that takes a minute to say anything."""
    path = folder / "slow"
    path.write_text("#!/bin/sh\nsleep 60\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    with HPCClient() as client:
        yield client


async def test_facilities_tell_their_python(client: HPCClient, tmp_path: Path) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    facilities = {f.name: f for f in await asyncio.to_thread(hpc.facilities)}
    assert facilities["local"].python is None
    assert facilities["same"].python == sys.executable
    assert facilities["old"].python == str(tmp_path / "bin" / "py39")


@pytest.mark.parametrize(
    ("facility", "message"),
    [
        ("old", rf"old runs Python 3\.9 at .*py39, the kernel {MINE}: set the facility's "),
        ("bare", rf"bare's Python {MINE} at .*bare has no cloudpickle: install it"),
        ("none", r"none cannot run Python at .*no-such-python \(.*\): set the facility's "),
    ],
)
async def test_a_python_that_cannot_run_the_calls_is_one_clear_error(
    client: HPCClient, facility: str, message: str
) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor, facility)

    # When the first call goes out, then another
    with pytest.raises(HPCError, match=message):
        await asyncio.to_thread(ex.submit, double, 1)
    with pytest.raises(HPCError, match=message):
        await asyncio.to_thread(ex.submit, double, 2)

    # Then no call ran: the probe was the only job, asked once for the kernel's life
    again = await asyncio.to_thread(hpc.executor, facility)
    with pytest.raises(HPCError, match=message):
        await asyncio.to_thread(again.submit, double, 3)
    await asyncio.to_thread(hpc.use, facility)
    jobs = await asyncio.to_thread(hpc.jobs)
    assert [job.name for job in jobs] == ["hpc-executor-probe"]


async def test_a_matching_python_is_probed_once_then_runs_the_calls(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, "same", client=client)
    first = await asyncio.to_thread(hpc.executor)
    second = await asyncio.to_thread(hpc.executor)

    a = await asyncio.to_thread(first.submit, double, 4)
    b = await asyncio.to_thread(second.submit, double, 5)

    assert await asyncio.to_thread(a.result, 60) == 8
    assert await asyncio.to_thread(b.result, 60) == 10
    jobs = sorted(await asyncio.to_thread(hpc.jobs), key=lambda job: job.name)
    assert [job.name for job in jobs] == ["double", "double", "hpc-executor-probe"]
    # and the probe, like the calls, says an executor submitted it
    assert all(job.origin is not None and job.origin.via is Via.EXECUTOR for job in jobs)


async def test_a_probe_cancelled_before_it_could_tell_is_asked_again(client: HPCClient) -> None:
    from hpc_jupyter.models import JobState

    # Given a facility whose Python takes long to answer
    hpc = await asyncio.to_thread(connect, "slow", client=client)
    ex = await asyncio.to_thread(hpc.executor)

    async def probes() -> list[Any]:
        return [j for j in await asyncio.to_thread(hpc.jobs) if j.name == "hpc-executor-probe"]

    async def cancel_the_probe_while_it_runs(count: int) -> None:
        for _ in range(300):
            running = [j for j in await probes() if j.state is JobState.RUNNING]
            if len(await probes()) == count and running:
                await asyncio.to_thread(hpc.cancel, running[0].id)
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the probe never ran")

    # When its probe is cancelled before the Python said anything (as a lost node ends it)
    first = asyncio.create_task(asyncio.to_thread(ex.submit, double, 1))
    await cancel_the_probe_while_it_runs(1)
    with pytest.raises(HPCError, match="slow cannot run Python"):
        await first

    # Then the next call probes again, rather than repeating a verdict for the kernel's life
    second = asyncio.create_task(asyncio.to_thread(ex.submit, double, 2))
    await cancel_the_probe_while_it_runs(2)
    with pytest.raises(HPCError, match="slow cannot run Python"):
        await second
    assert len(await probes()) == 2


async def test_a_call_interrupted_while_its_probe_waits_leaves_no_probe_queued(
    client: HPCClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hpc_jupyter.api import JobHandle
    from hpc_jupyter.models import JobState

    # Given a facility whose Python takes a minute to answer the probe
    hpc = await asyncio.to_thread(connect, "slow", client=client)
    ex = await asyncio.to_thread(hpc.executor)
    wait = JobHandle.wait

    def stopped_by_the_user(self: JobHandle, *args: Any, **kwargs: Any) -> Any:
        for _ in range(300):
            if self.refresh().state is JobState.RUNNING:
                raise KeyboardInterrupt  # the user stops the cell while the probe runs
            time.sleep(0.1)
        return wait(self, *args, **kwargs)

    monkeypatch.setattr(JobHandle, "wait", stopped_by_the_user)

    # When the first call is interrupted while the probe waits
    with pytest.raises(KeyboardInterrupt):
        await asyncio.to_thread(ex.submit, double, 1)

    # Then the probe was cancelled, not left to run on unseen, and no call went out
    jobs = await asyncio.to_thread(hpc.jobs)
    assert [(job.name, job.state) for job in jobs] == [("hpc-executor-probe", JobState.CANCELLED)]


async def test_a_slow_probe_at_one_facility_holds_back_no_other_facility(
    client: HPCClient,
) -> None:
    from hpc_jupyter.models import JobState

    # Given a probe running at a facility whose Python takes long to answer
    slow = await asyncio.to_thread(connect, "slow", client=client)
    waiting = asyncio.create_task(asyncio.to_thread(lambda: slow.executor().submit(double, 1)))
    probe = None
    for _ in range(300):
        probe = next(
            (j for j in await asyncio.to_thread(slow.jobs) if j.name.endswith("probe")), None
        )
        if probe is not None and probe.state is JobState.RUNNING:
            break
        await asyncio.sleep(0.1)
    assert probe is not None

    # When a call goes to another facility meanwhile
    same = await asyncio.to_thread(connect, "same", client=client)
    future = await asyncio.to_thread(lambda: same.executor().submit(double, 21))

    # Then it is probed and runs, while the first probe still runs
    assert await asyncio.to_thread(future.result, 60) == 42
    assert (await asyncio.to_thread(slow.job, probe.id)).info.state is JobState.RUNNING
    await asyncio.to_thread(slow.cancel, probe.id)
    with pytest.raises(HPCError, match="slow cannot run Python"):
        await waiting
