"""Commands run for backends never outlive the call: not after a timeout, not after a cancel."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from hpc_jupyter.backends.process import run_process


def _alive(pid: int) -> bool:
    """Whether `pid` still runs, a second after it was killed (an exit takes a moment)."""
    deadline = time.monotonic() + 1.0
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.01)


def test_output_and_exit_code_come_back() -> None:
    done = asyncio.run(run_process(["sh", "-c", "cat; echo oops >&2; exit 3"], b"in", 10))
    assert (done.returncode, done.stdout, done.stderr) == (3, b"in", b"oops\n")


@pytest.mark.parametrize("how", ["timeout", "cancel"])
def test_the_process_is_killed_when_the_wait_ends_early(tmp_path: Path, how: str) -> None:
    pid_file = tmp_path / "pid"

    async def scenario() -> None:
        call = asyncio.ensure_future(
            run_process(
                ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"],
                None,
                0.5 if how == "timeout" else 30,
            )
        )
        while not pid_file.exists() or not pid_file.read_text().strip():
            await asyncio.sleep(0.05)
        if how == "cancel":
            call.cancel()
        with pytest.raises(asyncio.TimeoutError if how == "timeout" else asyncio.CancelledError):
            await call

    asyncio.run(scenario())
    assert not _alive(int(pid_file.read_text()))


def test_a_child_holding_the_output_is_killed_with_the_command(tmp_path: Path) -> None:
    """Like `runuser -u alice -- sacct`: the command's child writes to the pipes we read."""
    pid_file = tmp_path / "pid"

    async def scenario() -> None:
        call = asyncio.ensure_future(
            run_process(["sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"], None, 30)
        )
        while not pid_file.exists() or not pid_file.read_text().strip():
            await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, 10)  # without the group kill, this waits 30 s

    asyncio.run(scenario())
    assert not _alive(int(pid_file.read_text()))


def _open_pipes() -> set[str]:
    """The pipes this process holds open, by inode."""
    pipes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = fd.readlink()
        except FileNotFoundError:  # the fd of the listing itself, closed by now
            continue
        if str(target).startswith("pipe:"):
            pipes.add(f"{fd.name}={target}")
    return pipes


@pytest.mark.parametrize("how", ["timeout", "cancel"])
def test_no_pipe_is_left_open_when_the_wait_ends_early(tmp_path: Path, how: str) -> None:
    """An unread pipe left to the garbage collector is a ResourceWarning in whatever runs next."""
    pid_file = tmp_path / "pid"

    async def scenario() -> set[str]:
        before = _open_pipes()
        call = asyncio.ensure_future(
            run_process(
                ["sh", "-c", f"echo $$ > {pid_file}; echo partial; exec sleep 30"],
                b"unread input",
                0.5 if how == "timeout" else 30,
            )
        )
        while not pid_file.exists() or not pid_file.read_text().strip():
            await asyncio.sleep(0.05)
        if how == "cancel":
            call.cancel()
        with pytest.raises(asyncio.TimeoutError if how == "timeout" else asyncio.CancelledError):
            await call
        return _open_pipes() - before

    assert asyncio.run(scenario()) == set()


def test_a_child_left_running_by_a_command_that_exited_is_killed_and_its_pipes_closed(
    tmp_path: Path,
) -> None:
    """A prefix that exits while its child runs on: the wait ends, the child must not stay."""
    pid_file = tmp_path / "pid"

    async def scenario() -> set[str]:
        before = _open_pipes()
        call = asyncio.ensure_future(
            run_process(["sh", "-c", f"sleep 30 & echo $! > {pid_file}; exit 0"], None, 30)
        )
        while not pid_file.exists() or not pid_file.read_text().strip():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the shell has exited; its child holds the output pipes
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, 10)
        return _open_pipes() - before

    assert asyncio.run(scenario()) == set()
    assert not _alive(int(pid_file.read_text()))
