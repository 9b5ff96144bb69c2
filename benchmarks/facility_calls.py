"""Facility operations through /hpc/api against the same ones made directly (issue 15, goal 5).

FirecREST: the v2 double of `tests/firecrest` (with moto's S3 for staged transfers) runs in a
thread of this process; a real `jupyter server` (as `upload_download.py` starts it) has a
`firecrest` facility on it. Each operation (PUT 1 MiB, GET 1 MiB, GET 64 KiB, ls, stat, staged
upload of 20 MiB) is timed through the server and made directly with pyfirecrest on the same
double, interleaved (A, B, B, A, ...); the double counts the requests each made. The server's
RSS is sampled during the staged uploads.

Slurm (with `--slurm`, root only): the one-node Slurm 22.05 of `scripts/local-slurm` (started
if needed); submit, cancel, the facility's info and a log-follow poll through the server, against
the calls slurmrestd needs for each, made directly with httpx.

    .venv/bin/python benchmarks/facility_calls.py                       # FirecREST, 15 rounds
    .venv/bin/python benchmarks/facility_calls.py --slurm               # and Slurm
    .venv/bin/python benchmarks/facility_calls.py --rounds 2 --staged-mib 6 --json --no-results
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from upload_download import (
    REPO,
    RSSSampler,
    Server,
    default_python,
    jupyter_server,
    machine,
    rss_bytes,
)

DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "facility_calls.md"
MiB = 1024 * 1024
HOME = "/home/hpcuser"
SYSTEM = "localcluster"
SLURMRESTD = "http://127.0.0.1:6820"
F = "/hpc/api/facilities"


@dataclass
class Row:
    """One operation: ours through the server against the direct anchor, interleaved."""

    what: str
    ours_ms: list[float] = field(default_factory=list)
    direct_ms: list[float] = field(default_factory=list)
    ours_calls: float = 0.0
    direct_calls: float = 0.0
    note: str = ""

    @staticmethod
    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def summary(self) -> dict[str, Any]:
        ours, direct = statistics.median(self.ours_ms), statistics.median(self.direct_ms)
        return {
            "what": self.what,
            "ours_p50_ms": round(ours, 2),
            "ours_p95_ms": round(self.p(self.ours_ms, 0.95), 2),
            "direct_p50_ms": round(direct, 2),
            "direct_p95_ms": round(self.p(self.direct_ms, 0.95), 2),
            "ratio_p50": round(ours / direct, 2) if direct else None,
            "ours_calls": self.ours_calls,
            "direct_calls": self.direct_calls,
            "note": self.note,
        }


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


async def interleave(
    row: Row,
    rounds: int,
    ours: Callable[[int], Awaitable[Any]],
    direct: Callable[[int], Awaitable[Any]],
    count: Callable[[], int] | None = None,
) -> None:
    """`rounds` of each, alternating which goes first; calls counted per operation."""
    ours_calls = direct_calls = 0
    for n in range(rounds):
        order = [(True, ours), (False, direct)] if n % 2 == 0 else [(False, direct), (True, ours)]
        for is_ours, action in order:
            before = count() if count else 0
            spent = await timed(lambda action=action, n=n: action(n))
            calls = (count() - before) if count else 0
            if is_ours:
                row.ours_ms.append(spent)
                ours_calls += calls
            else:
                row.direct_ms.append(spent)
                direct_calls += calls
    row.ours_calls, row.direct_calls = ours_calls / rounds, direct_calls / rounds


# -- FirecREST ---------------------------------------------------------------------------------


class ThreadedDouble:
    """The FirecREST v2 double and moto's S3, each in a thread of this process."""

    def __init__(self, root: Path) -> None:
        import boto3
        from moto.server import ThreadedMotoServer

        from tests.firecrest.fake_firecrest import BUCKET, FakeFirecrest, start_fake

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log

        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        s3_url = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="f7t-local-access-key",
            aws_secret_access_key="f7t-local-secret-key",
        )
        s3.create_bucket(Bucket=BUCKET)
        (root / HOME.lstrip("/")).mkdir(parents=True)
        self.fake = FakeFirecrest(root=root, s3=s3, s3_url=s3_url)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(start_fake(self.fake), self.loop).result(10)

    def requests(self) -> int:
        return sum(1 for _, path, _ in self.fake.requests if path != "/auth/token")

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.moto.stop()


