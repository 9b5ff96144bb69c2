"""Credentials stay secret: in no response, log line (at any level), repr or kernel environment."""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from hpc_jupyter import log_redaction
from hpc_jupyter.auth.secrets import SecretSource
from hpc_jupyter.routes.kernel_auth import HEADER, KernelTokenIdentity
from tests.server_process import jupyter_server


async def test_kernel_token_is_in_no_response_or_log_line(
    hpc_app: Any, jp_fetch: Any, caplog: pytest.LogCaptureFixture, jp_root_dir: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    token = hpc_app.kernel_token
    headers = {HEADER: token}
    (jp_root_dir / "data.txt").write_text("numbers")
    bodies: list[bytes] = []

    for parts, kwargs in [
        (("info",), {}),
        (("facilities",), {}),
        (("facilities", "local"), {}),
        (("facilities", "local", "files"), {"params": {"path": "."}}),
        (("facilities", "local", "files", "content"), {"params": {"path": "data.txt"}}),
        (("facilities", "local", "jobs"), {}),
        (("facilities", "local", "files"), {"params": {"path": "../outside"}}),
        (("facilities", "nowhere"), {}),
        (("facilities", "local", "jobs"), {"method": "POST", "body": json.dumps({"x": 1})}),
    ]:
        try:
            response = await jp_fetch("hpc", "api", *parts, headers=headers, **kwargs)
            bodies.append(response.body)
            bodies.append(str(response.headers).encode())
        except HTTPClientError as err:
            assert err.response is not None
            bodies.append(err.response.body)
            bodies.append(str(err.response.headers).encode())

    assert all(token.encode() not in body for body in bodies)
    logs = caplog.text
    assert "hpc/api" in logs  # the requests were logged...
    assert token not in logs  # ...without the credential


def test_identity_wrapper_repr_has_no_token() -> None:
    class Inner:
        token = "jupyter-token-value"

    wrapper = KernelTokenIdentity(Inner(), "kernel-token-value")  # type: ignore[arg-type]

    assert "kernel-token-value" not in repr(wrapper)
    assert "jupyter-token-value" not in repr(wrapper)


# -- inline secrets and `--debug` --------------------------------------------------------------


def unreachable_firecrest(client_secret: dict[str, str]) -> dict[str, Any]:
    """A FirecREST facility on a port nothing answers, with this client secret configured."""
    return {
        "kind": "firecrest",
        "url": "http://127.0.0.1:9",
        "token_url": "http://127.0.0.1:9/token",
        "client_id": "hpc-jupyter-test",
        "client_secret": client_secret,
    }


@pytest.mark.parametrize("app", ["jupyter_server", "jupyterlab"])
def test_debug_logging_shows_no_inline_secret(tmp_path: Path, app: str) -> None:
    # Given facilities whose secrets are written inline, given on the command line (traitlets
    # then logs the configuration, "Config changed: {...}", from every application it reaches)
    client_secret, slurm_token = secrets.token_hex(12), secrets.token_hex(12)
    facilities = {
        "alps": unreachable_firecrest({"value": client_secret}),
        "cluster": {
            "kind": "slurmrestd",
            "url": "http://127.0.0.1:9",
            "user": "someone",
            "token": {"value": slurm_token},
            "files": {"kind": "local", "root": str(tmp_path)},
        },
    }
    args = ["--debug", f"--HPCJupyterApp.facilities={json.dumps(facilities)}"]

    # When the server starts with --debug and the facilities are used
    with jupyter_server(tmp_path, {"data_dir": str(tmp_path / "data")}, args, app=app) as server:
        listed = server.api("GET", "facilities")
        server.api("GET", "facilities", "alps", "jobs")
        server.api("GET", "facilities", "cluster", "jobs")
    output = server.output()

    # Then the configuration was logged, with the secrets hidden, and no line shows them
    assert listed.status_code == 200
    assert "Config changed" in output
    assert client_secret not in output
    assert slurm_token not in output
    assert "'client_secret': {'value': '***'}" in output


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (
            {"HPCJupyterApp": {"facilities": {"a": {"token": {"value": "s3"}, "url": "u"}}}},
            {"HPCJupyterApp": {"facilities": {"a": {"token": {"value": "***"}, "url": "u"}}}},
        ),
        (  # a configuration given on the command line is text until traitlets reads it
            {"HPCJupyterApp": {"facilities": '{"a": {"auth": {"value": "s3"}}}'}},
            {"HPCJupyterApp": {"facilities": {"a": {"auth": {"value": "***"}}}}},
        ),
        (
            {"HPCJupyterApp": {"facilities": "{not readable s3"}},
            {"HPCJupyterApp": {"facilities": "***"}},
        ),
        (
            {"IdentityProvider": {"token": "s3"}, "ServerApp": {"password": "s3", "port": 1}},
            {"IdentityProvider": {"token": "***"}, "ServerApp": {"password": "***", "port": 1}},
        ),
        (  # where a secret comes from is not a secret; a `value` outside our section is kept
            {"HPCJupyterApp": {"facilities": {"a": {"client_secret": {"env": "F7T"}}}}},
            {"HPCJupyterApp": {"facilities": {"a": {"client_secret": {"env": "F7T"}}}}},
        ),
        (
            {"Other": {"value": 3, "token_url": "https://x"}},
            {"Other": {"value": 3, "token_url": "https://x"}},
        ),
    ],
)
def test_log_arguments_are_redacted_and_left_unchanged(
    given: dict[str, Any], shown: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    log_redaction.install()
    original = json.dumps(given)
    caplog.set_level(logging.DEBUG, logger="redaction-test")

    logging.getLogger("redaction-test").debug("Config changed: %r", given)

    assert caplog.records[-1].getMessage() == f"Config changed: {shown!r}"
    assert json.dumps(given) == original  # the configuration itself is untouched


# -- secrets in environment variables -------------------------------------------------------------


async def test_an_env_secret_is_taken_from_the_environment_and_stays_readable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a variable two facilities read their secret from
    monkeypatch.setenv("HPC_JUPYTER_TEST_TAKEN", "the-secret-value")

    # When the configuration is read
    one = SecretSource.parse("one", "token", {"env": "HPC_JUPYTER_TEST_TAKEN"})
    two = SecretSource.parse("two", "token", {"env": "HPC_JUPYTER_TEST_TAKEN"})

    # Then nothing started from now on inherits it, and both facilities still read it
    assert "HPC_JUPYTER_TEST_TAKEN" not in os.environ
    assert await one.read() == await two.read() == "the-secret-value"
    assert "the-secret-value" not in repr(one) + one.describe()
    # and a variable set again (a new value) is taken again
    monkeypatch.setenv("HPC_JUPYTER_TEST_TAKEN", "a-new-value")
    assert await two.read() == "a-new-value"
    assert "HPC_JUPYTER_TEST_TAKEN" not in os.environ


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux's /proc only")
def test_an_env_secret_is_gone_from_the_server_process_and_its_jobs(tmp_path: Path) -> None:
    # Given a server started with a secret in its environment, as the README advises
    secret = secrets.token_hex(12)
    facilities = {
        "alps": unreachable_firecrest({"env": "HPC_JUPYTER_TEST_ENV_SECRET"}),
        "local": {"kind": "local"},
    }
    config = {"facilities": facilities, "data_dir": str(tmp_path / "data")}
    env = {"HPC_JUPYTER_TEST_ENV_SECRET": secret}
    with jupyter_server(tmp_path, config, env=env) as server:
        # When a process of the user reads the server's environment, and a job prints its own
        # and the server's
        pid = server.process.pid
        seen = Path(f"/proc/{pid}/environ").read_bytes()
        script = f"#!/bin/bash\nenv\necho '-- server'\ntr '\\0' '\\n' < /proc/{pid}/environ\n"
        job = server.api("POST", "facilities", "local", "jobs", json={"script": script}).json()
        deadline = time.monotonic() + 60
        while server.api("GET", "facilities", "local", "jobs", job["id"]).json()["state"] not in (
            "COMPLETED",
            "FAILED",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        output = server.api("GET", "facilities", "local", "jobs", job["id"], "output").json()

    # Then the secret is in neither (/proc/<pid>/environ shows the environment the process
    # started with, not what it unset since)
    assert b"PATH=" in seen
    assert secret.encode() not in seen
    job_env, server_env = output["data"].split("-- server\n")
    assert "HPC_JUPYTER_TEST_ENV_SECRET" not in job_env
    assert "PATH=" in server_env
    assert secret not in server_env


async def test_no_token_is_in_any_submission_record(
    hpc_app: Any, hpc_server: Any, jp_fetch: Any, hpc_data_dir: Path
) -> None:
    # Given jobs submitted as a kernel submits them (its token) and as Lab does (the server's)
    kernel_token, server_token = hpc_app.kernel_token, hpc_server.identity_provider.token
    origin = {"via": "magic", "notebook": "a.ipynb", "cell": "c1"}
    body = json.dumps({"script": "#!/bin/bash\necho hi\n", "origin": origin})
    for headers in ({HEADER: kernel_token, "Idempotency-Key": "k1"}, {"Idempotency-Key": "k2"}):
        await jp_fetch(
            "hpc", "api", "facilities", "local", "jobs", method="POST", body=body, headers=headers
        )

    # Then the records (and every other file of the data dir) hold neither token
    files = [path for path in hpc_data_dir.rglob("*") if path.is_file()]
    assert any(path.name.startswith("records.sqlite") for path in files)
    for path in files:
        content = path.read_bytes()
        assert kernel_token.encode() not in content, path
        assert server_token.encode() not in content, path
