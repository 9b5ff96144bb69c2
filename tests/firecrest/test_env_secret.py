"""A secret read from an environment variable reaches no kernel, job or process of the server."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.firecrest.fake_firecrest import CLIENT_ID, CLIENT_SECRET, FakeFirecrest
from tests.helpers import read_output, submit, wait_for_state
from tests.notebook_runner import output_text, run_in_server_kernel

API = Callable[..., Awaitable[Any]]
VARIABLE = "HPC_JUPYTER_TEST_F7T_SECRET"

pytestmark = pytest.mark.kernel


@pytest.fixture
def hpc_facilities(fake: FakeFirecrest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # The README's advice: the secret in a variable of the server's environment, here named
    # by two facilities (one service account for two names of one site).
    monkeypatch.setenv(VARIABLE, CLIENT_SECRET)
    firecrest = {
        "kind": "firecrest",
        "url": fake.url,
        "token_url": fake.url + "/auth/token",
        "client_id": CLIENT_ID,
        "client_secret": {"env": VARIABLE},
    }
    return {"alps": firecrest, "twin": dict(firecrest), "local": {"kind": "local"}}


async def test_an_env_secret_reaches_no_kernel_and_no_job(
    hpc_server: Any, api: API, jp_fetch: Any, fake: FakeFirecrest, jp_root_dir: Path
) -> None:
    # Given a server whose facilities read their secret from one environment variable
    # When both facilities are used, a notebook prints its kernel's environment, and a local
    # job prints its own
    alps = await api("facilities", "alps")
    twin = await api("facilities", "twin")
    await api("facilities", "alps", "jobs")
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(
        nbformat.v4.new_code_cell("import os\nprint(dict(os.environ))\nprint('kernel ran')")
    )
    await run_in_server_kernel(hpc_server, jp_fetch, notebook, "env.ipynb")
    kernel_env = output_text(notebook.cells[0])
    job = await submit(api, "#!/bin/bash\nenv\necho job ran\n")
    await wait_for_state(api, job["id"], {"COMPLETED"})
    job_env = (await read_output(api, job["id"]))["data"]

    # Then both facilities authenticated with the secret
    assert alps["auth"]["status"] == twin["auth"]["status"] == "ok"
    assert fake.token_requests
    # and neither the kernel nor the job has the variable or its value
    assert "kernel ran" in kernel_env
    assert "job ran" in job_env
    for seen in (kernel_env, job_env):
        assert VARIABLE not in seen
        assert CLIENT_SECRET not in seen
    # because the server took it out of its own environment at start
    assert VARIABLE not in os.environ
