"""The local facility's job follower, step by step, on real job processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.backends.local.store import JobRecord
from hpc_jupyter.models import JobRequest, JobState


class _EndsBetweenTheLooks(LocalJobs):
    """The job's wrapper writes its exit status and exits between the follower's two looks.

    The job really ran and ended; its exit file is hidden for the first look only and back
    in place when the follower finds the process gone, as when the wrapper finishes there.
    """

    hidden: Path | None = None

    def _alive(self, record: JobRecord) -> bool:
        if self.hidden is not None:
            self.hidden.rename(self._job_dir(record.id) / "exit_code")
            self.hidden = None
        return super()._alive(record)


def test_a_job_ending_between_the_two_looks_is_completed_not_failed(tmp_path: Path) -> None:
    async def scenario() -> None:
        jobs = _EndsBetweenTheLooks("local", "localhost", RootedPaths(tmp_path), tmp_path, 1)
        try:
            job = await jobs.submit("localhost", JobRequest(script="#!/bin/bash\ntrue\n"))
            jobs._advance()  # starts it
            record = jobs._record(int(job.id))
            exit_file = jobs._job_dir(record.id) / "exit_code"
            deadline = time.monotonic() + 30
            while not exit_file.exists() or jobs._alive(record):
                assert time.monotonic() < deadline, "the job did not end"
                await asyncio.sleep(0.05)
            jobs.hidden = exit_file.rename(exit_file.with_name("exit_code.hidden"))

            jobs._advance()

            ended = await jobs.get_job("localhost", job.id)
            assert (ended.state, ended.exit_code) == (JobState.COMPLETED, 0), ended
        finally:
            await jobs.close()

    asyncio.run(scenario())
