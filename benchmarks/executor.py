"""hpc.executor against submitit on a real Slurm 22.05: one call and a map, interleaved (issue 17).

Starts (or reuses) the one-node Slurm of `scripts/local-slurm` (root), taking the turn the test
fixtures take (tests/slurm_fixtures.py, /tmp/hpc-jupyter-local-slurm.lock) so that a test run and
this benchmark never share the cluster, and a real `jupyter server` (as `upload_download.py` does)
with two facilities on it, `slurmrestd` and `slurm-cli` (of those kinds), both running
jobs as the cluster's test user with the tests' poll interval (1 s). The anchor is submitit (Slurm
CLI on the same cluster), run as the same user by `runuser` in its own process
(`submitit_driver.py`). The jobs of both run the system's Python with cloudpickle (and, for
submitit, submitit) copied into the user's home, as tests/slurm/test_slurm_executor.py does.

Each run, in a rotated order: one call (`ex.submit(f, x).result()`) through each, then a map of N
calls (`list(ex.map(f, range(N)))`, one job array; submitit's `map_array`, one array too). The
wall time is from the call to the last result; Slurm's part (submit to the end of the last task)
comes from slurmctld's log, which has milliseconds (accounting has whole seconds).

    .venv/bin/python benchmarks/executor.py                        # 3 runs, N = 10 (about 3 min)
    .venv/bin/python benchmarks/executor.py --calls 20             # N = 20 (about 5 min)
    .venv/bin/python benchmarks/executor.py --runs 1 --calls 4 --no-results
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import functools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
from upload_download import REPO, default_python, jupyter_server, machine

from hpc_jupyter.api import HPC, connect
from hpc_jupyter.client import HPCClient
from hpc_jupyter.executor import HPCExecutor

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "executor.md"
SCRIPT = REPO / "scripts" / "local-slurm"
LOCK = Path(tempfile.gettempdir()) / "hpc-jupyter-local-slurm.lock"
"""The test fixtures' turn on Slurm 22.05 (tests/slurm_fixtures.py `_started`)."""
MIN_JOB_AGE = "20"
"""As the test fixtures start the cluster: `start` with another value rewrites slurm.conf."""
USER = "hpcuser"
HOME = Path(f"/home/{USER}")
LIB = HOME / ".executor-bench-lib"
"""What the jobs' Python imports: cloudpickle, submitit and its typing_extensions."""
SYSTEM_PYTHON = "/usr/bin/python3"
POLL_INTERVAL = 1.0
"""The facilities' poll interval: the tests' (tests/slurm_fixtures.py)."""
TIME_LIMIT_MIN = 5
WAYS = ("slurmrestd", "slurm-cli", "submitit")

# The jobs cannot import this module: its function travels by value, as a notebook's does.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def square(x: int) -> int:
    """The function every way runs: trivial, so the times are the machinery's."""
    return x * x


# -- the cluster -----------------------------------------------------------------------------


@contextlib.contextmanager
def slurm_turn(wait: float) -> Iterator[None]:
    """Slurm 22.05 up for the benchmark alone: the tests' lock, then `start` unless it is up.

    Stops the cluster afterwards only if it started it, as the test fixtures do.
    """
    with open(LOCK, "a+") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    lock.seek(0)
                    holder = lock.read().strip() or "another process"
                    raise SystemExit(
                        f"Slurm 22.05 is in use ({holder}) after {wait:.0f} s"
                    ) from None
                time.sleep(1)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}, benchmarks/executor.py, since {time.strftime('%H:%M:%S')}")
        lock.flush()
        env = {**os.environ, "MIN_JOB_AGE": MIN_JOB_AGE}
        was_up = subprocess.run([SCRIPT, "status"], env=env, capture_output=True).returncode == 0
        if not was_up:
            started = subprocess.run([SCRIPT, "start"], env=env, capture_output=True, text=True)
            if started.returncode != 0:
                raise SystemExit(f"scripts/local-slurm start failed:\n{started.stderr[-3000:]}")
        try:
            yield
        finally:
            if not was_up:
                subprocess.run([SCRIPT, "stop"], env=env, capture_output=True)


