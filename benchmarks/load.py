"""Many clients at once on the local facility: latency, errors, memory, files, jobs lost or doubled.

Starts `python -m jupyter_server` with only hpc-jupyter (a temporary root, data dir and token,
on 127.0.0.1), seeds the root with a directory of small files, then runs N concurrent clients
(asyncio, one httpx connection each) for S seconds. Each client loops over a weighted mix:
directory listings, stats, small reads, job listings, submits (each with a unique job name),
and Jupyter's own `GET /api/status` as the anchor. Afterwards every submitted job is looked up
by name in the job listing: a job answered 201 but not listed is lost, one listed twice is
doubled. The server's RSS and open file descriptors are read from /proc before and after.

    .venv/bin/python benchmarks/load.py                                # 200 clients, 60 s
    .venv/bin/python benchmarks/load.py --clients 5 --seconds 3 --json --no-results
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from upload_download import REPO, Server, default_python, jupyter_server, machine, rss_bytes

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "load.md"
F = "/hpc/api/facilities/local"
FILES = 50
MIX = [  # (operation, weight)
    ("list", 25),
    ("stat", 25),
    ("read", 25),
    ("jobs", 15),
    ("submit", 5),
    ("anchor", 5),
]
SCRIPT = "#!/bin/bash\ntrue\n"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)

    def record(self, op: str, seconds: float, problem: str | None) -> None:
        self.latencies.setdefault(op, []).append(seconds)
        if problem is not None:
            self.errors[op] = self.errors.get(op, 0) + 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{op}: {problem}")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def seed(root: Path) -> None:
    data = root / "data"
    data.mkdir()
    for n in range(FILES):
        (data / f"f{n:03}.txt").write_text(f"line {n}\n" * 20)


async def request(client: httpx.AsyncClient, server: Server, op: str, rng: random.Random) -> str:
    """One operation; the job name for a submit, else ''. Raises on any error answer."""
    name = f"f{rng.randrange(FILES):03}.txt"
    if op == "list":
        response = await client.get(f"{F}/files", params={"path": "data"})
    elif op == "stat":
        response = await client.get(f"{F}/files/stat", params={"path": f"data/{name}"})
    elif op == "read":
        response = await client.get(f"{F}/files/content", params={"path": f"data/{name}"})
    elif op == "jobs":
        response = await client.get(f"{F}/jobs")
    elif op == "submit":
        job = f"load-{uuid.uuid4().hex[:12]}"
        response = await client.post(f"{F}/jobs", json={"script": SCRIPT, "name": job})
        response.raise_for_status()
        return job
    else:
        response = await client.get("/api/status")
    response.raise_for_status()
    return ""


async def one_client(server: Server, seconds: float, tally: Tally, number: int) -> None:
    rng = random.Random(number)
    ops, weights = zip(*MIX, strict=True)
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            op = rng.choices(ops, weights)[0]
            started = time.perf_counter()
            problem = None
            try:
                job = await request(client, server, op, rng)
                if job:
                    tally.submitted.append(job)
            except httpx.HTTPStatusError as error:
                problem = f"{error.response.status_code} {error.response.text[:200]}"
            except httpx.HTTPError as error:
                problem = repr(error)[:200]
            tally.record(op, time.perf_counter() - started, problem)


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def job_names(server: Server) -> list[str]:
    listing = httpx.get(f"{server.url}{F}/jobs", headers=server.headers, timeout=60)
    listing.raise_for_status()
    return [job["name"] for job in listing.json()["jobs"]]


@dataclass
class Result:
    clients: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_op: dict[str, dict[str, float]]
    rss_before_mib: float
    rss_after_mib: float
    open_files_before: int
    open_files_after: int
    jobs_submitted: int
    jobs_lost: int
    jobs_doubled: int
    error_samples: list[str]


def run(server: Server, clients: int, seconds: float, settle: float) -> Result:
    pid = server.process.pid
    rss_before, files_before = rss_bytes(pid), open_files(pid)
    tally = Tally()

    async def everyone() -> None:
        await asyncio.gather(*(one_client(server, seconds, tally, n) for n in range(clients)))

    asyncio.run(everyone())
    # The server lists a job once it has recorded it; give the watcher a poll or two.
    deadline = time.monotonic() + settle
    names = job_names(server)
    while set(tally.submitted) - set(names) and time.monotonic() < deadline:
        time.sleep(1)
        names = job_names(server)
    rss_after, files_after = rss_bytes(pid), open_files(pid)
    ordered = sorted(x for values in tally.latencies.values() for x in values)
    per_op = {}
    anchor = statistics.median(tally.latencies.get("anchor", [0.0]))
    for op, values in sorted(tally.latencies.items()):
        median = statistics.median(values)
        per_op[op] = {
            "requests": len(values),
            "errors": tally.errors.get(op, 0),
            "p50_ms": median * 1000,
            "p95_ms": percentile(sorted(values), 0.95),
            "p50_vs_anchor": median / anchor if anchor else 0.0,
        }
    counts = {name: names.count(name) for name in tally.submitted}
    return Result(
        clients=clients,
        seconds=seconds,
        requests=len(ordered),
        errors=sum(tally.errors.values()),
        p50_ms=percentile(ordered, 0.50),
        p95_ms=percentile(ordered, 0.95),
        p99_ms=percentile(ordered, 0.99),
        per_op=per_op,
        rss_before_mib=rss_before / 2**20,
        rss_after_mib=rss_after / 2**20,
        open_files_before=files_before,
        open_files_after=files_after,
        jobs_submitted=len(tally.submitted),
        jobs_lost=sum(1 for count in counts.values() if count == 0),
        jobs_doubled=sum(1 for count in counts.values() if count > 1),
        error_samples=tally.error_samples,
    )


def report(r: Result, info: dict[str, str]) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    ops = "\n".join(
        f"| {op} | {v['requests']:.0f} | {v['errors']:.0f} | {v['p50_ms']:.1f} "
        f"| {v['p95_ms']:.1f} | {v['p50_vs_anchor']:.1f} |"
        for op, v in r.per_op.items()
    )
    samples = "\n".join(f"- `{sample}`" for sample in r.error_samples) or "- none"
    return (
        "# Load on the local facility through /hpc/api\n\n"
        "Produced by `benchmarks/load.py` (see `benchmarks/README.md`): a real `jupyter server`\n"
        f"with only hpc-jupyter, on 127.0.0.1; {r.clients} concurrent clients (asyncio + httpx,\n"
        f"in one process on the same machine) for {r.seconds:g} s, each looping over a weighted\n"
        "mix; `anchor` is Jupyter's own `GET /api/status`, the cheapest authenticated route.\n\n"
        "| requests | errors | p50 ms | p95 ms | p99 ms | RSS before MiB | RSS after MiB "
        "| open files before | open files after | jobs submitted | lost | doubled |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {r.requests} | {r.errors} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} "
        f"| {r.rss_before_mib:.1f} | {r.rss_after_mib:.1f} | {r.open_files_before} "
        f"| {r.open_files_after} | {r.jobs_submitted} | {r.jobs_lost} | {r.jobs_doubled} |\n\n"
        "| operation | requests | errors | p50 ms | p95 ms | p50 / anchor p50 |\n"
        "|---|---:|---:|---:|---:|---:|\n"
        f"{ops}\n\n"
        f"Errors (first ten):\n\n{samples}\n\n"
        f"## Machine\n\n{facts}\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--settle", type=float, default=30.0, help="seconds to wait for jobs to be listed"
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-results", action="store_true", help="do not write a report")
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    parser.add_argument("--python", default=default_python(), help="the server's Python")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    facilities = {"local": {"kind": "local", "max_running": os.cpu_count() or 1}}
    with tempfile.TemporaryDirectory(prefix="hpc-load-") as temp:
        work = Path(temp)
        with jupyter_server(work, args.python, facilities) as server:
            seed(server.root)
            result = run(server, args.clients, args.seconds, args.settle)
    print(
        f"{result.requests} requests, {result.errors} errors, p50 {result.p50_ms:.1f} ms, "
        f"p95 {result.p95_ms:.1f} ms, p99 {result.p99_ms:.1f} ms; jobs {result.jobs_submitted} "
        f"submitted, {result.jobs_lost} lost, {result.jobs_doubled} doubled"
    )
    if args.json:
        print(json.dumps(asdict(result)))
    if not args.no_results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(report(result, machine()))
        print(f"results written to {args.results}")
    clean = result.errors == 0 and result.jobs_lost == 0 and result.jobs_doubled == 0
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
