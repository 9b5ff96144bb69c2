"""A single-user server spawned by the real Hub: its own Hub auth works, kernels lack the token."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from hpc_jupyter.client import find_server
from hpc_jupyter.errors import HPCError
from hpc_jupyter.protocol import KERNEL_TOKEN_HEADER
from tests.hub.hub_process import Hub, mint


@pytest.fixture
def spawned(jupyterhub: Hub, user_name: str) -> Iterator[str]:
    """`user_name`'s server, spawned by the Hub with a `hub` facility configured."""
    jupyterhub.add_user(user_name, {"access_token": mint(user_name, lifetime=600)})
    jupyterhub.spawn(user_name)
    yield user_name
    jupyterhub.stop(user_name)


def server_process(hub: Hub) -> psutil.Process:
    """The single-user server: a child of the Hub (the local-process spawner's), the only one."""
    assert hub.process is not None
    for process in psutil.Process(hub.process.pid).children():
        if "jupyterhub.singleuser" in " ".join(process.cmdline()):
            return process
    raise AssertionError("no single-user server")


def test_kernels_of_a_spawned_server_do_not_inherit_its_hub_token(
    jupyterhub: Hub, spawned: str
) -> None:
    # Given a server the Hub spawned, whose `hub` facility took JUPYTERHUB_API_TOKEN
    user_token, _ = jupyterhub.server_token(spawned, ["access:servers!user"])
    base = f"{jupyterhub.public_url}/user/{spawned}"
    headers = {"Authorization": f"token {user_token}"}

    # When the user reaches the server through the proxy (the server checks the token with the
    # Hub, using its own Hub token) and starts a kernel
    status = httpx.get(f"{base}/api/status", headers=headers, timeout=30)
    facilities = httpx.get(f"{base}/hpc/api/facilities", headers=headers, timeout=30)
    kernel = httpx.post(f"{base}/api/kernels", headers=headers, json={}, timeout=60)

    # Then the server's Hub auth still works and the facility is listed
    assert status.status_code == 200, status.text
    assert facilities.status_code == 200 and "hpc" in facilities.text
    assert kernel.status_code == 201, kernel.text

    # And the kernel's environment has the Hub's URL and user but not the server's Hub token
    server = server_process(jupyterhub)
    deadline = time.monotonic() + 60
    kernels: list[psutil.Process] = []
    while not kernels and time.monotonic() < deadline:
        kernels = [
            p for p in server.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())
        ]
        time.sleep(0.3)
    assert kernels, "no kernel process"
    environ = kernels[0].environ()
    assert environ.get("JUPYTERHUB_USER") == spawned
    assert "JUPYTERHUB_API_TOKEN" not in environ
    # nor can it read it from the server's initial environment (/proc/<pid>/environ), where
    # the variable is still named but its value is zeroed
    raw = Path(f"/proc/{server.pid}/environ").read_bytes()
    start = raw.index(b"JUPYTERHUB_API_TOKEN=") + len(b"JUPYTERHUB_API_TOKEN=")
    assert raw[start : start + 1] == b"\0"


def test_the_kernel_token_posts_to_a_spawned_server(jupyterhub: Hub, spawned: str) -> None:
    # Given the credential a kernel of the spawned server finds in the server's runtime file
    # (the server runs as its user, with its home under the Hub's directory)
    runtime = jupyterhub.root / "home" / spawned / ".local" / "share" / "jupyter" / "runtime"
    deadline = time.monotonic() + 60
    server = None
    while server is None and time.monotonic() < deadline:
        with contextlib.suppress(HPCError):
            server = find_server(environ={}, runtime_dir=runtime)
        time.sleep(0.3)
    assert server is not None, f"no runtime file in {runtime}"

    # When the kernel side submits (a POST, with its token header and no cookie)
    answer = httpx.post(
        f"{server.url}hpc/api/facilities/hpc/jobs",
        headers={KERNEL_TOKEN_HEADER: server.token},
        json={},
        timeout=30,
    )

    # Then JupyterHub's XSRF check of the single-user server lets it through: the request
    # reached hpc-jupyter, which says what is wrong with the (empty) job
    assert answer.status_code == 400, answer.text
    assert "xsrf" not in answer.text.lower()
