"""A facility configured for JupyterHub, on a server JupyterHub did not start."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.firecrest.double_fixtures import FACILITY


@pytest.fixture
def hpc_facilities(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return {
        FACILITY: {"kind": "firecrest", "url": "http://127.0.0.1:9", "token": {"hub": {}}},
        "hpc": {
            "kind": "slurmrestd",
            "url": "http://127.0.0.1:9",
            "user": "u",
            "token": {"hub": {}},
        },
    }


async def test_the_server_starts_and_says_the_facility_needs_jupyterhub(
    hpc_server: Any, jp_fetch: Any
) -> None:
    # Given facilities whose token comes from JupyterHub, on a laptop's server
    # When the client asks for them
    firecrest = json.loads((await jp_fetch("hpc", "api", "facilities", FACILITY)).body)
    slurm = json.loads((await jp_fetch("hpc", "api", "facilities", "hpc")).body)

    # Then the server runs, and each facility's auth status says it needs JupyterHub
    for facility in (firecrest, slurm):
        assert facility["auth"]["status"] == "error", facility["auth"]
        assert "not started by JupyterHub" in facility["auth"]["message"]
