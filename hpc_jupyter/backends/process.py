"""Running a short command for a backend: its output, bounded in time, never left behind."""

from __future__ import annotations

import asyncio
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
    a process still running is killed and reaped, so no process or pipe outlives the call.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
    assert process.returncode is not None
    return Finished(process.returncode, out, err)
