"""Accounting is asked for finished jobs once in a while, and at once when slurmctld forgets one.

`SlurmJobs.list_jobs` merges slurmctld's jobs with accounting's finished ones; here a cluster
kept in memory stands in for both, counting the accounting queries. The real Slurm tests
(test_slurmrestd.py) show a forgotten job listed from accounting on both kinds.
"""

from __future__ import annotations

import asyncio

from hpc_jupyter.backends.slurm.jobs_base import SlurmJobs
from hpc_jupyter.errors import NotFound
from hpc_jupyter.models import Job, JobRequest, JobState

SYSTEM = "cluster"


def _job(job_id: str, state: JobState) -> Job:
    return Job(
        id=job_id,
        name="batch",
        state=state,
        raw_state=state.value,
        facility="slurm",
        system=SYSTEM,
        user="alice",
        submit_time=float(job_id),
    )


class _Cluster(SlurmJobs):
    """slurmctld's jobs and accounting's finished ones, as lists a test moves jobs between."""

    def __init__(self) -> None:
        super().__init__("slurm", "alice", None)
        self.controller: list[Job] = []
        self.accounting: list[Job] = []
        self.accounting_queries = 0

    async def current_jobs(self, system: str) -> list[Job]:
        return list(self.controller)

    async def current_job(self, system: str, job_id: str) -> Job | None:
        return next((job for job in self.controller if job.id == job_id), None)

    async def finished_jobs(self, system: str) -> list[Job]:
        self.accounting_queries += 1
        return list(self.accounting)

    async def finished_job(self, system: str, job_id: str) -> Job:
        for job in self.accounting:
            if job.id == job_id:
                return job
        raise NotFound(job_id)

    async def kill(self, job_id: str) -> None:
        raise NotImplementedError

    async def submit(self, system: str, request: JobRequest) -> Job:
        raise NotImplementedError


def _listed(jobs: list[Job]) -> dict[str, str]:
    return {job.id: job.state.value for job in jobs}


def test_accounting_is_reused_between_polls_and_asked_when_a_job_is_forgotten() -> None:
    async def scenario() -> None:
        cluster = _Cluster()
        cluster.accounting = [_job("1", JobState.COMPLETED)]
        cluster.controller = [_job("2", JobState.RUNNING)]

        # The first listing asks accounting; polls right after reuse its answer
        assert _listed(await cluster.list_jobs(SYSTEM)) == {"1": "COMPLETED", "2": "RUNNING"}
        cluster.controller = [_job("2", JobState.COMPLETED)]  # ended, still in slurmctld
        cluster.accounting.append(_job("2", JobState.COMPLETED))
        for _ in range(5):
            assert _listed(await cluster.list_jobs(SYSTEM)) == {
                "1": "COMPLETED",
                "2": "COMPLETED",
            }
        assert cluster.accounting_queries == 1

        # When slurmctld forgets job 2, accounting is asked at once: the job never vanishes
        cluster.controller = []
        assert _listed(await cluster.list_jobs(SYSTEM)) == {"1": "COMPLETED", "2": "COMPLETED"}
        assert cluster.accounting_queries == 2

        # and after `history_max_age` it is asked again anyway
        cluster.history_max_age = 0.05
        await asyncio.sleep(0.1)
        await cluster.list_jobs(SYSTEM)
        assert cluster.accounting_queries == 3

    asyncio.run(scenario())
