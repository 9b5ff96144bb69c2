"""Fixtures for driving the notebook panels against the real server, as a kernel would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.client import HPCClient


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
