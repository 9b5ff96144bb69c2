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

from tests.slurm_fixtures import NEWER_SCRIPT, Cluster


def script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NEWER_SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def token(slurm_of_test: Cluster, user: str) -> str:
    """A JWT from `scripts/slurm-newer token`, which prints SLURM_JWT=..."""
    done = script("token", slurm_of_test.release, user, "120")
    assert done.returncode == 0, done.stderr
    name, _, value = done.stdout.strip().partition("=")
    assert name == "SLURM_JWT"
    return value


def get(slurm_of_test: Cluster, path: str, jwt: str) -> tuple[int, Any]:
    """An authenticated GET: the HTTP status and the JSON body (None when not JSON)."""
    headers = {"X-SLURM-USER-NAME": slurm_of_test.user, "X-SLURM-USER-TOKEN": jwt}
    request = urllib.request.Request(slurm_of_test.url + path, headers=headers)
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


def test_env_lists_the_versions_slurmrestd_serves(slurm_newer: Cluster) -> None:
    jwt = token(slurm_newer, slurm_newer.user)
    status, spec = get(slurm_newer, "/openapi/v3", jwt)
    assert status == 200
    served = {int(m) for path in spec["paths"] for m in re.findall(r"^/slurm/v0\.0\.(\d+)/", path)}
    assert served == set(slurm_newer.versions)
    assert list(slurm_newer.versions) == sorted(slurm_newer.versions)
    for version in slurm_newer.versions:
        status, body = get(slurm_newer, f"/slurm/v0.0.{version}/ping/", jwt)
        assert status == 200, version
        assert body["meta"]["plugin"]["data_parser"] == f"data_parser/v0.0.{version}"
    for version in (slurm_newer.versions[0] - 1, slurm_newer.versions[-1] + 1):
        assert get(slurm_newer, f"/slurm/v0.0.{version}/ping/", jwt)[0] == 404, version


def test_a_job_in_the_chroot_writes_where_the_host_reads(slurm_newer: Cluster) -> None:
    mark = uuid.uuid4().hex
    output = slurm_newer.home / f"script-test-{mark}.out"
    job = slurm_newer.run_as(
        slurm_newer.user,
        *("sbatch", "--parsable", "--chdir", str(slurm_newer.home), "--output", str(output)),
        *("--wrap", f"echo {mark} $(id -un)"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (output.exists() and output.read_text().strip()):
        time.sleep(0.5)
    try:
        assert output.read_text().split() == [mark, slurm_newer.user], f"job {job}"
        assert output.stat().st_uid == slurm_newer.home.stat().st_uid
    finally:
        output.unlink(missing_ok=True)


def test_status_says_up(slurm_newer: Cluster) -> None:
    done = script("status", slurm_newer.release)
    assert done.returncode == 0, done.stderr


def test_token_is_accepted_and_a_forged_one_is_not(slurm_newer: Cluster) -> None:
    jwt = token(slurm_newer, slurm_newer.user)
    ping = f"/slurm/v0.0.{slurm_newer.newest}/ping/"
    status, body = get(slurm_newer, ping, jwt)
    assert status == 200
    assert body["pings"][0]["responding"] is True
    assert (
        get(slurm_newer, f"/slurmdb/v0.0.{slurm_newer.newest}/user/{slurm_newer.user}", jwt)[0]
        == 200
    )
    # a refused token is also 200 on ping/, with responding false: the check above means something
    header, claims, _ = jwt.split(".")
    status, body = get(slurm_newer, ping, f"{header}.{claims}.{'A' * 43}")
    assert status == 200
    assert body["pings"][0]["responding"] is False
