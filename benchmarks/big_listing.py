"""List a 100,000-entry directory through a real `jupyter server`: first rows, whole, loop stalls.

Starts `python -m jupyter_server` with only hpc-jupyter enabled (as `upload_download.py` does),
fills a directory of its root with N empty files, then, interleaved run after run, times:

- `anchor`: Jupyter's own `GET /api/contents/<dir>` (what JupyterLab's file browser asks for);
- `whole`: `GET /hpc/api/facilities/local/files?path=<dir>`, the whole listing, as old clients ask;
- `first page`: the same with `limit=<page>`, the first rows a file browser shows.

While each request runs, a probe asks `GET /api/status` every 10 ms on its own connection: the
longest probe answer is how long the server's event loop was kept busy (a stall delays every
other request of every user). The server's CPU time (`/proc/<pid>/stat`) is read around each.

    .venv/bin/python benchmarks/big_listing.py                       # 100,000 entries, 2 runs
    .venv/bin/python benchmarks/big_listing.py --entries 2000 --runs 1 --json --no-results
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from upload_download import REPO, Server, default_python, jupyter_server, machine

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "big_listing.md"
PROBE_EVERY = 0.010
CASES = ("anchor", "whole", "first page")


@dataclass
class Sample:
    case: str
    seconds: float
    max_stall_ms: float
    probes: int
    server_cpu_s: float
    entries: int


@dataclass
class Summary:
    case: str
    runs: int
    p50_s: float
    p95_s: float
    ratio_to_anchor: float
    max_stall_ms: float
    probe_idle_p50_ms: float
    probe_idle_max_ms: float
    server_cpu_s: float
    entries: int
    longest_callback_ms: float | None = None
    samples: list[float] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill(directory: Path, count: int) -> None:
    directory.mkdir()
    for number in range(count):
        os.close(os.open(directory / f"f{number:07d}.dat", os.O_CREAT | os.O_WRONLY, 0o644))


async def probe(client: httpx.AsyncClient, url: str, stop: asyncio.Event) -> list[float]:
    """Latencies (s) of `GET /api/status`, one every 10 ms, until `stop`."""
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.get(url)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        await asyncio.sleep(PROBE_EVERY)
    return latencies


async def measure(server: Server, case: str, directory: str, page: int) -> tuple[Sample, bytes]:
    if case == "anchor":
        url, params = f"{server.url}/api/contents/{directory}", {"content": "1"}
    else:
        url = f"{server.url}/hpc/api/facilities/local/files"
        params = {"path": directory} | ({"limit": str(page)} if case == "first page" else {})
    timeout = httpx.Timeout(10.0, read=600.0)
    async with (
        httpx.AsyncClient(headers=server.headers, timeout=timeout) as big,
        httpx.AsyncClient(headers=server.headers, timeout=timeout) as small,
    ):
        await small.get(f"{server.url}/api/status")  # the probe's connection is open already
        stop = asyncio.Event()
        probing = asyncio.create_task(probe(small, f"{server.url}/api/status", stop))
        await asyncio.sleep(0.05)
        cpu = cpu_seconds(server.process.pid)
        started = time.perf_counter()
        response = await big.get(url, params=params)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(server.process.pid) - cpu
        stop.set()
        latencies = await probing
    if response.status_code != 200:
        raise SystemExit(f"{case}: {response.status_code} {response.text[:300]}")
    body = response.content
    listing = json.loads(body)
    count = len(listing["content"] if case == "anchor" else listing["entries"])
    stall = max(latencies) * 1000 if latencies else 0.0
    return Sample(case, seconds, stall, len(latencies), cpu, count), body


async def idle_probe(server: Server, seconds: float = 2.0) -> tuple[float, float]:
    """The probe's median and longest latency (ms) while the server does nothing else.

    The longest is the noise floor of every stall: what the machine's other load alone costs.
    """
    async with httpx.AsyncClient(headers=server.headers) as client:
        stop = asyncio.Event()
        task = asyncio.create_task(probe(client, f"{server.url}/api/status", stop))
        await asyncio.sleep(seconds)
        stop.set()
        latencies = await task
        return statistics.median(latencies) * 1000, max(latencies) * 1000


def check(directory: Path, samples: dict[str, tuple[Sample, bytes]], page: int) -> list[str]:
    """What differs from the directory on disk: names, order, the first page."""
    problems = []
    names = sorted(os.listdir(directory))
    whole = json.loads(samples["whole"][1])
    if [entry["name"] for entry in whole["entries"]] != names:
        problems.append("the whole listing does not name every file, in order")
    first = json.loads(samples["first page"][1])
    if first["entries"] != whole["entries"][:page] or first.get("total") != len(names):
        problems.append("the first page is not the whole listing's first rows")
    if "total" in whole:
        problems.append("the whole listing says `total`: old clients would see a new answer")
    anchor = {item["name"] for item in json.loads(samples["anchor"][1])["content"]}
    if anchor != set(names):
        problems.append("the anchor does not name every file")
    return problems


SLOW_CALLBACK_SITE = """
import asyncio.base_events as base

_init = base.BaseEventLoop.__init__


