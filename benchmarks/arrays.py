"""Job arrays and chains on the local facility, against what a user would otherwise do.

    .venv/bin/python benchmarks/arrays.py                   # 1,000 tasks, 3 runs; results/arrays.md
    .venv/bin/python benchmarks/arrays.py --tasks 20 --runs 1 --no-results   # does it run?

(a) **An array against a loop.** Submitting N tasks as one array (`POST .../jobs` with
`array: 0-(N-1)`, one request) against N single jobs in a loop of N requests (what a script
does without arrays), and cancelling them: one `DELETE` of the array against N `DELETE`s. The
tasks wait (`afterok` on a job that sleeps), so what is timed is the submission and the
cancel, not the machine running N jobs.

(b) **A chain against waiting in the notebook.** Job B after job A: with `depends_on` (the
facility starts B when A has completed) against the kernel waiting for A (`JobHandle.wait`,
through the server's job events) and then submitting B. The figure is the gap from A's end to
B's start, as the facility recorded both.

Each run does both ways, in turn, on one server; ratios are ours over the anchor's (time: below
1 is faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from upload_download import REPO, Server, default_python, jupyter_server, machine

sys.path.insert(0, str(REPO))

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient

JOBS = "/hpc/api/facilities/local/jobs"
WAIT = "#!/bin/bash\n#SBATCH --job-name=bench-task\ntrue\n"
RESULTS = Path(__file__).resolve().parent / "results" / "arrays.md"


@dataclass
class Runs:
    """The seconds each way took, run by run."""

    array_submit: list[float] = field(default_factory=list)
    loop_submit: list[float] = field(default_factory=list)
    array_cancel: list[float] = field(default_factory=list)
    loop_cancel: list[float] = field(default_factory=list)
    chain_gap: list[float] = field(default_factory=list)
    wait_gap: list[float] = field(default_factory=list)


def api(server: Server) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"token {server.token}"}, timeout=120
    )


def submit(http: httpx.Client, body: dict[str, Any]) -> str:
    answer = http.post(JOBS, json=body)
    answer.raise_for_status()
    job_id: str = answer.json()["id"]
    return job_id


def blocker(http: httpx.Client) -> str:
    """A job that sleeps: what the measured tasks wait for (so none of them runs)."""
    return submit(http, {"script": "#!/bin/bash\nsleep 600\n", "name": "bench-blocker"})


def array_way(http: httpx.Client, tasks: int, runs: Runs) -> None:
    held = blocker(http)
    started = time.perf_counter()
    array = submit(
        http, {"script": WAIT, "array": f"0-{tasks - 1}", "depends_on": [held], "time_limit": 60}
    )
    runs.array_submit.append(time.perf_counter() - started)
    started = time.perf_counter()
    http.delete(f"{JOBS}/{array}").raise_for_status()
    runs.array_cancel.append(time.perf_counter() - started)
    http.delete(f"{JOBS}/{held}")
    left = [job for job in listed(http) if job.get("array_job_id") == array]
    states = {job["state"] for job in left}
    if states != {"CANCELLED"}:  # a task left behind would make the figure a lie
        raise RuntimeError(f"array {array} after its cancel: {sorted(states)}")


def loop_way(http: httpx.Client, tasks: int, runs: Runs) -> None:
    held = blocker(http)
    body = {"script": WAIT, "depends_on": [held], "time_limit": 60}
    started = time.perf_counter()
    ids = [submit(http, body) for _ in range(tasks)]
    runs.loop_submit.append(time.perf_counter() - started)
    started = time.perf_counter()
    for job_id in ids:
        http.delete(f"{JOBS}/{job_id}").raise_for_status()
    runs.loop_cancel.append(time.perf_counter() - started)
    http.delete(f"{JOBS}/{held}")


def listed(http: httpx.Client) -> list[dict[str, Any]]:
    answer = http.get(JOBS)
    answer.raise_for_status()
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


def gap(http: httpx.Client, first: str, then: str) -> float:
    """Seconds from `first`'s end to `then`'s start, as the facility recorded them."""
    deadline = time.monotonic() + 120
    while True:
        after = http.get(f"{JOBS}/{then}").json()
        if after["start_time"] is not None:
            before = http.get(f"{JOBS}/{first}").json()
            if before["state"] != "COMPLETED":
                raise RuntimeError(f"job {then} started, {first} is {before['state']}")
            return float(after["start_time"]) - float(before["end_time"])
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {then} did not start: {after['state']} {after['reason']}")
        time.sleep(0.05)


def chain_way(http: httpx.Client, runs: Runs) -> None:
    first = submit(http, {"script": "#!/bin/bash\nsleep 1\n", "name": "bench-a"})
    then = submit(http, {"script": "#!/bin/bash\ntrue\n", "name": "bench-b", "depends_on": [first]})
    runs.chain_gap.append(gap(http, first, then))


def wait_way(http: httpx.Client, server: Server, runs: Runs) -> None:
    auth = ("Authorization", f"token {server.token}")
    with HPCClient(server.url, auth_header=auth) as client:
        hpc = connect("local", client=client)
        first = hpc.submit("#!/bin/bash\nsleep 1\n", name="bench-a")
        first.wait(timeout=120)
        then = hpc.submit("#!/bin/bash\ntrue\n", name="bench-b")
    runs.wait_gap.append(gap(http, first.id, then.id))


def p50(values: list[float]) -> float:
    return statistics.median(values)


def report(runs: Runs, tasks: int, info: dict[str, str]) -> str:
    rows = [
        (
            "submit",
            "one array request",
            "a loop of single jobs",
            runs.array_submit,
            runs.loop_submit,
        ),
        (
            "cancel",
            "one DELETE of the array",
            "a DELETE per job",
            runs.array_cancel,
            runs.loop_cancel,
        ),
    ]
    lines = [
        "# Job arrays and chains (local facility)",
        "",
        f"Written by `benchmarks/arrays.py` ({len(runs.array_submit)} runs, interleaved).",
        "",
        f"## (a) {tasks} tasks: an array against a loop",
        "",
        "| what | ours | anchor | ours p50 | anchor p50 | ratio (ours / anchor) |",
        "|---|---|---|---|---|---|",
    ]
    for what, ours, anchor, mine, theirs in rows:
        lines.append(
            f"| {what} | {ours} | {anchor} | {p50(mine):.3f} s | {p50(theirs):.3f} s "
            f"| {p50(mine) / p50(theirs):.3f} |"
        )
    lines += [
        "",
        "## (b) job B after job A: the gap from A's end to B's start",
        "",
        "| ours: `depends_on` | anchor: `wait()` in the kernel, then submit "
        "| ratio (ours / anchor) |",
        "|---|---|---|",
        f"| {p50(runs.chain_gap):.3f} s | {p50(runs.wait_gap):.3f} s "
        f"| {p50(runs.chain_gap) / p50(runs.wait_gap):.2f} |",
        "",
        "Every run, in seconds: "
        + "; ".join(
            f"{name} {', '.join(f'{v:.3f}' for v in values)}" for name, values in vars(runs).items()
        ),
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000, help="tasks per array (1,000 at most)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each way, interleaved")
    parser.add_argument("--python", default=default_python(), help="the server's Python")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the report goes")
    parser.add_argument("--no-results", action="store_true", help="write no report")
    parser.add_argument("--json", action="store_true", help="also print the runs as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs = Runs()
    with (
        tempfile.TemporaryDirectory(prefix="hpc-bench-arrays-") as work,
        jupyter_server(Path(work), args.python) as server,
        api(server) as http,
    ):
        for _ in range(args.runs):
            array_way(http, args.tasks, runs)
            loop_way(http, args.tasks, runs)
            chain_way(http, runs)
            wait_way(http, server, runs)
    text = report(runs, args.tasks, machine())
    print(text)
    if args.json:
        print(json.dumps({"tasks": args.tasks, "runs": vars(runs)}))
    if not args.no_results:
        args.results.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
