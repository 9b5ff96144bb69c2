"""Many clients watching jobs on a real Slurm: how many requests reach slurmrestd, and how fast.

Starts a real `jupyter server` (as `upload_download.py` does) with one `slurmrestd` facility on the
one-node Slurm of `scripts/local-slurm` (root; it is started if needed). Between the server and
slurmrestd sits a small counting TCP proxy: it forwards bytes unchanged and counts the HTTP request
lines it sees, by path. Then, for each N, N clients poll GET /hpc/api/facilities/slurm/jobs once a
second for `--seconds`, and the benchmark reports the latency of those calls and how many job
listings reached slurmrestd. With one coalesced listing per poll interval, the upstream count stays
near seconds / poll_interval whatever N is.

    .venv/bin/python benchmarks/watcher_fanout.py                       # N = 1, 10, 50; 30 s each
    .venv/bin/python benchmarks/watcher_fanout.py --clients 1 5 --seconds 10 --no-results
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from upload_download import REPO, default_python, free_port, jupyter_server, machine

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "watcher_fanout.md"
SLURMRESTD = ("127.0.0.1", 6820)
REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|POST|DELETE|PUT) (/[^ ?]*)")


class CountingProxy:
    """A TCP proxy to slurmrestd that counts request lines by path, in its own thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.counts: collections.Counter[str] = collections.Counter()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*SLURMRESTD)

        async def pipe(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, count: bool
        ) -> None:
            try:
                while data := await source.read(65536):
                    if count:
                        for match in REQUEST_LINE.finditer(data):
                            self.counts[match.group(2).decode()] += 1
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer, True), pipe(up_reader, writer, False))

    def listings(self) -> int:
        """Job listings that reached slurmrestd (live jobs and accounting)."""
        return sum(n for path, n in self.counts.items() if path.rstrip("/").endswith("/jobs"))


@dataclass
class Result:
    clients: int
    seconds: float
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float
    upstream_listings: int


async def poll(url: str, headers: dict[str, str], seconds: float, latencies: list[float]) -> int:
    errors = 0
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200
            await asyncio.sleep(1.0)
    return errors


def run_one(
    server_url: str, headers: dict[str, str], proxy: CountingProxy, clients: int, seconds: float
) -> Result:
    url = f"{server_url}/hpc/api/facilities/slurm/jobs"
    httpx.get(url, headers=headers, timeout=30).raise_for_status()  # the watcher is listing
    time.sleep(6)  # a quiet interval between runs
    before = proxy.listings()
    latencies: list[float] = []

    async def everyone() -> list[int]:
        return await asyncio.gather(
            *(poll(url, headers, seconds, latencies) for _ in range(clients))
        )

    errors = sum(asyncio.run(everyone()))
    ordered = sorted(latencies)
    return Result(
        clients=clients,
        seconds=seconds,
        calls=len(latencies),
        errors=errors,
        p50_ms=statistics.median(ordered) * 1000,
        p95_ms=ordered[int(len(ordered) * 0.95) - 1] * 1000,
        upstream_listings=proxy.listings() - before,
    )


def table(results: list[Result], poll_interval: float) -> str:
    lines = [
        f"| clients | seconds | calls to /hpc/api | errors | p50 ms | p95 ms "
        f"| listings at slurmrestd | expected (seconds / {poll_interval:g} s, x2 with history) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        expected = 2 * r.seconds / poll_interval
        lines.append(
            f"| {r.clients} | {r.seconds:g} | {r.calls} | {r.errors} | {r.p50_ms:.1f} "
            f"| {r.p95_ms:.1f} | {r.upstream_listings} | about {expected:.0f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-results", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = subprocess.run([REPO / "scripts" / "local-slurm", "start"], capture_output=True)
    if started.returncode != 0:
        sys.stderr.write(started.stderr.decode())
        return 1
    proxy = CountingProxy()
    facility = {
        "kind": "slurmrestd",
        "url": f"http://127.0.0.1:{proxy.port}",
        "user": "hpcuser",
        "token": {"command": "scontrol token username=hpcuser lifespan=3600"},
        "poll_interval": args.poll_interval,
    }
    with (
        tempfile.TemporaryDirectory() as work,
        jupyter_server(Path(work), default_python(), {"slurm": facility}) as server,
    ):
        results = []
        for clients in args.clients:
            result = run_one(server.url, server.headers, proxy, clients, args.seconds)
            print(result, flush=True)
            results.append(result)
    report = table(results, args.poll_interval)
    print(report)
    if not args.no_results:
        info = machine()
        header = "\n".join(f"- {key}: {value}" for key, value in info.items())
        args.results.write_text(
            "# Job watcher fan-out on a real Slurm (slurmrestd v0.0.38)\n\n"
            f"{header}\n\n{report}\n\n"
            "Each client polls GET /hpc/api/facilities/slurm/jobs once a second; a listing at\n"
            "slurmrestd is GET /slurm/v0.0.38/jobs or GET /slurmdb/v0.0.38/jobs (history).\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
