"""hpc.executor on an IRI facility (its double), which runs no job arrays: a map is batched.

The double keeps jobs but runs nothing; here the test plays the facility's nodes: each job
the executor submits runs as the IRI job spec says (executable, arguments, directory,
environment) in the double's storage, then ends with its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import cloudpickle
import pytest

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient
from tests.compute_nodes import compute as nodes
from tests.iri.fake_iri import FakeIRI

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # as a notebook's functions go


def halve(x: int) -> float:
    return x / 2


@pytest.fixture
def hpc_facilities(iri_options: dict[str, Any]) -> dict[str, Any]:
    return {"alcf": {**iri_options, "python": sys.executable, "poll_interval": 0.5}}


def compute(fake: FakeIRI) -> contextlib.AbstractAsyncContextManager[list[str]]:
    """Run each job the double is given, as its IRI job spec says; the ids run."""

    async def run(job: Any) -> None:
        spec = job.spec
        process = await asyncio.create_subprocess_exec(
            spec["executable"],
            *spec["arguments"],
            cwd=fake.local(spec["directory"]),
            env={**os.environ, **(spec.get("environment") or {})},
        )
        fake.finish_job(job.id, await process.wait())

    return nodes(lambda: fake.jobs.values(), lambda job: job.state == "queued", run)


@pytest.fixture
def client(kernel_env: Any) -> Iterator[HPCClient]:
    with HPCClient() as client:
        yield client


async def test_a_map_without_arrays_is_batched_jobs(client: HPCClient, fake: FakeIRI) -> None:
    async with compute(fake) as ran:
        hpc = await asyncio.to_thread(connect, "alcf", client=client)
        ex = await asyncio.to_thread(hpc.executor)

        # When a function is mapped over 5 inputs, two per job
        results = await asyncio.to_thread(lambda: list(ex.map(halve, range(5), chunksize=2)))

        # Then the results came back in order from three jobs (and the probe before them)
        assert results == [0.0, 0.5, 1.0, 1.5, 2.0]
        assert not (await asyncio.to_thread(hpc.facility)).can("jobs.arrays")
        assert len(ran) == 1 + 3
        await asyncio.to_thread(ex.shutdown)
