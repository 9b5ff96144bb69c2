"""Job ids Slurm never gives, through the API, for both Slurm kinds: a 404, never a 502."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.helpers import expect_error
from tests.slurm_fixtures import Cluster, slurm_cli_facility, slurmrestd_facility

API = Callable[..., Awaitable[Any]]


@pytest.fixture
def hpc_facilities(slurm_release: Cluster) -> dict[str, Any]:
    return {
        "slurm": slurmrestd_facility(slurm_release),
        "cli": slurm_cli_facility(slurm_release),
    }


@pytest.mark.parametrize("facility", ["slurm", "cli"])
@pytest.mark.parametrize("job_id", ["0", "00", "0_0", "0_1", "4294967295", "9999999999_1"])
async def test_a_job_id_slurm_never_gives_is_404(api: API, facility: str, job_id: str) -> None:
    jobs = ("facilities", facility, "jobs")
    calls = {
        "get": api(*jobs, job_id),
        "cancel": api(*jobs, job_id, method="DELETE"),
        "output": api(*jobs, job_id, "output"),
        "hold": api(*jobs, job_id, "hold", method="POST", body=""),
    }
    for name, call in calls.items():
        body = await expect_error(call, 404)
        assert body["reason"] == "not_found", (name, body)
        assert job_id in body["message"], (name, body)
