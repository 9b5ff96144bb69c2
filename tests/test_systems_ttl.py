"""A facility's systems are remembered for a while, then asked again: their status is health."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpc_jupyter.backends.base import BackendContext
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.errors import Unavailable
from hpc_jupyter.models import System
from hpc_jupyter.registry import SYSTEMS_TTL, FacilityRegistry
from hpc_jupyter.services import FacilityService


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Cluster(LocalFacility):
    """A facility whose one system's status is whatever the test sets, or whose API is down."""

    kind = "cluster"
    status = "available"
    down = False
    asked = 0

    async def systems(self) -> list[System]:
        self.asked += 1
        if self.down:
            raise Unavailable("The cluster's API does not answer.", facility=self.name)
        return [System(name="main", status=self.status, default=True)]


@pytest.fixture
def cluster(tmp_path: Path) -> _Cluster:
    return _Cluster.create("cluster", {}, BackendContext(root_dir=tmp_path, data_dir=tmp_path))


async def test_a_systems_status_is_asked_again_once_remembered_long_enough(
    cluster: _Cluster,
) -> None:
    # Given a running server that has described the cluster once
    clock = _Clock()
    registry = FacilityRegistry({"cluster": cluster}, {"cluster": 30.0}, clock=clock)
    facilities = FacilityService(registry)
    assert (await facilities.describe("cluster"))["systems"][0]["status"] == "available"

    # When the cluster goes into maintenance
    cluster.status = "unavailable"

    # Then a listing soon after shows what was asked, without asking again
    clock.now += SYSTEMS_TTL / 2
    assert (await facilities.describe("cluster"))["systems"][0]["status"] == "available"
    assert cluster.asked == 1
    # and once the systems are SYSTEMS_TTL old, the cluster is asked and the maintenance shows
    clock.now += SYSTEMS_TTL / 2
    assert (await facilities.describe("cluster"))["systems"][0]["status"] == "unavailable"
    assert cluster.asked == 2


async def test_a_failed_refresh_shows_the_error_and_requests_still_find_their_system(
    cluster: _Cluster,
) -> None:
    # Given a cluster described once, whose API then goes down for longer than SYSTEMS_TTL
    clock = _Clock()
    registry = FacilityRegistry({"cluster": cluster}, {"cluster": 30.0}, clock=clock)
    facilities = FacilityService(registry)
    await facilities.describe("cluster")
    cluster.down = True
    clock.now += SYSTEMS_TTL

    # When the facilities are listed
    described = await facilities.describe("cluster")

    # Then the cluster is shown with the error, as a facility never reached is
    assert described["auth"] == {"status": "error", "message": "The cluster's API does not answer."}
    assert described["systems"] == []
    # but a request for its jobs or files still finds the system by name (a stale listing of
    # jobs can then be served), without asking the cluster's API again
    assert await registry.resolve_system("cluster", None) == "main"
    assert await registry.resolve_system("cluster", "main") == "main"
    assert cluster.asked == 2
