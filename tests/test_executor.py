"""hpc.executor on the local facility: calls as jobs, their results, remote errors, cancel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.client import HPCClient
from hpc_jupyter.executor import HPCExecutor, RemoteError
from hpc_jupyter.models import Capability, JobState, Via


def square(x: int) -> int:
    return x * x


def fails(x: int) -> int:
    if x == 3:
        raise ValueError(f"no good: {x}")
    return x


def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


class Unpicklable(Exception):
    """An exception whose arguments do not survive pickling back."""

    def __init__(self, a: int, b: int) -> None:
        super().__init__(f"{a} and {b}")

    def __reduce__(self) -> Any:
        raise TypeError("not picklable")


def raises_unpicklable() -> None:
    raise Unpicklable(1, 2)


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    """A kernel's client, finding the server by itself."""
    with HPCClient() as client:
        yield client


async def test_submit_returns_the_result_and_a_closure_runs(
    client: HPCClient, jp_root_dir: Path
) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    # Given an executor on the local facility
    ex = await asyncio.to_thread(hpc.executor, name="calc")
    offset = 7

    # When a function, a lambda and a closure run as jobs
    futures = [
        await asyncio.to_thread(ex.submit, square, 12),
        await asyncio.to_thread(ex.submit, lambda s: s.upper(), "hi"),
        await asyncio.to_thread(ex.submit, lambda: offset + 1),
    ]
    results = [await asyncio.to_thread(f.result, 60) for f in futures]
    await asyncio.to_thread(ex.shutdown)

    # Then each result came back, from a job run in the executor's call directory
    assert results == [144, "HI", 8]
    call_dir = jp_root_dir / ex.directory
    assert sorted(p.name for p in call_dir.glob("[0-9].out")) == ["0.out", "1.out", "2.out"]
    job = await asyncio.to_thread(hpc.job, futures[0].job_id or "")
    assert job.info.name == "calc"
    assert job.info.state is JobState.COMPLETED
    # and the job's origin says an executor made it
    assert job.info.origin is not None and job.info.origin.via is Via.EXECUTOR


