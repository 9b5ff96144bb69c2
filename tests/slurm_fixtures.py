"""Real Slurm releases with slurmrestd, started by the project's own scripts, for the Slurm tests.

Slurm 22.05 runs on the host (`scripts/local-slurm`); 24.11 and 26.05 run in chroots
(`scripts/slurm-newer`). Test modules import the fixtures they use from here. Each trusts its
own HS256 key and the test IdP's RS256 key (`jwks=`, tests/idp/test-signing-key/).

Where the script can run (root, apt) the tests run; in CI (`CI=true`) they must run, and a
cluster that does not start fails the session. Elsewhere they are skipped with the way to run them.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "local-slurm"
NEWER_SCRIPT = SCRIPT.with_name("slurm-newer")
NEWER_RELEASES = ("24.11", "26.05")
RELEASES = ("22.05", *NEWER_RELEASES)
URL = "http://127.0.0.1:6820"
USER, OTHER_USER = "hpcuser", "hpcuser2"
MIN_JOB_AGE = 20
"""Seconds slurmctld keeps a finished job in the test cluster; accounting keeps it after."""


@dataclass(frozen=True)
class Cluster:
    """A running test cluster of one Slurm release."""

    url: str
    user: str
    home: Path
    """A directory of `user` that the host and the cluster's jobs see at the same path."""
    other_user: str
    release: str = "22.05"
    versions: tuple[int, ...] = (36, 37, 38)
    """The slurmrestd API versions (`v0.0.NN`) it serves, oldest first."""
    chroot: Path | None = None
    """Where its commands run (the newer releases); None for the host's Slurm."""

    @property
    def newest(self) -> int:
        """The newest API version it serves (what a facility without `api_version` speaks)."""
        return self.versions[-1]

    def command(self, *command: str) -> list[str]:
        """A Slurm command line (as root) for this cluster: inside its chroot if it has one."""
        if self.chroot is None:
            return list(command)
        clean = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"]
        return [*clean, "chroot", str(self.chroot), *command]

    def user_command(self, user: str, *command: str) -> list[str]:
        """A command line that runs `command` as `user` on this cluster."""
        return self.command("runuser", "-u", user, "--", *command)

    def run_as(self, user: str, *command: str) -> str:
        """Run a Slurm command as another user; its standard output."""
        done = subprocess.run(
            self.user_command(user, *command),
            check=True,
            capture_output=True,
            text=True,
            cwd="/tmp",
        )
        return done.stdout.strip()

    def min_job_age(self) -> int:
        """Seconds slurmctld keeps a finished job (`MinJobAge` of `scontrol show config`)."""
        shown = subprocess.run(
            self.command("scontrol", "show", "config"),
            check=True,
            capture_output=True,
            text=True,
            cwd="/tmp",
        ).stdout
        for line in shown.splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "MinJobAge":
                return int(value.split()[0])
        raise AssertionError(f"`scontrol show config` of Slurm {self.release} has no MinJobAge")

    def token_command(self, user: str, lifespan: int = 600) -> str:
        """A shell command that prints a JWT of `user` (as `scontrol token` does)."""
        if self.chroot is None:
            return f"scontrol token username={user} lifespan={lifespan}"
        return f"{NEWER_SCRIPT} token {self.release} {user} {lifespan}"


def _can_run() -> str | None:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("apt-get") is None and shutil.which("slurmctld") is None:
        return "needs Debian's apt (or Slurm installed)"
    return None


def _check_can_run() -> None:
    in_ci = os.environ.get("CI", "").lower() == "true"
    problem = _can_run()
    if problem and not in_ci:
        pytest.skip(f"real Slurm {problem}: run the tests as root on Debian, or `CI=true`")
    if os.environ.get("HPC_JUPYTER_SKIP_SLURM") and not in_ci:
        pytest.skip("HPC_JUPYTER_SKIP_SLURM is set")


