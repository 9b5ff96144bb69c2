"""Hot job listings: per-request latency, server CPU under many pollers, and open Lab panels.

Starts `python -m jupyter_server` with only hpc-jupyter (as `upload_download.py` does) and its
`local` facility, seeds the facility's job store with N finished jobs, and measures:

(a) one client, `GET .../jobs` of N jobs: the full answer and the conditional one (`304`),
    interleaved with the anchor: the same N jobs as slurmrestd 24.11 `GET /slurm/v0.0.42/jobs/`
    answers them (a recorded answer scaled to N jobs) served from memory by a plain static
    HTTP server in its own process, what "direct slurmrestd" costs at best;
(b) C clients each polling once a second on a 1,000-job listing, with and without
    `If-None-Match`: the server's CPU time (utime + stime from /proc) per second of wall time;
(c) P simulated Lab panels, each with the event websocket (`/api/events/subscribe`) and a
    conditional poll of the listing: the server's CPU for websockets alone (the anchor), then
    with polls at the panel's fallback interval while events flow, then at the facility pace.

    .venv/bin/python benchmarks/hot_listing.py                       # writes results/hot_listing.md
    .venv/bin/python benchmarks/hot_listing.py --jobs 20 --rounds 5 --clients 5 --panels 3 \\
        --seconds 2 --json --no-results                              # quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.server
import json
import os
import random
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from upload_download import REPO, Server, default_python, free_port, jupyter_server, machine

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "hot_listing.md"
SAMPLE = REPO / "benchmarks" / "data" / "slurmrestd-24.11-v0.0.42-jobs.json"
JOBS = "/hpc/api/facilities/local/jobs"
POLL_INTERVAL = 5.0
"""The local facility's poll interval here (the panel's pace without events)."""
PANEL_FALLBACK = 30.0
"""The Lab panel's poll interval while the event stream is at hand (monitor.ts)."""


# -- the anchor: slurmrestd's answer for N jobs, from a static server --------------------------


def slurmrestd_body(jobs: int) -> bytes:
    """The recorded `GET /slurm/v0.0.42/jobs/` answer with its jobs repeated to `jobs` jobs."""
    sample = json.loads(SAMPLE.read_text())
    recorded = sample["jobs"]
    scaled = []
    for n in range(jobs):
        job = dict(recorded[n % len(recorded)])
        job["job_id"] = 1000 + n
        scaled.append(job)
    return json.dumps({**sample, "jobs": scaled}).encode()


