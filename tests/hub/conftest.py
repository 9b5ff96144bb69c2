"""Fixtures of the JupyterHub tests: one real Hub for the session, a user with auth_state."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub.hub_process import Hub, start_hub, stop_hub

_names = itertools.count(1)


@pytest.fixture(scope="session")
def jupyterhub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A real JupyterHub 6 on 127.0.0.1 with auth_state, configured as the operators' docs say."""
    hub = start_hub(Path(tmp_path_factory.mktemp("jupyterhub")))
    yield hub
    stop_hub(hub)


@pytest.fixture
def user_name() -> str:
    """A user name of this test's own, so tests sharing the Hub do not meet."""
    return f"user{next(_names)}"
