"""The job monitor's "This notebook" filter, against the real server."""

from __future__ import annotations

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.widgets import JobMonitor
from tests.helpers import run

SCRIPT = "#!/bin/bash\necho hi\n"


async def test_this_notebook_keeps_the_jobs_submitted_from_it(
    hpc: HPC, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a job submitted from another notebook, then two from this one
    monkeypatch.setenv("JPY_SESSION_NAME", "elsewhere.ipynb")
    other = await run(hpc.submit, SCRIPT, name="other")
    monkeypatch.setenv("JPY_SESSION_NAME", "lab/mine.ipynb")
    mine = [await run(hpc.submit, SCRIPT, name=f"mine-{i}") for i in range(2)]
    monitor = await run(JobMonitor, hpc=hpc, live=False)

    # When "This notebook" is ticked
    everything = {job.id for job in monitor.shown}
    monitor.this_notebook.value = True
    kept = {job.id for job in monitor.shown}

    # Then only this notebook's jobs are left, and ticked off every job is back
    assert not monitor.this_notebook.disabled
    assert {other.id, *(job.id for job in mine)} <= everything
    assert kept == {job.id for job in mine}
    monitor.this_notebook.value = False
    assert {job.id for job in monitor.shown} == everything
    monitor.close()


async def test_outside_a_notebook_the_filter_is_off(
    hpc: HPC, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monitor = await run(JobMonitor, hpc=hpc, live=False)

    assert monitor.this_notebook.disabled
    monitor.close()