LOCK_WAIT = 200.0
"""Seconds a test run waits for another to finish with a cluster (within pytest's timeout)."""


def _started(script: Path, *args: str) -> Iterator[None]:
    """Start (or reuse) a cluster with its script; stop it afterwards only if this started it.

    Test runs on one machine (two clones, or a check next to CI) take turns on each cluster: a
    job of one would hold the CPUs another's job waits for, and a reservation of one would keep
    another's jobs pending. The turn is a lock held from start to stop; it ends with the process.
    A run that waits for it longer than LOCK_WAIT fails, naming the run that holds it.
    """
    name = "-".join([script.name, *args])
    lock_path = Path(tempfile.gettempdir()) / f"hpc-jupyter-{name}.lock"
    with open(lock_path, "a+") as lock:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.seek(0)
                    holder = lock.read().strip() or "another process"
                    pytest.fail(
                        f"the {name} cluster is in use by another test run ({holder}) "
                        f"after {LOCK_WAIT:.0f} s: run one at a time",
                        pytrace=False,
                    )
                time.sleep(1)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}, {os.getcwd()}, since {time.strftime('%H:%M:%S')}")
        lock.flush()
        yield from _started_here(script, *args)


def _started_here(script: Path, *args: str) -> Iterator[None]:
    env = {**os.environ, "MIN_JOB_AGE": str(MIN_JOB_AGE)}

    def run(action: str, timeout: float) -> subprocess.CompletedProcess[str]:
        command = [str(script), action, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)

    was_up = run("status", 120).returncode == 0
    started = run("start", 900)
    if started.returncode != 0:
        name = " ".join([script.name, "start", *args])
        pytest.fail(f"scripts/{name} failed:\n{started.stderr[-3000:]}", pytrace=False)
    yield
    if not was_up:
        run("stop", 300)


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[Cluster]:
    """Slurm 22.05 on the host, started (or reused) by scripts/local-slurm."""
    _check_can_run()
    for _ in _started(SCRIPT):
        yield Cluster(url=URL, user=USER, home=Path(f"/home/{USER}"), other_user=OTHER_USER)


def _newer_cluster(release: str) -> Iterator[Cluster]:
    _check_can_run()
    for _ in _started(NEWER_SCRIPT, release):
        shown = subprocess.run(
            [NEWER_SCRIPT, "env", release], check=True, capture_output=True, text=True
        ).stdout
        env = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
        yield Cluster(
            url=env["URL"],
            user=USER,
            home=Path(env["SCRATCH"]) / USER,
            other_user=OTHER_USER,
            release=release,
            versions=tuple(int(v) for v in env["VERSIONS"].strip('"').split()),
            chroot=Path(env["ROOT"]),
        )


@pytest.fixture(scope="session")
def slurm_2411() -> Iterator[Cluster]:
    """Slurm 24.11 (slurmrestd v0.0.40-42) in a chroot, started by scripts/slurm-newer."""
    yield from _newer_cluster("24.11")


@pytest.fixture(scope="session")
def slurm_2605() -> Iterator[Cluster]:
    """Slurm 26.05 (slurmrestd v0.0.42-45) in a chroot, started by scripts/slurm-newer."""
    yield from _newer_cluster("26.05")


@pytest.fixture(params=NEWER_RELEASES)
def slurm_newer(request: pytest.FixtureRequest) -> Cluster:
    """Each release scripts/slurm-newer runs (24.11, 26.05), in turn."""
    fixture = {"24.11": "slurm_2411", "26.05": "slurm_2605"}[request.param]
    cluster: Cluster = request.getfixturevalue(fixture)
    return cluster


@pytest.fixture
def slurm_of_test(request: pytest.FixtureRequest) -> Cluster:
    """The cluster of a test: each release (`slurm_release`), or each newer one when the test
    asks for `slurm_newer` (a behaviour 22.05 does not have)."""
    name = "slurm_newer" if "slurm_newer" in request.fixturenames else "slurm_release"
    found: Cluster = request.getfixturevalue(name)
    return found


