"""scripts/slurm-newer against the clusters it runs: what `env` says is what slurmrestd serves.

Each test runs on Slurm 24.11 and 26.05, started (or reused) by the script through the
`slurm_2411`/`slurm_2605` fixtures: the versions `env` lists are the ones the REST server
answers (and no others), a job run in the chroot writes where the host reads it, `status`
says up, and `token` gives a JWT that slurmrestd accepts.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from tests.slurm_fixtures import NEWER_RELEASES, NEWER_SCRIPT, Cluster


@pytest.fixture(params=NEWER_RELEASES)
def newer(request: pytest.FixtureRequest) -> Cluster:
    """Each cluster of scripts/slurm-newer in turn."""
    fixture = {"24.11": "slurm_2411", "26.05": "slurm_2605"}[request.param]
    cluster: Cluster = request.getfixturevalue(fixture)
    return cluster


def script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NEWER_SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def token(cluster: Cluster, user: str) -> str:
    """A JWT from `scripts/slurm-newer token`, which prints SLURM_JWT=..."""
    done = script("token", cluster.release, user, "120")
    assert done.returncode == 0, done.stderr
    name, _, value = done.stdout.strip().partition("=")
    assert name == "SLURM_JWT"
    return value


def get(cluster: Cluster, path: str, jwt: str) -> tuple[int, Any]:
    """An authenticated GET: the HTTP status and the JSON body (None when not JSON)."""
    headers = {"X-SLURM-USER-NAME": cluster.user, "X-SLURM-USER-TOKEN": jwt}
    request = urllib.request.Request(cluster.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
        error.close()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def test_env_lists_the_versions_slurmrestd_serves(newer: Cluster) -> None:
    jwt = token(newer, newer.user)
    status, spec = get(newer, "/openapi/v3", jwt)
    assert status == 200
    served = {int(m) for path in spec["paths"] for m in re.findall(r"^/slurm/v0\.0\.(\d+)/", path)}
    assert served == set(newer.versions)
    assert list(newer.versions) == sorted(newer.versions)
    for version in newer.versions:
        status, body = get(newer, f"/slurm/v0.0.{version}/ping/", jwt)
        assert status == 200, version
        assert body["meta"]["plugin"]["data_parser"] == f"data_parser/v0.0.{version}"
    for version in (newer.versions[0] - 1, newer.versions[-1] + 1):
        assert get(newer, f"/slurm/v0.0.{version}/ping/", jwt)[0] == 404, version


def test_a_job_in_the_chroot_writes_where_the_host_reads(newer: Cluster) -> None:
    mark = uuid.uuid4().hex
    output = newer.home / f"script-test-{mark}.out"
    job = newer.run_as(
        newer.user,
        *("sbatch", "--parsable", "--chdir", str(newer.home), "--output", str(output)),
        *("--wrap", f"echo {mark} $(id -un)"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (output.exists() and output.read_text().strip()):
        time.sleep(0.5)
    try:
        assert output.read_text().split() == [mark, newer.user], f"job {job}"
        assert output.stat().st_uid == newer.home.stat().st_uid
    finally:
        output.unlink(missing_ok=True)


def test_status_says_up(newer: Cluster) -> None:
    done = script("status", newer.release)
    assert done.returncode == 0, done.stderr


def test_token_is_accepted_and_a_forged_one_is_not(newer: Cluster) -> None:
    jwt = token(newer, newer.user)
    ping = f"/slurm/v0.0.{newer.newest}/ping/"
    status, body = get(newer, ping, jwt)
    assert status == 200
    assert body["pings"][0]["responding"] is True
    assert get(newer, f"/slurmdb/v0.0.{newer.newest}/user/{newer.user}", jwt)[0] == 200
    # a refused token is also 200 on ping/, with responding false: the check above means something
    header, claims, _ = jwt.split(".")
    status, body = get(newer, ping, f"{header}.{claims}.{'A' * 43}")
    assert status == 200
    assert body["pings"][0]["responding"] is False