def firecrest_options(double: ThreadedDouble) -> dict[str, Any]:
    from tests.firecrest.double_fixtures import facility_options
    from tests.firecrest.fake_firecrest import CLIENT_SECRET

    return facility_options(double.fake, CLIENT_SECRET)


def direct_client(double: ThreadedDouble) -> Any:
    """pyfirecrest 3 on the double, with a client-credentials token, as a user would use it."""
    from firecrest import ClientCredentialsAuth
    from firecrest.v2 import AsyncFirecrest

    from tests.firecrest.fake_firecrest import CLIENT_ID, CLIENT_SECRET

    auth = ClientCredentialsAuth(CLIENT_ID, CLIENT_SECRET, double.fake.url + "/auth/token")
    client = AsyncFirecrest(double.fake.url, authorization=auth)
    client.MAX_DIRECT_UPLOAD_SIZE = double.fake.direct_limit
    return client


async def firecrest_rows(
    server: Server, double: ThreadedDouble, work: Path, rounds: int, staged_mib: int
) -> tuple[list[Row], dict[str, Any]]:
    direct = direct_client(double)
    remote = double.fake.local(HOME)
    local = work / "local"
    local.mkdir()
    sizes = {"put1m": MiB, "get1m": MiB, "get64k": 64 * 1024, "staged": staged_mib * MiB}
    payload = {name: os.urandom(size) for name, size in sizes.items()}
    for name in ("put1m", "staged"):
        (local / f"{name}.bin").write_bytes(payload[name])
    (remote / "get1m.bin").write_bytes(payload["get1m"])
    (remote / "get64k.bin").write_bytes(payload["get64k"])
    for n in range(200):  # a directory of some size, as a home is
        (remote / f"file{n:03}.txt").write_text(f"{n}\n")
    content = f"{F}/alps/files/content"
    rows: list[Row] = []
    mismatches: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=120) as api:
        (await api.get(f"{F}/alps/files", params={"path": HOME})).raise_for_status()  # warm
        await direct.list_files(SYSTEM, HOME)

        async def put(name: str, target: str) -> None:
            response = await api.put(
                content,
                params={"path": f"{HOME}/{target}"},
                content=payload[name],
                headers={"Content-Type": "application/octet-stream"},
            )
            response.raise_for_status()

        async def get(name: str) -> None:
            response = await api.get(content, params={"path": f"{HOME}/{name}.bin"})
            response.raise_for_status()
            if response.content != payload[name]:
                mismatches.append(f"ours {name}")

        async def direct_get(name: str, n: int) -> None:
            into = local / f"direct-{name}-{n}.bin"
            await direct.download(SYSTEM, f"{HOME}/{name}.bin", str(into))
            if into.read_bytes() != payload[name]:
                mismatches.append(f"direct {name}")
            into.unlink()

        async def direct_put(name: str, target: str) -> None:
            await direct.upload(SYSTEM, str(local / f"{name}.bin"), HOME, target)

        async def listing(_: int) -> None:
            (await api.get(f"{F}/alps/files", params={"path": HOME})).raise_for_status()

        async def stat(_: int) -> None:
            params = {"path": f"{HOME}/get64k.bin"}
            (await api.get(f"{F}/alps/files/stat", params=params)).raise_for_status()

        plan: list[tuple[str, Callable[[int], Awaitable[Any]], Callable[[int], Awaitable[Any]]]] = [
            (
                "PUT 1 MiB (new file)",
                lambda n: put("put1m", f"put-{n}.bin"),
                lambda n: direct_put("put1m", f"direct-put-{n}.bin"),
            ),
            ("GET 1 MiB", lambda n: get("get1m"), lambda n: direct_get("get1m", n)),
            ("GET 64 KiB", lambda n: get("get64k"), lambda n: direct_get("get64k", n)),
            (
                "ls (200 entries)",
                listing,
                lambda n: direct.list_files(SYSTEM, HOME, show_hidden=True),
            ),
            ("stat of a file", stat, lambda n: direct.stat(SYSTEM, f"{HOME}/get64k.bin")),
        ]
        for what, ours, theirs in plan:
            row = Row(what)
            await interleave(row, rounds, ours, theirs, double.requests)
            rows.append(row)

        staged = Row(f"staged upload {staged_mib} MiB (new file)")
        pid = server.process.pid
        growth: list[float] = []

        async def staged_ours(n: int) -> None:
            before = rss_bytes(pid)
            with RSSSampler(pid) as sampler:
                await put("staged", f"staged-{n}.bin")
            growth.append((sampler.peak - before) / MiB)

        await interleave(
            staged,
            max(2, rounds // 5),
            staged_ours,
            lambda n: direct_put("staged", f"direct-staged-{n}.bin"),
            double.requests,
        )
        for n in range(max(2, rounds // 5)):
            if (remote / f"staged-{n}.bin").read_bytes() != payload["staged"]:
                mismatches.append("ours staged")
        rows.append(staged)

        # three staged uploads at once: the server's RSS growth for all of them
        before = rss_bytes(pid)
        with RSSSampler(pid) as sampler:
            await asyncio.gather(*(put("staged", f"together-{n}.bin") for n in range(3)))
        together = (sampler.peak - before) / MiB
    staged.note = (
        f"server RSS growth per upload: max {max(growth):.1f} MiB; "
        f"3 at once: {together:.1f} MiB in all"
    )
    facts = {
        "rss_growth_staged_mib": round(max(growth), 1),
        "rss_growth_3_concurrent_mib": round(together, 1),
        "bytes_identical": not mismatches,
        "mismatches": mismatches,
        "double_problems": list(double.fake.problems),
    }
    return rows, facts


# -- Slurm -------------------------------------------------------------------------------------


def slurm_token() -> str:
    made = subprocess.run(
        ["scontrol", "token", "username=hpcuser", "lifespan=3600"],
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().split("=", 1)[1]


SCRIPT = "#!/bin/bash\necho hello; sleep 300\n"


async def slurm_rows(server: Server, rounds: int, proxy: Any) -> list[Row]:
    """The Slurm rows; ours reach slurmrestd through `proxy`, which counts their requests
    (the watcher's listings of `/jobs` aside: they are shared by every client)."""

    def ours_requests() -> int:
        return sum(n for path, n in proxy.counts.items() if not path.rstrip("/").endswith("/jobs"))

    token = slurm_token()
    auth = {"X-SLURM-USER-NAME": "hpcuser", "X-SLURM-USER-TOKEN": token}
    rest = httpx.AsyncClient(base_url=SLURMRESTD, headers=auth, timeout=60)
    api = httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=60)
    rows: list[Row] = []
    submitted: list[str] = []

    async def direct_submit() -> str:
        body = {
            "script": SCRIPT,
            "job": {
                "name": f"bench-{uuid.uuid4().hex[:8]}",
                "current_working_directory": HOME,
                "environment": {"PATH": "/bin:/usr/bin"},
                "standard_output": f"{HOME}/bench-%j.out",
            },
        }
        response = await rest.post("/slurm/v0.0.38/job/submit", json=body)
        response.raise_for_status()
        job = str(response.json()["job_id"])
        submitted.append(job)
        return job

    async def ours_submit() -> str:
        body = {"script": SCRIPT, "name": f"bench-{uuid.uuid4().hex[:8]}"}
        response = await api.post(f"{F}/slurm/jobs", json=body)
        response.raise_for_status()
        job = str(response.json()["id"])
        submitted.append(job)
        return job

    async def submit_direct(_: int) -> None:
        await direct_submit()

    async def submit_ours(_: int) -> None:
        await ours_submit()

    try:
        # the version handshake and the partitions' limits, once, as any session has done
        (await api.get(f"{F}/slurm/partitions")).raise_for_status()
        row = Row("submit")
        await interleave(row, rounds, submit_ours, submit_direct, ours_requests)
        row.direct_calls = 1  # what the anchor makes, by construction
        rows.append(row)

        # cancel: each side cancels jobs submitted beforehand (directly, not timed)
        ours_jobs = [await direct_submit() for _ in range(rounds)]
        direct_jobs = [await direct_submit() for _ in range(rounds)]
        await asyncio.sleep(1.0)

        async def cancel_ours(n: int) -> None:
            (await api.delete(f"{F}/slurm/jobs/{ours_jobs[n]}")).raise_for_status()

        async def cancel_direct(n: int) -> None:
            job = direct_jobs[n]
            (await rest.delete(f"/slurm/v0.0.38/job/{job}")).raise_for_status()
            (await rest.get(f"/slurm/v0.0.38/job/{job}")).raise_for_status()  # the confirmation

        row = Row("cancel", note="anchor: DELETE + one GET of the job")
        await interleave(row, rounds, cancel_ours, cancel_direct, ours_requests)
        row.direct_calls = 2  # what the anchor makes, by construction
        rows.append(row)

        async def info_ours(_: int) -> None:
            (await api.get(f"{F}/slurm")).raise_for_status()

        async def info_direct(_: int) -> None:
            (await rest.get("/slurm/v0.0.38/ping")).raise_for_status()

        row = Row("facility info", note="anchor: one ping")
        await interleave(row, rounds, info_ours, info_direct, ours_requests)
        row.direct_calls = 1  # what the anchor makes, by construction
        rows.append(row)

        job = await direct_submit()
        await asyncio.sleep(2.0)
        # a listing, as an open panel or monitor (or the follower's first poll) makes
        (await api.get(f"{F}/slurm/jobs")).raise_for_status()

        async def poll_ours(_: int) -> None:
            params = {"stream": "stdout", "offset": "0"}
            response = await api.get(f"{F}/slurm/jobs/{job}/output", params=params)
            response.raise_for_status()

        async def poll_direct(_: int) -> None:
            (await rest.get(f"/slurm/v0.0.38/job/{job}")).raise_for_status()

        row = Row("log-follow poll", note="anchor: one GET of the job; the watcher's listing fresh")
        await interleave(row, rounds, poll_ours, poll_direct, ours_requests)
        row.direct_calls = 1  # what the anchor makes, by construction
        rows.append(row)
    finally:
        for job in submitted:
            with contextlib.suppress(httpx.HTTPError):
                await rest.delete(f"/slurm/v0.0.38/job/{job}")
        await rest.aclose()
        await api.aclose()
    return rows


def slurm_facility(url: str) -> dict[str, Any]:
    return {
        "kind": "slurmrestd",
        "url": url,
        "user": "hpcuser",
        "token": {"command": "scontrol token username=hpcuser lifespan=3600"},
        "files": {"kind": "local", "root": HOME},
    }


# -- report ------------------------------------------------------------------------------------

NOTES = """## Why the ratios are what they are

- Every operation through the server is one more HTTP hop on the same machine (client, jupyter
  server, facility). A `stat` or `ls` is one facility call on both sides: the ratio is that hop
  and the server's own work (auth, JSON), a few ms; against a real facility tens of ms away it
  shrinks toward 1. Compare the call counts first: they do not depend on the machine.
- PUT (direct): 5 calls in 3 round trips (stat of the target and of its directory at once, the
  upload, then its SHA-256 and its entry at once) against pyfirecrest's single upload, which
  neither checks the target is not a directory nor verifies the bytes nor answers an entry.
- Staged upload of a new file: no `mv` transfer job any more (lands at its name, removed on a
  failed check); the remaining calls are the checks, the checksum and the entry. Over an
  existing file the staged upload still lands beside it and is renamed (a second job), so the
  old file is never lost to a failed upload. S3 parts are read 1 MiB at a time: the server's
  RSS grows by a few MiB per staged upload, whatever its size.
- Slurm submit: after the POST the job is read back (and read again while it is PENDING without
  a reason, up to 5 s) to refuse a job that can never start; that read is the answer's source.
- Slurm cancel: one read before the DELETE (the owner and whether it has already ended: a
  server whose token may cancel others' jobs must not), then the DELETE and one confirming read.
- Facility info: slurmrestd's auth status is reused (asked again in the background after 5 s,
  before answering after 60 s or after any refusal); log-follow polls take the job from the
  watcher's listing while it is fresh, so neither asks slurmrestd on every request.
"""


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def table(rows: list[Row]) -> str:
    lines = [
        "| operation | ours p50 ms | ours p95 ms | direct p50 ms | direct p95 ms "
        "| RATIO p50 | calls ours | calls direct | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        s = row.summary()
        lines.append(
            f"| {s['what']} | {s['ours_p50_ms']:.1f} | {s['ours_p95_ms']:.1f} "
            f"| {s['direct_p50_ms']:.1f} | {s['direct_p95_ms']:.1f} | {s['ratio_p50']:.2f}x "
            f"| {s['ours_calls']:g} | {s['direct_calls']:g} | {s['note']} |"
        )
    return "\n".join(lines)


def load_note() -> str:
    with contextlib.suppress(OSError):
        return "load average at the end: " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds of each operation")
    parser.add_argument("--staged-mib", type=int, default=20, help="size of the staged upload")
    parser.add_argument("--slurm", action="store_true", help="also Slurm (root; local Slurm)")
    parser.add_argument("--no-firecrest", action="store_true", help="skip FirecREST")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--no-results", action="store_true", help="do not write a report")
    parser.add_argument("--json", action="store_true", help="also print results as JSON lines")
    parser.add_argument("--python", default=default_python(), help="the server's Python")
    return parser.parse_args(argv)


@contextlib.contextmanager
def firecrest_double(work: Path) -> Iterator[ThreadedDouble]:
    double = ThreadedDouble(work / "remote")
    try:
        yield double
    finally:
        double.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows: list[Row] = []
    facts: dict[str, Any] = {}
    sections: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hpc-bench-") as temp:
        work = Path(temp)
        if not args.no_firecrest:
            with firecrest_double(work) as double:
                facilities = {"alps": firecrest_options(double)}
                (work / "fc").mkdir()
                with jupyter_server(work / "fc", args.python, facilities) as server:
                    cpu = process_cpu_seconds(server.process.pid)
                    found, facts = asyncio.run(
                        firecrest_rows(server, double, work, args.rounds, args.staged_mib)
                    )
                    facts["server_cpu_s"] = round(process_cpu_seconds(server.process.pid) - cpu, 2)
                rows += found
                sections.append(
                    "## FirecREST v2 (the double) vs pyfirecrest direct\n\n" + table(found)
                )
        if args.slurm:
            script = REPO / "scripts" / "local-slurm"
            # `start` rewrites slurm.conf and restarts Slurm when it differs: not while it answers
            if (
                subprocess.run([script, "status"], check=False).returncode != 0
                and subprocess.run([script, "start"], check=False).returncode != 0
            ):
                return 1
            from watcher_fanout import CountingProxy

            proxy = CountingProxy()
            (work / "slurm").mkdir()
            facility = slurm_facility(f"http://127.0.0.1:{proxy.port}")
            with jupyter_server(work / "slurm", args.python, {"slurm": facility}) as server:
                found = asyncio.run(slurm_rows(server, args.rounds, proxy))
            rows += found
            sections.append(
                "## Slurm 22.05 (slurmrestd v0.0.38) vs direct httpx calls\n\n" + table(found)
            )
    for section in sections:
        print(section + "\n")
    if facts:
        print(json.dumps(facts) if args.json else facts)
    if args.json:
        for row in rows:
            print(json.dumps(row.summary()))
    if not args.no_results:
        info = {**machine(), "load": load_note()}
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            info["uname"] = subprocess.run(
                ["uname", "-a"], capture_output=True, text=True, check=False
            ).stdout.strip()
        header = "\n".join(f"- {key}: {value}" for key, value in info.items())
        args.results.write_text(
            "# Facility calls: through /hpc/api vs direct (issue 15, goal 5)\n\n"
            "Produced by `benchmarks/facility_calls.py` (see `benchmarks/README.md`). Each "
            "operation ran interleaved with its anchor in the same run (A B, B A, ...); RATIO is "
            "ours p50 / direct p50; calls are the requests each made per operation (counted by "
            "the double; token requests aside). Other helpers' tests and benchmarks shared the "
            "2 cores during the run: compare ratios, not absolute times.\n\n"
            + "\n\n".join(sections)
            + "\n\n"
            + ("Facts: " + json.dumps(facts) + "\n\n" if facts else "")
            + NOTES
            + "\n"
            + f"## Machine\n\n{header}\n"
        )
    if facts and not facts.get("bytes_identical", True):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