@pytest.fixture(scope="session", params=RELEASES)
def slurm_release(request: pytest.FixtureRequest) -> Cluster:
    """Each Slurm release in turn (22.05, 24.11, 26.05): for tests that run on all three."""
    fixture = {"22.05": "slurm_cluster", "24.11": "slurm_2411", "26.05": "slurm_2605"}
    cluster: Cluster = request.getfixturevalue(fixture[request.param])
    return cluster


CLUSTER_FIXTURES = {"slurm_cluster": "22.05", "slurm_2411": "24.11", "slurm_2605": "26.05"}


def release_of(item: pytest.Item) -> str | None:
    """The Slurm release a collected test runs on, if it needs a cluster at all.

    A test names its cluster by a fixture it asks for, or by a parameter: `slurm_release`, or
    a release a module's own fixture takes to `request.getfixturevalue` (its id shows it).
    """
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        for value in callspec.params.values():
            for one in value if isinstance(value, tuple) else (value,):
                if isinstance(one, str) and one in RELEASES:
                    return one
        named = re.search(r"(?<![\d.])(\d\d\.\d\d)(?![\d.])", callspec.id)
        if named and named.group(1) in RELEASES:
            return named.group(1)
    for name in getattr(item, "fixturenames", ()):
        if name in CLUSTER_FIXTURES:
            return CLUSTER_FIXTURES[name]
    return None


def slurmrestd_facility(cluster: Cluster, **overrides: Any) -> dict[str, Any]:
    """The configuration of a slurmrestd facility on the test cluster."""
    return {
        "kind": "slurmrestd",
        "url": cluster.url,
        "user": cluster.user,
        "token": {"command": cluster.token_command(cluster.user)},
        "files": {"kind": "local", "root": str(cluster.home)},
        "poll_interval": 1,
        **overrides,
    }


def slurm_cli_facility(cluster: Cluster, **overrides: Any) -> dict[str, Any]:
    """The configuration of a slurm-cli facility whose commands run as the test user."""
    return {
        "kind": "slurm-cli",
        "user": cluster.user,
        "prefix": cluster.user_command(cluster.user),
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
    """Exits 3 at once; slurmctld forgets it MinJobAge seconds later."""

    def forgotten(self) -> None:
        """Wait until slurmctld no longer knows `failed_job` (only accounting does).

        Skips the test when the cluster keeps finished jobs longer than MIN_JOB_AGE (a cluster
        not started by this project's scripts): the wait would take minutes.
        """
        age = self.cluster.min_job_age()
        if age > MIN_JOB_AGE:
            pytest.skip(
                f"Slurm {self.cluster.release} keeps finished jobs {age} s (MinJobAge), not "
                f"{MIN_JOB_AGE} s: start it with this project's scripts to check its history"
            )
        timeout = 120 + 3 * age  # the job's own run, the node's load, slurmctld's purge pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = subprocess.run(
                self.cluster.command("scontrol", "show", "job", self.failed_job),
                capture_output=True,
                text=True,
                cwd="/tmp",
            )
            if shown.returncode != 0:
                return
            time.sleep(2)
        raise AssertionError(f"slurmctld still knows job {self.failed_job} after {timeout}s")


@pytest.fixture(scope="module")
def early_jobs(slurm_release: Cluster) -> EarlyJobs:
    """Submit the slow-to-check jobs first (per release), so the module's other tests run
    meanwhile."""
    cluster = slurm_release
    sbatch = ("sbatch", "--parsable", "--chdir", str(cluster.home))
    timeout_job = cluster.run_as(
        cluster.user, *sbatch, "--time=0:01", "--job-name=too-slow", "--wrap", "sleep 120"
    )
    failed_job = cluster.run_as(cluster.user, *sbatch, "--job-name=fails", "--wrap", "exit 3")
    return EarlyJobs(cluster, timeout_job, failed_job)