async def test_a_remote_exception_raises_with_its_traceback(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # When a call raises at the facility
    future = await asyncio.to_thread(ex.submit, fails, 3)
    odd = await asyncio.to_thread(ex.submit, raises_unpicklable)

    # Then the future raises the original exception, caused by the remote traceback
    with pytest.raises(ValueError, match="no good: 3") as info:
        await asyncio.to_thread(future.result, 60)
    remote = info.value.__cause__
    assert isinstance(remote, RemoteError)
    assert remote.remote_type == "builtins.ValueError"
    assert "in fails" in remote.remote_traceback
    assert 'raise ValueError(f"no good: {x}")' in remote.remote_traceback
    # and one that cannot come back is a RemoteError saying what it was
    with pytest.raises(RemoteError, match="Unpicklable: 1 and 2") as odd_info:
        await asyncio.to_thread(odd.result, 60)
    assert "in raises_unpicklable" in odd_info.value.remote_traceback
    await asyncio.to_thread(ex.shutdown)


@pytest.mark.parametrize("arrays", [True, False], ids=["array", "batched"])
async def test_map_gives_results_in_input_order_and_raises_at_the_failed_call(
    client: HPCClient, arrays: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the local facility, with job arrays or (as a facility without them) not
    if not arrays:
        kept = LocalJobs.capabilities - {Capability.JOBS_ARRAYS}
        monkeypatch.setattr(LocalJobs, "capabilities", kept)
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # When a function is mapped over 5 inputs, two calls per job (or array task)
    results = await asyncio.to_thread(lambda: list(ex.map(square, range(5), chunksize=2)))
    mixed = await asyncio.to_thread(ex.map, fails, [1, 2, 3, 4])
    seen: list[int] = []

    def consume() -> None:
        for value in mixed:
            seen.append(value)

    # Then the results are in input order, and a failed call raises at its place
    assert results == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="no good: 3"):
        await asyncio.to_thread(consume)
    assert seen == [1, 2]
    # and three jobs (or three tasks of one array) ran the five calls, in twos
    ids = sorted(job.id for job in await asyncio.to_thread(hpc.jobs) if job.name == "square")
    assert len(ids) == 3
    if arrays:
        array = ids[0].split("_")[0]
        assert ids == [f"{array}_0", f"{array}_1", f"{array}_2"]
    else:
        assert not any("_" in job_id for job_id in ids)
    await asyncio.to_thread(ex.shutdown)


async def test_cancel_cancels_the_job(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # Given a long call whose job is running
    future = await asyncio.to_thread(ex.submit, nap, 120)
    job_id = future.job_id or ""
    for _ in range(100):
        job = await asyncio.to_thread(hpc.job, job_id)
        if job.info.state is JobState.RUNNING:
            break
        await asyncio.sleep(0.2)

    # When its future is cancelled
    cancelled = await asyncio.to_thread(future.cancel)

    # Then the future is cancelled, and so is the job at the facility
    assert cancelled is True
    assert future.cancelled()
    assert future.cancel() is True  # a second cancel, as concurrent.futures answers it
    job = await asyncio.to_thread(hpc.job, job_id)
    final = await asyncio.to_thread(job.wait, 30)
    assert final.state is JobState.CANCELLED
    # and a finished call cannot be cancelled
    done = await asyncio.to_thread(ex.submit, square, 2)
    assert await asyncio.to_thread(done.result, 60) == 4
    assert done.cancel() is False
    await asyncio.to_thread(ex.shutdown)


async def test_closing_a_map_cancels_its_array_tasks(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # Given a map of two long calls, one array task each, running
    results = await asyncio.to_thread(ex.map, nap, [120, 120])
    tasks = [future.job_id or "" for future in results.futures]
    array = tasks[0].split("_")[0]
    assert tasks == [f"{array}_0", f"{array}_1"]
    for _ in range(100):
        states = [(await asyncio.to_thread(hpc.job, task)).info.state for task in tasks]
        if states == [JobState.RUNNING, JobState.RUNNING]:
            break
        await asyncio.sleep(0.2)

    # When the results are given up before any came
    await asyncio.to_thread(results.close)

    # Then both calls are cancelled, and so are both tasks at the facility
    assert all(future.cancelled() for future in results.futures)
    for task in tasks:
        handle = await asyncio.to_thread(hpc.job, task)
        assert (await asyncio.to_thread(handle.wait, 30)).state is JobState.CANCELLED
    await asyncio.to_thread(ex.shutdown)


async def test_shutdown_refuses_new_calls_and_cancels_on_request(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)
    future = await asyncio.to_thread(ex.submit, nap, 120)

    await asyncio.to_thread(ex.shutdown, True, cancel_futures=True)

    assert future.cancelled()
    with pytest.raises(RuntimeError, match="after shutdown"):
        ex.submit(square, 1)


async def test_unknown_and_reserved_options_are_refused(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    with pytest.raises(TypeError, match="workdir"):
        await asyncio.to_thread(HPCExecutor, hpc, None, workdir="/tmp")
    with pytest.raises(TypeError, match="colour"):
        await asyncio.to_thread(hpc.executor, colour="blue")


CELLS = [
    "import time\nimport hpc_jupyter\nhpc = hpc_jupyter.connect()\nex = hpc.executor()",
    "def simulate(x):\n    return {'x': x, 'y': x ** 2}\n\n"
    "print('map:', [r['y'] for r in ex.map(simulate, range(5))])",
    "def boom():\n    raise KeyError('remote boom')\n\ntry:\n    ex.submit(boom).result(60)\n"
    "except KeyError as err:\n    print('caught', repr(err))\n    print(err.__cause__)",
    "slow = ex.submit(time.sleep, 120)\nwhile hpc.job(slow.job_id).info.state.value != 'RUNNING':\n"
    "    time.sleep(0.2)\nprint('cancelled:', slow.cancel(), slow.cancelled())\n"
    "print('job:', hpc.job(slow.job_id).wait(30).state.value)\nex.shutdown()",
]


@pytest.mark.kernel
async def test_an_executor_in_a_kernel_started_by_the_server(
    hpc_server: Any, jp_fetch: Any
) -> None:
    import nbformat

    from tests.notebook_runner import output_text, run_in_server_kernel

    # Given a notebook that maps, raises remotely and cancels, run as JupyterLab runs it
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "executor.ipynb")

    # Then its functions ran as jobs and came back, in order
    out = [output_text(cell) for cell in notebook.cells]
    assert "map: [0, 1, 4, 9, 16]" in out[1]
    assert "caught KeyError('remote boom')" in out[2]
    assert "Remote traceback:" in out[2]
    assert "in boom" in out[2]
    assert "cancelled: True True" in out[3]
    assert "job: CANCELLED" in out[3]


def waits_then(x: int) -> int:
    import time

    time.sleep(0.5 if x == 0 else 60)
    if x == 0:
        raise ValueError("first call fails")
    return x


async def test_the_calls_are_watched_job_by_job_until_each_has_ended(client: HPCClient) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # Given a map of three calls (one array), one failing soon and two running on
    results = await asyncio.to_thread(ex.map, waits_then, [0, 1, 2])
    watch = await asyncio.to_thread(ex.watch, 0.2)
    array = (results.futures[0].job_id or "").split("_")[0]

    # Then the table shows each call's job, running, then how each ended
    deadline = time.monotonic() + 60
    while "raised ValueError" not in watch.table.value or "RUNNING" not in watch.table.value:
        assert time.monotonic() < deadline, watch.table.value
        await asyncio.sleep(0.2)
    for task in range(3):
        assert f"<td>{array}_{task}</td>" in watch.table.value
    assert watch.heading.value.startswith("<b>3 calls: 2 RUNNING, 1 raised</b>"), watch.heading
    assert watch.live
    assert "3 calls: 2 RUNNING, 1 raised" in results._repr_html_()

    # When the rest are given up, the table says so and stops redrawing
    await asyncio.to_thread(results.close)
    while watch.live:
        assert time.monotonic() < deadline, watch.table.value
        await asyncio.sleep(0.2)
    assert watch.heading.value == "<b>3 calls: 2 cancelled, 1 raised</b> — all ended"
    assert [row.count("cancelled") for row in watch.table.value.split("<tr>")[2:]] == [0, 1, 1]
    watch.close()
    await asyncio.to_thread(ex.shutdown)


async def test_a_call_cancelled_while_its_result_downloads_leaves_the_others_alone(
    client: HPCClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)
    # Given a map of four calls, two per job (or array task)
    results = await asyncio.to_thread(ex.map, square, [1, 2, 3, 4], chunksize=2)
    first = results.futures[0]
    download = ex._hpc.download

    def cancel_first_meanwhile(remote: str, local: Any, *args: Any, **kwargs: Any) -> Any:
        # The user cancels call 0 while the follower is fetching its result (its job still
        # runs call 1 too, so the cancel is taken at once)
        if remote.endswith("/0.out"):
            assert first.cancel() is True
        return download(remote, local, *args, **kwargs)

    monkeypatch.setattr(ex._hpc, "download", cancel_first_meanwhile)

    # When the jobs end: then call 0 is cancelled, and every other call has its result
    rest = [await asyncio.to_thread(f.result, 60) for f in results.futures[1:]]
    assert first.cancelled()
    assert rest == [4, 9, 16]
    await asyncio.to_thread(ex.shutdown)


def test_map_results_keep_their_place_when_waiting_times_out() -> None:
    from concurrent.futures import Future

    from hpc_jupyter.executor import MapResults

    # Given the results of two calls not yet done, read with a timeout that has passed
    futures: list[Future[int]] = [Future(), Future()]
    results = MapResults(futures, timeout=0)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        next(results)

    # When the calls then end
    futures[0].set_result(10)
    futures[1].set_result(20)

    # Then the next read is the first call's result, not lost to the timeout
    assert next(results) == 10
    assert next(results) == 20


async def test_a_batched_map_that_fails_while_submitting_cancels_the_jobs_it_submitted(
    client: HPCClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hpc_jupyter.errors import Unavailable

    # Given a facility without job arrays: a map is one job per chunk
    kept = LocalJobs.capabilities - {Capability.JOBS_ARRAYS}
    monkeypatch.setattr(LocalJobs, "capabilities", kept)
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)
    submitted: list[str] = []
    submit = ex._hpc.submit

    def refused_at_the_third(script: str, **options: Any) -> Any:
        if len(submitted) == 2:
            raise Unavailable("The facility stopped taking jobs.")
        handle = submit(script, **options)
        submitted.append(handle.id)
        return handle

    monkeypatch.setattr(ex._hpc, "submit", refused_at_the_third)

    # When the third of four jobs cannot be submitted
    with pytest.raises(Unavailable):
        await asyncio.to_thread(ex.map, nap, [60, 60, 60, 60])

    # Then the map raised, and the two jobs it had submitted are cancelled, not left running
    states = [(await asyncio.to_thread(hpc.job, job_id)).info.state for job_id in submitted]
    assert states == [JobState.CANCELLED, JobState.CANCELLED]
    await asyncio.to_thread(ex.shutdown)


def moves_away(x: int) -> int:
    import os
    import tempfile

    os.chdir(tempfile.gettempdir())  # as a simulation entering its run directory
    return x + 1


async def test_a_call_that_changes_directory_still_returns_and_so_do_the_next(
    client: HPCClient,
) -> None:
    hpc = await asyncio.to_thread(connect, client=client)
    ex = await asyncio.to_thread(hpc.executor)

    # When two calls run in one job, each leaving the call directory
    results = await asyncio.to_thread(lambda: list(ex.map(moves_away, [1, 2], chunksize=2)))

    # Then both results came back
    assert results == [2, 3]
    await asyncio.to_thread(ex.shutdown)


class CountingTransport(httpx.HTTPTransport):
    """The kernel's own transport, counting the requests it sends by method."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.method)
        return super().handle_request(request)


async def test_giving_up_a_whole_map_cancels_its_array_in_one_request(kernel_env: Any) -> None:
    transport = CountingTransport()
    with HPCClient(transport=transport) as client:
        hpc = await asyncio.to_thread(connect, client=client)
        ex = await asyncio.to_thread(hpc.executor)
        # Given a map of four long calls, one array task each
        results = await asyncio.to_thread(ex.map, nap, [120] * 4)
        tasks = [future.job_id or "" for future in results.futures]
        transport.sent.clear()

        # When the results are given up before any came
        await asyncio.to_thread(results.close)

        # Then the array is cancelled in one request, not one (and a look) per task
        assert transport.sent.count("DELETE") == 1, transport.sent
        assert all(future.cancelled() for future in results.futures)
        for task in tasks:
            handle = await asyncio.to_thread(hpc.job, task)
            assert (await asyncio.to_thread(handle.wait, 30)).state is JobState.CANCELLED
        await asyncio.to_thread(ex.shutdown)