def __init__(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.slow_callback_duration = {threshold}


base.BaseEventLoop.__init__ = __init__
"""
"""A `sitecustomize` for the server of the debug pass: asyncio logs every callback longer."""
TOOK = re.compile(r"Executing .* took (\d+\.\d+) seconds")


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """`os.environ` with `values` set, as the server started inside inherits it."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def slow_callbacks(args: argparse.Namespace, threshold: float = 0.010) -> dict[str, float]:
    """The longest event-loop callback (ms) of our whole listing and first page, measured by
    asyncio itself (debug mode, callbacks over `threshold` logged) in a second server.

    Unlike the probe, this does not count the machine's other load or the wait for the GIL:
    it is the time one callback held the loop. Debug mode slows the server: no timings here.
    """
    longest = {}
    with tempfile.TemporaryDirectory(prefix="hpc-bench-") as temp:
        work = Path(temp)
        site = work / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SLOW_CALLBACK_SITE.format(threshold=threshold))
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))
        with (
            environment(PYTHONASYNCIODEBUG="1", PYTHONPATH=path),
            jupyter_server(work, args.python) as server,
        ):
            fill(server.root / "big", args.entries)
            for case in ("whole", "first page"):
                mark = len(server.log.read_bytes())
                asyncio.run(measure(server, case, "big", args.page))
                time.sleep(0.2)
                log = server.log.read_bytes()[mark:].decode(errors="replace")
                took = [float(match) * 1000 for match in TOOK.findall(log)]
                longest[case] = max(took, default=threshold * 1000)
    return longest


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(samples: list[Sample], idle: tuple[float, float]) -> list[Summary]:
    anchor = statistics.median(s.seconds for s in samples if s.case == "anchor")
    summaries = []
    for case in CASES:
        mine = [s for s in samples if s.case == case]
        times = [s.seconds for s in mine]
        p50 = statistics.median(times)
        summaries.append(
            Summary(
                case=case,
                runs=len(mine),
                p50_s=p50,
                p95_s=percentile(times, 0.95),
                ratio_to_anchor=p50 / anchor,
                max_stall_ms=max(s.max_stall_ms for s in mine),
                probe_idle_p50_ms=idle[0],
                probe_idle_max_ms=idle[1],
                server_cpu_s=statistics.median(s.server_cpu_s for s in mine),
                entries=mine[0].entries,
                samples=times,
            )
        )
    return summaries


def table(summaries: list[Summary]) -> str:
    lines = [
        "| case | entries answered | runs | p50 s | p95 s | ratio to anchor "
        "| longest probe answer ms | longest loop callback ms | server CPU s (p50) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        callback = "-" if s.longest_callback_ms is None else f"{s.longest_callback_ms:.0f}"
        lines.append(
            f"| {s.case} | {s.entries} | {s.runs} | {s.p50_s:.3f} | {s.p95_s:.3f} "
            f"| {s.ratio_to_anchor:.3f} | {s.max_stall_ms:.0f} | {callback} "
            f"| {s.server_cpu_s:.2f} |"
        )
    return "\n".join(lines)


def report(summaries: list[Summary], args: argparse.Namespace, info: dict[str, str]) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    idle, idle_max = summaries[0].probe_idle_p50_ms, summaries[0].probe_idle_max_ms
    return (
        "# A big directory listing through /hpc/api (local facility)\n\n"
        "Produced by `benchmarks/big_listing.py` (see `benchmarks/README.md`): a real\n"
        f"`jupyter server` with only hpc-jupyter enabled; a directory of {args.entries:,} empty\n"
        f"files; {args.runs} interleaved runs of each case; the first page is {args.page} rows.\n"
        "The longest probe answer is the slowest `GET /api/status` of a probe sent every\n"
        f"10 ms during the request. The same probe for 2 s with the server idle: median\n"
        f"{idle:.1f} ms, longest {idle_max:.0f} ms (what the machine's other load alone costs).\n"
        "The longest loop callback is asyncio's own measure (debug mode, a second server, one\n"
        "request of each; `10` means none over 10 ms): how long one step held the event loop,\n"
        "without the machine's load or the wait for the GIL (`-`: the anchor, not measured).\n"
        "Other processes (up to five developers' tests) shared the machine's 2 cores while this\n"
        f"ran (load average {os.getloadavg()[0]:.1f}): compare ratios, not seconds.\n\n"
        f"{table(summaries)}\n\n"
        f"## Machine\n\n{facts}\n- uname: {' '.join(os.uname())}\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="files in the directory")
    parser.add_argument("--runs", type=int, default=2, help="interleaved runs of each case")
    parser.add_argument("--page", type=int, default=500, help="rows of the first page")
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        help=f"where to write the Markdown report (default: {DEFAULT_RESULTS.relative_to(REPO)})",
    )
    parser.add_argument(
        "--no-debug-pass",
        action="store_true",
        help="skip the second server in asyncio debug mode that times the longest callback",
    )
    parser.add_argument("--no-results", action="store_true", help="do not write a report")
    parser.add_argument("--json", action="store_true", help="also print results as JSON lines")
    parser.add_argument(
        "--python", default=default_python(), help="the Python that runs jupyter server"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.entries <= args.page or args.runs < 1:
        raise SystemExit("--entries must be more than --page, and --runs at least 1")
    samples: list[Sample] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hpc-bench-") as temp:
        work = Path(temp)
        with jupyter_server(work, args.python) as server:
            fill(server.root / "big", args.entries)
            idle = asyncio.run(idle_probe(server))
            for _ in range(args.runs):
                run = {case: asyncio.run(measure(server, case, "big", args.page)) for case in CASES}
                problems += check(server.root / "big", run, args.page)
                samples += [sample for sample, _ in run.values()]
    summaries = summarize(samples, idle)
    if not args.no_debug_pass:
        longest = slow_callbacks(args)
        for summary in summaries:
            summary.longest_callback_ms = longest.get(summary.case)
    print(table(summaries))
    for problem in sorted(set(problems)):
        print(f"PROBLEM: {problem}")
    if args.json:
        for summary in summaries:
            print(json.dumps(asdict(summary) | {"problems": sorted(set(problems))}))
    if not args.no_results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(report(summaries, args, machine()))
        print(f"results written to {args.results}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
