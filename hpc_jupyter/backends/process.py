"""Running a short command for a backend: its output, bounded in time, never left behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Finished:
    """A command that ran to its end."""

    returncode: int
    stdout: bytes
    stderr: bytes


async def run_process(argv: Sequence[str], stdin: bytes | None, timeout: float) -> Finished:
    """Run `argv` with `stdin` (None: nothing), reading its output.

    Raises `OSError` when it cannot start and `asyncio.TimeoutError` after `timeout` seconds.
    However the wait ends (a timeout, or the caller being cancelled, e.g. at server shutdown),
    a command still running is killed and reaped, so no process or pipe outlives the call.
    The command runs in its own process group and the whole group is killed: a prefix such as
    `runuser -u alice --` or `ssh login01` has a child that holds the output pipes, and
    killing the prefix alone would leave that child (and the wait for the pipes) behind.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    finished = False
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
        finished = True
    finally:
        if not finished:
            await asyncio.shield(_end(process))
    assert process.returncode is not None
    return Finished(process.returncode, out, err)


async def _end(process: asyncio.subprocess.Process) -> None:
    """Kill what the command started and close its pipes, even when the command itself exited.

    A command that exited can leave a child holding its output (the prefix exits, its child
    runs on): the group is killed whether or not the command is still running. Reading the
    pipes to their end then closes them; a pipe left open warns in whatever runs next.
    """
    _kill_group(process.pid)
    if process.stdin is not None:
        process.stdin.close()
    with contextlib.suppress(asyncio.TimeoutError):  # a child that left the group holds them
        await asyncio.wait_for(process.communicate(), _END_WITHIN)


_END_WITHIN = 5.0  # seconds for a killed command's pipes to reach their end


def _kill_group(pid: int) -> None:
    """Kill the process group led by `pid` (the command and everything it started)."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(pid, signal.SIGKILL)