def job_lib() -> str:
    """Copy what the jobs import into the user's home; the `python` command of the facilities."""
    import submitit
    import typing_extensions

    LIB.mkdir(exist_ok=True)
    for package in (Path(cloudpickle.__file__).parent, Path(submitit.__file__).parent):
        target = LIB / package.name
        if not target.exists():
            shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(typing_extensions.__file__, LIB)
    shutil.copy(Path(__file__).with_name("submitit_driver.py"), LIB)
    for path in [LIB, *LIB.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return f"env PYTHONPATH={LIB} {SYSTEM_PYTHON}"


def slurmctld_log() -> Path:
    """Where slurmctld logs (`SlurmctldLogFile`): its lines carry milliseconds."""
    shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True).stdout
    for line in shown.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "SlurmctldLogFile":
            return Path(value.strip())
    raise SystemExit("`scontrol show config` names no SlurmctldLogFile")


LOG_LINE = re.compile(
    r"^\[(?P<at>[^\]]+)\] (?:(?P<submit>_slurm_rpc_submit_batch_job:)"
    r"|(?P<start>sched: Allocate|sched/backfill: _start_job: Started)|(?P<end>_job_complete:))"
    r" JobId=(?P<job>\d+)(?:_\d+\(\d+\))?(?P<rest>.*)$"
)


def slurm_times(log: str) -> dict[str, tuple[float, float, float]]:
    """(submit, first start, last end) of each job or array, in seconds, from slurmctld's log.

    Accounting (`sacct`) has whole seconds, too coarse for jobs that run 0.1 s; slurmctld's
    log has milliseconds: a submit, each allocation, and each job or task `done`.
    """
    events: dict[str, dict[str, list[float]]] = {}
    for line in log.splitlines():
        found = LOG_LINE.match(line)
        if found is None or (found["end"] and not found["rest"].endswith(" done")):
            continue
        at = datetime.datetime.fromisoformat(found["at"]).timestamp()
        kind = "submit" if found["submit"] else "start" if found["start"] else "end"
        events.setdefault(found["job"], {}).setdefault(kind, []).append(at)
    return {
        job: (min(seen["submit"]), min(seen["start"]), max(seen["end"]))
        for job, seen in events.items()
        if {"submit", "start", "end"} <= set(seen)
    }


# -- the three ways --------------------------------------------------------------------------


@dataclass
class Sample:
    way: str
    what: str
    seconds: float
    submit_seconds: float
    jobs: list[str]
    slurm_seconds: float | None = None
    """The job's submit to the end of its last task, from slurmctld's log."""
    queue_seconds: float | None = None
    """The job's submit to its first allocation."""


class Submitit:
    """submitit in its own process, as the cluster's user (`submitit_driver.py`)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, USER, USER)
        clean = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", f"HOME={HOME}"]
        command = [
            "runuser", "-u", USER, "--", *clean, f"PYTHONPATH={LIB}", SYSTEM_PYTHON, "-u",
            str(LIB / "submitit_driver.py"), str(folder), str(TIME_LIMIT_MIN),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.version = json.loads(self._line())["ready"]

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"submitit's driver exited ({self.process.wait()})")
        return line

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._line())
        return answer

    def run(self, what: str, n: int) -> dict[str, Any]:
        """One call (of `n`) or a map (over `range(n)`), timed in the driver."""
        return self.ask({"op": what, "x": n, "n": n})

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(30)


def ours(executor: HPCExecutor, what: str, n: int) -> dict[str, Any]:
    """One call or a map through hpc.executor, timed as the driver times submitit."""
    started = time.perf_counter()
    if what == "one":
        future = executor.submit(square, n)
        submitted = time.perf_counter()
        results = [future.result()]
        futures = [future]
    else:
        mapped = executor.map(square, range(n))
        submitted = time.perf_counter()
        results = list(mapped)
        futures = mapped.futures
    return {
        "seconds": time.perf_counter() - started,
        "submit_seconds": submitted - started,
        "results": results,
        "jobs": [future.job_id or "" for future in futures],
    }


def measure(
    runs: int, calls: int, ways: dict[str, Callable[[str, int], dict[str, Any]]]
) -> list[Sample]:
    """`runs` rounds of one call then a map through every way, the order rotated each round."""
    samples = []
    order = list(ways)
    for run in range(runs):
        turn = order[run % len(order) :] + order[: run % len(order)]
        for what, n in (("one", 7), ("map", calls)):
            expected = [n * n] if what == "one" else [x * x for x in range(n)]
            for way in turn:
                answer = ways[way](what, n)
                if answer["results"] != expected:
                    raise SystemExit(f"{way} {what}: wrong results {answer['results']}")
                sample = Sample(
                    way, what, answer["seconds"], answer["submit_seconds"], answer["jobs"]
                )
                print(f"run {run + 1} {what:>3} {way:<10} {sample.seconds:6.2f} s", flush=True)
                samples.append(sample)
    return samples


def add_slurm_times(samples: list[Sample], log: Path, offset: int) -> None:
    """Slurm's part of each sample, from what slurmctld logged from `offset` on."""
    with open(log, "rb") as source:
        source.seek(offset)
        known = slurm_times(source.read().decode(errors="replace"))
    for sample in samples:
        times = known.get(sample.jobs[0].split("_")[0])
        if times is not None:
            submit, start, end = times
            sample.slurm_seconds, sample.queue_seconds = end - submit, start - submit


