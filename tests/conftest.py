"""Fixtures: a real Jupyter server with hpc-jupyter loaded, authentication required."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from hpc_jupyter.protocol import JOB_STATE_EVENT

# `tests` is a package: its modules are imported as `tests.<folder>.<module>`, so no two
# modules (two conftest.py included) can take each other's place. A folder's fixtures live in
# its own conftest.py; fixture modules that more than one folder uses are plugins here, the
# only place pytest reads `pytest_plugins`. Their fixtures are then seen everywhere, but any
# conftest.py or test module overrides them: the FirecREST double's `fake`, say, is the IRI
# double's in tests/iri.
pytest_plugins = (
    "pytest_jupyter.jupyter_server",
    "tests.slurm_fixtures",  # tests/slurm, tests/campaign
    "tests.xdist_units",  # `make test`: the units of the test processes side by side
    "tests.firecrest.double_fixtures",  # tests/firecrest, tests/campaign
    "tests.idp.nanoidp",  # tests/idp, tests/firecrest, tests/routes (and the Hub's login)
)
# Plain helpers keep pytest's detailed assertion messages, as they had in this conftest.
pytest.register_assert_rewrite("tests.helpers")

Fetch = Callable[..., Awaitable[HTTPResponse]]


@pytest.fixture
def hpc_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "hpc-data"


@pytest.fixture
def hpc_facilities() -> dict[str, Any]:
    """Override in a test module to configure other facilities."""
    return {}


@pytest.fixture
def jp_server_config(hpc_data_dir: Path, hpc_facilities: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"hpc_jupyter": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "HPCJupyterApp": {"data_dir": str(hpc_data_dir), "facilities": hpc_facilities},
    }


@pytest.fixture
def hpc_server(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """The running server with hpc-jupyter's facilities and job watcher started."""
    jp_asyncio_loop.run_until_complete(jp_serverapp.extension_manager.start_all_extensions())
    return jp_serverapp


@pytest.fixture
def hpc_app(hpc_server: Any) -> Any:
    """The HPCJupyterApp instance."""
    return hpc_server.web_app.settings["hpc_jupyter"]


@pytest.fixture
def job_events(hpc_server: Any) -> list[dict[str, Any]]:
    """Every job-state event the server publishes, in order, as a listener receives it."""
    received: list[dict[str, Any]] = []

    async def listener(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        received.append(data)

    hpc_server.event_logger.add_listener(schema_id=JOB_STATE_EVENT, listener=listener)
    return received


@pytest.fixture
def api(hpc_server: Any, jp_fetch: Fetch) -> Callable[..., Awaitable[Any]]:
    """Call /hpc/api/...: returns the decoded JSON body (None for 204)."""

    async def call(*parts: str, method: str = "GET", body: Any = None, **kwargs: Any) -> Any:
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        response = await jp_fetch("hpc", "api", *parts, method=method, body=body, **kwargs)
        return json.loads(response.body) if response.body else None

    return call


@pytest.fixture
def kernel_env(hpc_app: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A listening server, and a kernel's environment as the server would start it."""
    monkeypatch.delenv("HPC_JUPYTER_URL", raising=False)
    monkeypatch.delenv("HPC_JUPYTER_TOKEN", raising=False)
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    return hpc_app
