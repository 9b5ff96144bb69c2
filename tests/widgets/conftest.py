"""Fixtures for driving the notebook panels against the real server, as a kernel would."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.client import HPCClient

T = TypeVar("T")


@pytest.fixture
def kernel_env(hpc_app: Any, http_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A listening server, and a kernel's environment as the server would start it."""
    monkeypatch.delenv("HPC_JUPYTER_URL", raising=False)
    monkeypatch.delenv("HPC_JUPYTER_TOKEN", raising=False)
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))
    return hpc_app


@pytest.fixture
def hpc(kernel_env: Any) -> Iterator[HPC]:
    """The Python API of a kernel on the local facility, found through the runtime file.

    Built without a request: the server answers only once the test awaits.
    """
    client = HPCClient()
    try:
        yield HPC(client, "local")
    finally:
        client.close()


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a blocking panel method off the event loop that serves the test server."""
    return await asyncio.to_thread(func, *args, **kwargs)
