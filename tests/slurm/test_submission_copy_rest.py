"""A job submitted with sbatch, not through the server: its submission is the script in
slurmrestd's accounting (`AccountingStoreFlags=job_script`, `/slurmdb/.../jobs/?show_batch_script`)
on real Slurm 24.11 (22.05's v0.0.38 accounting gives no script)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.slurm.test_submission_copy import (
    API,
    elsewhere_has_slurms_copy,
    through_the_server_has_its_record,
)
from tests.slurm_fixtures import Cluster, slurmrestd_facility

JOBS = ("facilities", "rest", "jobs")


@pytest.fixture
def hpc_facilities(slurm_2411: Cluster) -> dict[str, Any]:
    return {"rest": slurmrestd_facility(slurm_2411)}


async def test_a_job_submitted_elsewhere_has_the_script_from_accounting(
    api: API, slurm_2411: Cluster
) -> None:
    await elsewhere_has_slurms_copy(api, slurm_2411, JOBS)


async def test_a_job_submitted_through_the_server_has_its_record(api: API) -> None:
    await through_the_server_has_its_record(api, JOBS)