# -- the report ------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    way: str
    seconds: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    slurm: list[float] = field(default_factory=list)
    queue: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)


def rows(samples: list[Sample]) -> list[Row]:
    found: dict[tuple[str, str], Row] = {}
    for sample in samples:
        row = found.setdefault((sample.what, sample.way), Row(sample.what, sample.way))
        row.seconds.append(sample.seconds)
        row.submit.append(sample.submit_seconds)
        if sample.slurm_seconds is not None and sample.queue_seconds is not None:
            row.slurm.append(sample.slurm_seconds)
            row.queue.append(sample.queue_seconds)
    return list(found.values())


def table(found: list[Row], calls: int) -> str:
    anchors = {row.what: row.p50 for row in found if row.way == "submitit"}
    lines = [
        "| what | way | p50 s | ratio to submitit | submit call p50 s | Slurm: submit→end p50 s "
        "| Slurm: queue wait p50 s | rest (client side) p50 s | every run, s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    names = {"one": "one call", "map": f"map of {calls} (one array)"}

    def p50(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}" if values else "n/a"

    for row in found:
        ratio = row.p50 / anchors[row.what] if anchors.get(row.what) else float("nan")
        rest = (
            p50([s - q for s, q in zip(row.seconds, row.slurm, strict=True)])
            if len(row.slurm) == len(row.seconds)
            else "n/a"
        )
        every = ", ".join(f"{s:.2f}" for s in row.seconds)
        lines.append(
            f"| {names[row.what]} | {row.way} | {row.p50:.2f} | {ratio:.2f} | {p50(row.submit)} "
            f"| {p50(row.slurm)} | {p50(row.queue)} | {rest} | {every} |"
        )
    return "\n".join(lines)


def slurm_config() -> str:
    """The scheduler settings that set the pace of a job's start and end."""
    shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True).stdout
    keep = ("SchedulerType", "SchedulerParameters", "MinJobAge", "KillWait", "SLURM_VERSION")
    wanted = [
        line.split("=", 1) for line in shown.splitlines() if line.split("=")[0].strip() in keep
    ]
    return ", ".join(f"{key.strip()}={value.strip()}" for key, value in wanted)


NOTES = """\
How to read it: a ratio is our p50 over submitit's p50 in the same run (below 1: faster than
submitit). "submit call" is the time until `submit`/`map` returned (ours: pickle, upload through
the files API, the job submitted and read back by the server; submitit: pickle to its folder,
`sbatch`). "Slurm: submit→end" is, from slurmctld's log (milliseconds), the job's (or array's)
submit to the end of its last task; "queue wait" the submit to its first allocation. "rest" is
the wall time minus Slurm's part: what the client adds before the submit reaches Slurm and after
the last task ended. Ours notices an end at the facility's poll interval (1 s here, the tests'
value; the executor polls every `poll_interval`, clamped to 0.5 to 5 s), then lists the call
directory and downloads each result through the server; submitit looks for its result file
every second (`Job.wait`), without asking Slurm while results appear.
"""


