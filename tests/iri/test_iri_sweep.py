"""A sweep on a facility without job arrays (IRI, against its double): one job per task."""

from __future__ import annotations

import asyncio
from typing import Any

import hpc_jupyter
from hpc_jupyter.client import HPCClient, set_default_client
from tests.helpers import expect_error
from tests.iri.fake_iri import FakeIRI

JOBS = ("facilities", "alcf", "jobs")


async def test_a_sweep_without_arrays_is_one_job_per_task_with_its_env(
    kernel_env: Any, fake: FakeIRI
) -> None:
    # Given a kernel connected to an IRI facility, which runs no job arrays
    with HPCClient() as client:
        previous = set_default_client(client)
        try:
            hpc = await asyncio.to_thread(hpc_jupyter.connect, "alcf")
        finally:
            set_default_client(previous)
        described = await asyncio.to_thread(hpc.facility)

        # When a grid of three values is swept, with an env of its own
        sweep = await asyncio.to_thread(
            hpc.sweep,
            "#!/bin/bash\necho $SEED\n",
            {"SEED": [1, 2, "three words"]},
            env={"COMMON": "yes"},
            name="seeds",
        )
        tasks = await asyncio.to_thread(sweep.refresh)
        await asyncio.to_thread(sweep.cancel)

    # Then three jobs were submitted, each with its own parameters in its environment
    assert not described.can("jobs.arrays")
    assert sweep.array is None and len(sweep.jobs) == 3
    specs = [fake.jobs[job.id].spec for job in sweep.jobs]
    assert [spec["environment"] for spec in specs] == [
        {"COMMON": "yes", "SEED": "1"},
        {"COMMON": "yes", "SEED": "2"},
        {"COMMON": "yes", "SEED": "three words"},
    ]
    assert [spec["arguments"][1] for spec in specs] == ["#!/bin/bash\necho $SEED\n"] * 3
    assert [task.job_id for task in tasks] == [job.id for job in sweep.jobs]
    assert {task.state.value for task in sweep.tasks} == {"CANCELLED"}


async def test_an_array_is_refused_as_not_supported(api: Any, fake: FakeIRI) -> None:
    body = {"script": "#!/bin/bash\necho hi\n", "array": "0-3"}
    error = await expect_error(api(*JOBS, method="POST", body=body), 400)
    assert error["reason"] == "not_supported"
    assert "hpc.sweep" in error["message"]
    assert fake.jobs == {}
