"""GET /facilities describes every facility at once: a slow one costs its own time, not more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from hpc_jupyter import app
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.models import System

API = Callable[..., Awaitable[Any]]
DELAY = 1.0
"""How long each slow facility takes to say what systems it has, in seconds."""
SLOW = ("slow-a", "slow-b", "slow-c")


class _SlowFacility(LocalFacility):
    """A local facility whose upstream takes `DELAY` to answer (as a distant API would)."""

    kind = "slow"

    async def systems(self) -> list[System]:
        await asyncio.sleep(DELAY)
        return await super().systems()


@pytest.fixture
def hpc_facilities(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    kinds = {"local": LocalFacility, "slow": _SlowFacility}
    monkeypatch.setattr(app, "discover_backends", lambda: kinds)
    return {"local": {"kind": "local"}, **{name: {"kind": "slow"} for name in SLOW}}


async def test_slow_facilities_are_described_side_by_side(api: API) -> None:
    # Given three facilities that each take a second to describe, and a quick one

    # When a client lists the facilities
    started = time.monotonic()
    listed = (await api("facilities"))["facilities"]
    elapsed = time.monotonic() - started

    # Then every facility is there, in configuration order, described in full
    assert [f["name"] for f in listed] == ["local", *SLOW]
    assert all(f["systems"] and f["auth"]["status"] == "none" for f in listed), listed
    # and the listing took about one slow facility's time, well short of the three in a row
    assert elapsed < 2 * DELAY < len(SLOW) * DELAY, elapsed
