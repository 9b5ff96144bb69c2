"""A real Slurm with slurmrestd, started by the project's own script, for the Slurm tests.

Test modules import the fixtures they use from here.

Where the script can run (root, apt) the tests run; in CI (`CI=true`) they must run, and a
cluster that does not start fails the session. Elsewhere they are skipped with the way to run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "local-slurm"
URL = "http://127.0.0.1:6820"
USER, OTHER_USER = "hpcuser", "hpcuser2"
MIN_JOB_AGE = 20
"""Seconds slurmctld keeps a finished job in the test cluster; accounting keeps it after."""


@dataclass(frozen=True)
class Cluster:
    """The running test cluster."""

    url: str
    user: str
    home: Path
    other_user: str

    def run_as(self, user: str, *command: str) -> str:
        """Run a Slurm command as another user; its standard output."""
        done = subprocess.run(
            ["runuser", "-u", user, "--", *command],
            check=True,
            capture_output=True,
            text=True,
            cwd="/tmp",
        )
        return done.stdout.strip()


def _can_run() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        return "needs Debian's apt (or Slurm installed)"
    return None


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[Cluster]:
    """Start (or reuse) the one-node cluster; stop it afterwards only if this session started it."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    problem = _can_run()
    if problem and not in_ci:
        pytest.skip(f"real Slurm {problem}: run the tests as root on Debian, or `CI=true`")
    if os.environ.get("HPC_JUPYTER_SKIP_SLURM") and not in_ci:
        pytest.skip("HPC_JUPYTER_SKIP_SLURM is set")
    env = {**os.environ, "MIN_JOB_AGE": str(MIN_JOB_AGE)}
    was_up = subprocess.run([SCRIPT, "status"], env=env, capture_output=True).returncode == 0
    started = subprocess.run(
        [SCRIPT, "start"], env=env, capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"scripts/local-slurm start failed:\n{started.stderr[-3000:]}", pytrace=False)
    yield Cluster(url=URL, user=USER, home=Path(f"/home/{USER}"), other_user=OTHER_USER)
    if not was_up:
        subprocess.run([SCRIPT, "stop"], env=env, capture_output=True, timeout=300)


def slurmrestd_facility(cluster: Cluster, **overrides: Any) -> dict[str, Any]:
    """The configuration of a slurmrestd facility on the test cluster."""
    return {
        "kind": "slurmrestd",
        "url": cluster.url,
        "user": cluster.user,
        "token": {"command": f"scontrol token username={cluster.user} lifespan=600"},
        "files": {"kind": "local", "root": str(cluster.home)},
        "poll_interval": 1,
        **overrides,
    }


def slurm_cli_facility(cluster: Cluster, **overrides: Any) -> dict[str, Any]:
    """The configuration of a slurm-cli facility whose commands run as the test user."""
    return {
        "kind": "slurm-cli",
        "user": cluster.user,
        "prefix": ["runuser", "-u", cluster.user, "--"],
        "files": {"kind": "local", "root": str(cluster.home)},
        "poll_interval": 1,
        **overrides,
    }


@dataclass(frozen=True)
class EarlyJobs:
    """Jobs submitted (with sbatch) when a module starts, for checks that need time to pass."""

    cluster: Cluster
    timeout_job: str
    """`--time=0:01` on a `sleep 120`: ends in TIMEOUT after a minute or so."""
    failed_job: str
    """Exits 3 at once; slurmctld forgets it MIN_JOB_AGE seconds later."""

    def forgotten(self, timeout: float = 180) -> None:
        """Wait until slurmctld no longer knows `failed_job` (only accounting does)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = subprocess.run(
                ["scontrol", "show", "job", self.failed_job], capture_output=True, text=True
            )
            if shown.returncode != 0:
                return
            time.sleep(2)
        raise AssertionError(f"slurmctld still knows job {self.failed_job} after {timeout}s")


@pytest.fixture(scope="module")
def early_jobs(slurm_cluster: Cluster) -> EarlyJobs:
    """Submit the slow-to-check jobs first, so the module's other tests run meanwhile."""
    sbatch = ("sbatch", "--parsable", "--chdir", str(slurm_cluster.home))
    timeout_job = slurm_cluster.run_as(
        slurm_cluster.user, *sbatch, "--time=0:01", "--job-name=too-slow", "--wrap", "sleep 120"
    )
    failed_job = slurm_cluster.run_as(
        slurm_cluster.user, *sbatch, "--job-name=fails", "--wrap", "exit 3"
    )
    return EarlyJobs(slurm_cluster, timeout_job, failed_job)