def report(found: list[Row], args: argparse.Namespace, facts: dict[str, str]) -> str:
    info = {**machine(), **facts}
    header = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return (
        "# hpc.executor vs submitit on a real Slurm 22.05 (issue 17)\n\n"
        "Produced by `benchmarks/executor.py` (see `benchmarks/README.md`): "
        f"{args.runs} runs, interleaved (the order of the three ways rotated each run); a map "
        f"of {args.calls} calls. Jobs of every way run as `{USER}` with the system's Python; "
        "the server (root) runs them through its two facilities, submitit runs as "
        f"`{USER}` (`runuser`). Other helpers' work shared the 2 cores: compare ratios.\n\n"
        f"{table(found, args.calls)}\n\n{NOTES}\n## Machine\n\n{header}\n"
    )


# -- running it ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    # 20 calls take about 25 s a map on the 2-CPU test node (Slurm's pace): 3 runs x 3 ways
    # would be 5 minutes; 10 keeps a full run near 3
    parser.add_argument("--calls", type=int, default=10, help="calls in the map (N)")
    parser.add_argument("--lock-wait", type=float, default=600.0, help="seconds to wait for Slurm")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-results", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print each sample as JSON")
    parser.add_argument("--python", default=default_python(), help="the server's Python")
    return parser.parse_args(argv)


def facilities(python: str) -> dict[str, object]:
    common = {
        "files": {"kind": "local", "root": str(HOME)},
        "python": python,
        "poll_interval": POLL_INTERVAL,
    }
    return {
        "slurmrestd": {
            "kind": "slurmrestd",
            "url": "http://127.0.0.1:6820",
            "user": USER,
            "token": {"command": f"scontrol token username={USER} lifespan=3600"},
            **common,
        },
        "slurm-cli": {
            "kind": "slurm-cli",
            "user": USER,
            "prefix": ["runuser", "-u", USER, "--"],
            **common,
        },
    }


def executor_of(client: HPCClient, facility: str) -> HPCExecutor:
    """An executor whose call directory the jobs' user owns (the server runs as root)."""
    hpc: HPC = connect(facility, client=client)
    executor = hpc.executor(time_limit=str(TIME_LIMIT_MIN))
    hpc.chown(executor.directory, USER)
    return executor


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("benchmarks/executor.py starts the local Slurm and needs root", file=sys.stderr)
        return 1
    with (
        slurm_turn(args.lock_wait),
        tempfile.TemporaryDirectory(prefix="hpc-bench-") as temp,
    ):
        python = job_lib()
        work = Path(temp)
        folder = HOME / ".executor-bench-submitit" / work.name
        with (
            jupyter_server(work, args.python, facilities(python)) as server,
            HPCClient(server.url, auth_header=("Authorization", f"token {server.token}")) as client,
        ):
            executors = {way: executor_of(client, way) for way in WAYS[:2]}
            anchor = Submitit(folder)
            try:
                ways: dict[str, Callable[[str, int], dict[str, Any]]] = {
                    way: functools.partial(ours, ex) for way, ex in executors.items()
                }
                ways["submitit"] = anchor.run
                # a first call each, not measured: our probe job, submitit's first import
                warm = {way: round(ways[way]("one", 1)["seconds"], 2) for way in ways}
                print(f"warm-up (probe included) {warm}", flush=True)
                log = slurmctld_log()
                offset = log.stat().st_size
                samples = measure(args.runs, args.calls, ways)
            finally:
                anchor.close()
                for executor in executors.values():
                    executor.shutdown(wait=False)
                    # its call directory, on this host (the facilities' files are local)
                    shutil.rmtree(executor.directory, ignore_errors=True)
                shutil.rmtree(folder, ignore_errors=True)
        add_slurm_times(samples, log, offset)
        facts = {
            "slurm": slurm_config(),
            "submitit": anchor.version,
            "warm-up call, s (ours: with the probe job)": json.dumps(warm),
            "load at the end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        }
    found = rows(samples)
    print(table(found, args.calls))
    if args.json:
        for sample in samples:
            print(json.dumps(sample.__dict__))
    if not args.no_results:
        args.results.write_text(report(found, args, facts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