def serve_static(path: str, port: int) -> None:
    """Serve the bytes of `path` for any GET, HTTP/1.1 keep-alive, until killed."""
    body = Path(path).read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Threading(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    Threading(("127.0.0.1", port), Handler).serve_forever()


@contextlib.contextmanager
def static_server(work: Path, python: str, body: bytes) -> Iterator[str]:
    """A plain static HTTP server in its own process answering `body`; yields its URL."""
    path = work / f"anchor-{len(body)}.json"
    path.write_bytes(body)
    port = free_port()
    process = subprocess.Popen(
        [python, __file__, "--serve-static", str(path), str(port)],
        cwd=REPO / "benchmarks",
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/slurm/v0.0.42/jobs/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


# -- the server's jobs ----------------------------------------------------------------------


def seed_jobs(server: Server, jobs: int) -> None:
    """Record `jobs` finished jobs in the local facility's store (as the server would)."""
    store = server.root.parent / "hpc-data" / "local" / "jobs.sqlite"
    root = os.path.realpath(server.root)
    now = time.time()
    rows = [
        (
            f"bench-{n}",
            "COMPLETED",
            "bench",
            root,
            f"{root}/slurm-{n}.out",
            f"{root}/slurm-{n}.out",
            3600,
            now - 600 + n * 0.01,
            now - 500,
            now - 400,
            0,
            root,
        )
        for n in range(jobs)
    ]
    with contextlib.closing(sqlite3.connect(store, timeout=30)) as db, db:
        db.execute("DELETE FROM jobs")
        db.executemany(
            "INSERT INTO jobs (name, state, user, workdir, stdout, stderr, time_limit,"
            " submit_time, start_time, end_time, exit_code, root)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def listing(server: Server, jobs: int, interval: float) -> httpx.Response:
    """The listing once it holds `jobs` jobs (the watcher lists again each interval)."""
    deadline = time.monotonic() + 3 * interval + 10
    while True:
        response = httpx.get(server.url + JOBS, headers=server.headers, timeout=60)
        response.raise_for_status()
        if len(response.json()["jobs"]) == jobs or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid`, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


# -- (a) one client -------------------------------------------------------------------------


@dataclass
class Latency:
    jobs: int
    listed: int
    body_bytes: int
    anchor_bytes: int
    anchor_p50_ms: float
    anchor_p95_ms: float
    full_p50_ms: float
    full_p95_ms: float
    not_modified_p50_ms: float
    not_modified_p95_ms: float
    full_ratio: float
    not_modified_ratio: float
    serialize_once_ms: float
    """What the server spends once per change of the listing: to_dict + json.dumps."""


def serialize_cost(jobs: int, rounds: int = 5) -> float:
    """The time to serialize a listing of `jobs` jobs once (in this process), in ms."""
    sys.path.insert(0, str(REPO))
    from hpc_jupyter.models import Job, JobListing, JobState
    from hpc_jupyter.payload import Payload

    listed = JobListing(
        tuple(
            Job(
                id=str(n),
                name=f"bench-{n}",
                state=JobState.COMPLETED,
                raw_state="COMPLETED",
                facility="local",
                system="localhost",
                user="bench",
                time_limit=3600,
                exit_code=0,
                submit_time=1.0,
                workdir="/w",
                stdout="/w/o",
                stderr="/w/o",
            )
            for n in range(jobs)
        )
    )
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        Payload.of(listed.to_dict())
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def one_client(server: Server, anchor: str, jobs: int, rounds: int, interval: float) -> Latency:
    first = listing(server, jobs, interval)
    etag = first.headers["ETag"]
    timings: dict[str, list[float]] = {"anchor": [], "full": [], "304": []}
    sizes = {"anchor": 0, "full": len(first.content)}
    conditional = {**server.headers, "If-None-Match": etag}
    with httpx.Client(timeout=60) as client:
        for _ in range(rounds):  # interleaved: anchor, full, conditional
            for kind, url, headers in (
                ("anchor", anchor, {}),
                ("full", server.url + JOBS, server.headers),
                ("304", server.url + JOBS, conditional),
            ):
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                timings[kind].append(time.perf_counter() - started)
                expected = 304 if kind == "304" else 200
                if response.status_code != expected:
                    raise RuntimeError(f"{kind}: HTTP {response.status_code}")
                if kind == "anchor":
                    sizes["anchor"] = len(response.content)
                elif kind == "full" and response.content != first.content:
                    raise RuntimeError("the listing changed during the run")
    anchor_p50 = statistics.median(timings["anchor"])
    return Latency(
        jobs=jobs,
        listed=len(first.json()["jobs"]),
        body_bytes=sizes["full"],
        anchor_bytes=sizes["anchor"],
        anchor_p50_ms=anchor_p50 * 1000,
        anchor_p95_ms=ms(timings["anchor"], 0.95),
        full_p50_ms=statistics.median(timings["full"]) * 1000,
        full_p95_ms=ms(timings["full"], 0.95),
        not_modified_p50_ms=statistics.median(timings["304"]) * 1000,
        not_modified_p95_ms=ms(timings["304"], 0.95),
        full_ratio=statistics.median(timings["full"]) / anchor_p50,
        not_modified_ratio=statistics.median(timings["304"]) / anchor_p50,
        serialize_once_ms=serialize_cost(jobs),
    )


# -- (b) many pollers -----------------------------------------------------------------------


@dataclass
class Pollers:
    clients: int
    mode: str
    """`full`, `conditional` (If-None-Match), or `anchor` (Jupyter's `GET /api/status`)."""
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    server_cpu_percent: float
    cpu_ms_per_request: float
    projected_cpu_percent: float
    """The server's CPU at one request a second per client: `clients` x CPU per request."""


async def poll_once_a_second(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], until: float, out: list[float]
) -> int:
    errors = 0
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.get(url, headers=headers)
            if response.status_code not in (200, 304):
                errors += 1
        except httpx.HTTPError:
            errors += 1
        took = time.perf_counter() - started
        out.append(took)
        await asyncio.sleep(max(0.0, 1.0 - took))
    return errors


def pollers(server: Server, clients: int, seconds: float, mode: str) -> Pollers:
    etag = httpx.get(server.url + JOBS, headers=server.headers, timeout=60).headers["ETag"]
    conditional = mode == "conditional"
    headers = {**server.headers, **({"If-None-Match": etag} if conditional else {})}
    url = server.url + ("/api/status" if mode == "anchor" else JOBS)
    latencies: list[float] = []

    async def everyone() -> list[int]:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            until = time.monotonic() + seconds
            tasks = []
            for _ in range(clients):  # spread over the first second, as real pollers are
                tasks.append(
                    asyncio.create_task(poll_once_a_second(client, url, headers, until, latencies))
                )
                await asyncio.sleep(1.0 / clients)
            return await asyncio.gather(*tasks)

    cpu, wall = cpu_seconds(server.process.pid), time.monotonic()
    errors = sum(asyncio.run(everyone()))
    cpu, wall = cpu_seconds(server.process.pid) - cpu, time.monotonic() - wall
    per_request = cpu / max(1, len(latencies))
    return Pollers(
        clients=clients,
        mode=mode,
        seconds=wall,
        requests=len(latencies),
        errors=errors,
        p50_ms=ms(latencies, 0.5),
        p95_ms=ms(latencies, 0.95),
        server_cpu_percent=100 * cpu / wall,
        cpu_ms_per_request=per_request * 1000,
        projected_cpu_percent=100 * per_request * clients,
    )


# -- (c) open Lab panels --------------------------------------------------------------------


@dataclass
class Panels:
    panels: int
    phase: str
    poll_interval: float | None
    seconds: float
    polls: int
    not_modified: int
    server_cpu_percent: float


async def panel(
    server: Server,
    interval: float | None,
    until: float,
    tally: dict[str, int],
    rng: random.Random,
) -> None:
    """One Lab panel: the event websocket, and a conditional poll each `interval` (None: none)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws_url = server.url.replace("http", "ws", 1) + "/api/events/subscribe"
    socket = await websocket_connect(HTTPRequest(ws_url, headers=server.headers))
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            # The listing as the panel opens (before the measured span), then its polls, each
            # panel at its own phase of the interval, as panels opened at any time are.
            first = await client.get(JOBS, headers=server.headers)
            etag = first.headers["ETag"]
            if interval is None:
                await asyncio.sleep(max(0.0, until - time.monotonic()))
                return
            due = time.monotonic() + rng.uniform(0, interval)
            while True:
                await asyncio.sleep(max(0.0, min(due, until) - time.monotonic()))
                if time.monotonic() >= until:
                    break
                headers = {**server.headers, "If-None-Match": etag}
                response = await client.get(JOBS, headers=headers)
                tally["polls"] += 1
                tally["not_modified"] += response.status_code == 304
                etag = response.headers.get("ETag", etag)
                due += interval
    finally:
        socket.close()


def panels(
    server: Server, count: int, seconds: float, phase: str, interval: float | None
) -> Panels:
    tally = {"polls": 0, "not_modified": 0}
    rng = random.Random(count)

    async def everyone() -> float:
        until = time.monotonic() + seconds + 1.5
        tasks = []
        for _ in range(count):  # opened over a second; each then polls at its own phase
            tasks.append(asyncio.create_task(panel(server, interval, until, tally, rng)))
            await asyncio.sleep(1.0 / count)
        # Measured from when all are open to the end.
        await asyncio.sleep(0.5)
        started = (cpu_seconds(server.process.pid), time.monotonic())
        await asyncio.gather(*tasks)
        cpu = cpu_seconds(server.process.pid) - started[0]
        return 100 * cpu / (time.monotonic() - started[1])

    percent = asyncio.run(everyone())
    return Panels(
        panels=count,
        phase=phase,
        poll_interval=interval,
        seconds=seconds,
        polls=tally["polls"],
        not_modified=tally["not_modified"],
        server_cpu_percent=percent,
    )


# -- the run and its report -----------------------------------------------------------------


@dataclass
class Result:
    latency: list[Latency] = field(default_factory=list)
    pollers: list[Pollers] = field(default_factory=list)
    panels: list[Panels] = field(default_factory=list)
    load_note: str = ""


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return Path("/proc/loadavg").read_text().split(" ", 3)[0]
    return "unknown"


def report(result: Result, info: dict[str, str], args: argparse.Namespace) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    latency = "\n".join(
        f"| {r.jobs} | {r.listed} | {r.body_bytes:,} | {r.anchor_bytes:,} | {r.anchor_p50_ms:.2f}"
        f" / {r.anchor_p95_ms:.2f} | {r.full_p50_ms:.2f} / {r.full_p95_ms:.2f} | "
        f"{r.full_ratio:.2f} | {r.not_modified_p50_ms:.2f} / {r.not_modified_p95_ms:.2f} | "
        f"{r.not_modified_ratio:.2f} | {r.serialize_once_ms:.1f} |"
        for r in result.latency
    )
    poll = "\n".join(
        f"| {p.mode} | {p.clients} | {p.requests} | {p.errors} | "
        f"{p.requests / p.seconds:.0f} | {p.p50_ms:.1f} / {p.p95_ms:.1f} | "
        f"{p.server_cpu_percent:.1f} % | {p.cpu_ms_per_request:.2f} | "
        f"{p.projected_cpu_percent:.0f} % | "
        f"{'met' if p.projected_cpu_percent < 25 else 'missed'} |"
        for p in result.pollers
    )
    anchor_cpu = next((p.server_cpu_percent for p in result.panels if p.phase == "anchor"), 0.0)
    panel_rows = "\n".join(
        f"| {p.phase} | {p.panels} | {'-' if p.poll_interval is None else f'{p.poll_interval:g} s'}"
        f" | {p.polls} | {p.not_modified} | {p.server_cpu_percent:.2f} % | "
        f"{p.server_cpu_percent - anchor_cpu:+.2f} % | "
        f"{'met' if p.server_cpu_percent < 1 else 'missed'} |"
        for p in result.panels
    )
    return (
        "# Hot job listings\n\n"
        "Produced by `benchmarks/hot_listing.py` (see `benchmarks/README.md`): a real\n"
        "`jupyter server` with only hpc-jupyter on 127.0.0.1, its `local` facility's store\n"
        "seeded with N finished jobs, clients (httpx, tornado websockets) in one process on the\n"
        f"same machine. {result.load_note}\n\n"
        "## (a) One client, `GET .../jobs` of N jobs\n\n"
        "Anchor: the same N jobs as slurmrestd 24.11 answers `GET /slurm/v0.0.42/jobs/` (a\n"
        "recorded answer, `benchmarks/data/`, its jobs repeated to N), served from memory by\n"
        "Python's `http.server` (threading, keep-alive) in its own process: what going direct to\n"
        "slurmrestd costs at best, without slurmctld's own work. Interleaved: anchor, full\n"
        f"listing, conditional listing (`If-None-Match` → 304), {args.rounds} rounds. Times are\n"
        "p50 / p95 in ms; the ratio is p50 / the anchor's p50. `serialize once` is what the\n"
        "server spends per change of the listing (to_dict + json.dumps, measured in the\n"
        "benchmark's process), no longer per request.\n\n"
        "| N | listed | body bytes | anchor bytes | anchor ms | full ms | full / anchor "
        "| 304 ms | 304 / anchor | serialize once ms |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"{latency}\n\n"
        "The local facility lists at most 1,000 jobs (its store's `select` limit), so N above\n"
        "1,000 lists 1,000 (`listed`).\n\n"
        f"## (b) {args.clients} clients polling once a second, 1,000-job listing\n\n"
        "Modes: `full` (no `If-None-Match`), `conditional` (the listing's tag: 304s, as a\n"
        "Lab panel polls), `anchor` (Jupyter's own `GET /api/status`, its cheapest\n"
        "authenticated route: the floor of any request). Server CPU is its process's utime +\n"
        "stime over the run's wall time (100 % = one core). The clients, one Python process on\n"
        "the same 2 cores, cannot send 500 requests a second (compare `req/s`; their latency is\n"
        "their own queueing), so the server's CPU per request is projected to 1 req/s per\n"
        "client. Target: under 25 %.\n\n"
        "| mode | clients | requests | errors | req/s | p50 / p95 ms "
        "| server CPU | CPU ms / request | projected at 1 req/s each | target |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        f"{poll}\n\n"
        f"## (c) {args.panels} open Lab panels\n\n"
        "Each panel: the event websocket (`/api/events/subscribe`) and, but in the anchor\n"
        f"phase, a conditional poll of the listing: every {PANEL_FALLBACK:g} s (the panel's\n"
        f"fallback while events flow, monitor.ts) or every {POLL_INTERVAL:g} s (the facility's\n"
        "pace, as the panel polled before). Server CPU over the phase, and its excess over the\n"
        "websockets-only anchor (which includes the server's idle cost). Target: under 1 %.\n\n"
        "| phase | panels | poll | polls | 304s | server CPU | over anchor | target |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
        f"{panel_rows}\n\n"
        f"## Machine\n\n{facts}\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[50, 1000, 5000])
    parser.add_argument("--rounds", type=int, default=40, help="(a): interleaved rounds")
    parser.add_argument("--clients", type=int, default=500, help="(b): pollers")
    parser.add_argument("--panels", type=int, default=100, help="(c): open panels")
    parser.add_argument("--seconds", type=float, default=12.0, help="(b), (c): per phase")
    parser.add_argument(
        "--poll-interval", type=float, default=POLL_INTERVAL, help="the facility's, in seconds"
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-results", action="store_true", help="do not write a report")
    parser.add_argument("--json", action="store_true", help="also print the result as JSON")
    parser.add_argument("--python", default=default_python(), help="the server's Python")
    parser.add_argument("--serve-static", nargs=2, metavar=("FILE", "PORT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_static:
        serve_static(args.serve_static[0], int(args.serve_static[1]))
        return 0
    facilities = {"local": {"kind": "local", "poll_interval": args.poll_interval}}
    result = Result()
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="hpc-hot-") as temp:
        work = Path(temp)
        with jupyter_server(work, args.python, facilities) as server:
            for jobs in args.jobs:
                seed_jobs(server, jobs)
                with static_server(work, args.python, slurmrestd_body(jobs)) as anchor:
                    result.latency.append(
                        one_client(server, anchor, jobs, args.rounds, args.poll_interval)
                    )
            big = min(1000, max(args.jobs))
            seed_jobs(server, big)
            listing(server, big, args.poll_interval)
            for mode in ("anchor", "full", "conditional"):
                result.pollers.append(pollers(server, args.clients, args.seconds, mode))
            for phase, interval in (
                ("anchor", None),
                ("events + fallback poll", PANEL_FALLBACK),
                ("facility-pace poll", POLL_INTERVAL),
            ):
                result.panels.append(panels(server, args.panels, args.seconds, phase, interval))
    result.load_note = (
        f"Load average {load_before} before the run and {loadavg()} after, on "
        f"{os.cpu_count()} cores shared with other work: other load was present, so compare "
        "ratios and CPU time rather than milliseconds."
    )
    for r in result.latency:
        print(
            f"N={r.jobs}: full {r.full_p50_ms:.2f} ms ({r.full_ratio:.2f}x anchor), "
            f"304 {r.not_modified_p50_ms:.2f} ms ({r.not_modified_ratio:.2f}x), "
            f"anchor {r.anchor_p50_ms:.2f} ms"
        )
    for p in result.pollers:
        print(
            f"{p.clients} pollers, {p.mode}: server CPU {p.server_cpu_percent:.1f} %, "
            f"{p.cpu_ms_per_request:.2f} ms per request, {p.errors} errors"
        )
    for c in result.panels:
        print(f"{c.panels} panels, {c.phase}: server CPU {c.server_cpu_percent:.2f} %")
    if args.json:
        print(json.dumps(asdict(result)))
    if not args.no_results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(report(result, machine(), args))
        print(f"results written to {args.results}")
    errors = sum(p.errors for p in result.pollers)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
