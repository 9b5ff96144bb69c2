"""Upload and download a large file through a real `jupyter server`: throughput and memory.

Starts `python -m jupyter_server` with only hpc-jupyter enabled (a temporary root dir, data dir
and token, on 127.0.0.1), then for each size: writes a random file to disk, streams it up with
PUT /hpc/api/facilities/local/files/content (httpx, a generator body read from disk), streams it
back down to disk, and compares sha256 of the source, the file the server wrote and the download.
While each transfer runs, the server's resident memory (VmRSS) is sampled every 50 ms: a server
that streams keeps it flat, one that buffers grows by the file size.

    .venv/bin/python benchmarks/upload_download.py                  # 50 MiB
    .venv/bin/python benchmarks/upload_download.py --size 2 50 200  # several sizes, in MiB
    .venv/bin/python benchmarks/upload_download.py --size 2 --json --results /tmp/r.md
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import httpx

from hpc_jupyter.api import HPC
from hpc_jupyter.client import HPCClient

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS = REPO / "benchmarks" / "results" / "upload_download.md"
CHUNK = 1024 * 1024
MiB = 1024 * 1024
SAMPLE_EVERY = 0.05


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    token: str
    root: Path
    log: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


@contextlib.contextmanager
def jupyter_server(
    work: Path, python: str, facilities: dict[str, object] | None = None
) -> Iterator[Server]:
    """A `jupyter server` subprocess with hpc-jupyter only, stopped on exit."""
    root, data, config = work / "root", work / "hpc-data", work / "config"
    for folder in (root, data, config):
        folder.mkdir()
    port, token = free_port(), secrets.token_hex(24)
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {
                        "hpc_jupyter": True,
                        "jupyterlab": False,
                        "jupyter_lsp": False,
                        "jupyter_server_terminals": False,
                        "notebook_shim": False,
                    },
                    "ip": "127.0.0.1",
                    "port": port,
                    "port_retries": 0,
                    "open_browser": False,
                    "root_dir": str(root),
                    # containers and CI often run as root; refusing would only stop the bench
                    "allow_root": os.geteuid() == 0,
                },
                "IdentityProvider": {"token": token},
                "HPCJupyterApp": {"data_dir": str(data), "facilities": facilities or {}},
            }
        )
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(work / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    log = work / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [python, "-m", "jupyter_server"],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", token, root, log)
    try:
        wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"jupyter server exited early:\n{server.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            response = httpx.get(f"{server.url}/hpc/api/info", headers=server.headers, timeout=2)
            if response.status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"jupyter server not ready in {timeout}s:\n{server.log.read_text()[-3000:]}")


# -- memory ----------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    """The resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RSSSampler:
    """Samples a process's RSS every 50 ms in a thread; `peak` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_bytes(pid)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError):
                self.peak = max(self.peak, rss_bytes(self.pid))
                self.samples += 1
            self._stop.wait(SAMPLE_EVERY)

    def take(self) -> int:
        """The peak since the last `take` (or the start), then start a new one."""
        peak = max(self.peak, rss_bytes(self.pid))
        self.peak = 0
        return peak

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(OSError):
            self.peak = max(self.peak, rss_bytes(self.pid))


# -- one transfer ----------------------------------------------------------------------------


@dataclass
class Result:
    """One size: p50 seconds of each way over the runs, MB/s, ratios to the anchors, RSS, hashes.

    `upload_*` is curl's PUT on our route; `download_*` curl's GET on our route; `kernel_*` the
    kernel side's `HPC.download` (the real client); the anchors are `cp` + `sync` of the same
    file (for the upload) and curl on jupyter's own `/files/` (for the downloads).
    """

    size_mib: float
    runs: int
    upload_s: float
    upload_mb_s: float
    download_s: float
    download_mb_s: float
    cp_sync_mb_s: float
    files_mb_s: float
    kernel_mb_s: float
    upload_vs_cp_sync: float
    download_vs_files: float
    kernel_vs_curl: float
    rss_before_mib: float
    rss_peak_upload_mib: float
    rss_peak_download_mib: float
    rss_after_mib: float
    rss_samples: int
    sha256_source: str
    sha256_server: str
    sha256_download: str
    sha256_kernel: str
    seconds: dict[str, list[float]]

    @property
    def identical(self) -> bool:
        return (
            self.sha256_source == self.sha256_server == self.sha256_download == self.sha256_kernel
        )


def random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        remaining = size
        while remaining:
            chunk = os.urandom(min(CHUNK, remaining))
            digest.update(chunk)
            handle.write(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def timed(command: list[str]) -> float:
    """Seconds a command takes; it must succeed."""
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {run.stderr.decode()[-500:]}")
    return seconds


def curl(server: Server, *args: str) -> list[str]:
    # `Expect:` off: curl would otherwise wait for a 100 Continue before a large body.
    auth = f"Authorization: token {server.token}"
    return ["curl", "-sS", "--fail", "-H", auth, "-H", "Expect:", *args]


def transfer(server: Server, work: Path, size: int, runs: int) -> Result:
    """`runs` interleaved rounds of: cp+sync, curl up, curl /files/, curl down, kernel down."""
    name = f"bench-{size}.bin"
    source = work / f"source-{name}"
    copy, down, kernel = work / f"cp-{name}", work / f"down-{name}", work / f"kernel-{name}"
    source_hash = random_file(source, size)
    route = f"{server.url}/hpc/api/facilities/local/files/content?path={name}"
    pid = server.process.pid
    hpc = HPC(HPCClient(server.url, auth_header=("Authorization", f"token {server.token}")))
    seconds: dict[str, list[float]] = {k: [] for k in ("cp_sync", "up", "files", "down", "kernel")}
    time.sleep(0.5)  # let the server settle before the baseline
    before = rss_bytes(pid)
    up_peak = down_peak = 0
    with RSSSampler(pid) as rss:
        for _ in range(runs):
            seconds["cp_sync"].append(
                timed(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "-", str(source), str(copy)])
            )
            copy.unlink()
            rss.take()
            seconds["up"].append(
                timed(
                    [
                        *curl(server, "-X", "PUT", "-H", "Content-Type: application/octet-stream"),
                        "-T",
                        str(source),
                        "-o",
                        "/dev/null",
                        route,
                    ]
                )
            )
            up_peak = max(up_peak, rss.take())
            files = f"{server.url}/files/{name}"
            seconds["files"].append(timed([*curl(server, "-o", str(down)), files]))
            seconds["down"].append(timed([*curl(server, "-o", str(down)), route]))
            started = time.perf_counter()
            hpc.download(name, kernel)
            seconds["kernel"].append(time.perf_counter() - started)
            down_peak = max(down_peak, rss.take())
    time.sleep(1.0)  # what the server keeps once the transfers are over
    after = rss_bytes(pid)
    hpc.client.close()
    server_hash, down_hash, kernel_hash = map(file_sha256, (server.root / name, down, kernel))
    for path in (source, down, kernel, server.root / name):
        path.unlink()
    mb = size / 1e6
    p50 = {key: statistics.median(values) for key, values in seconds.items()}
    return Result(
        size_mib=size / MiB,
        runs=runs,
        upload_s=p50["up"],
        upload_mb_s=mb / p50["up"],
        download_s=p50["down"],
        download_mb_s=mb / p50["down"],
        cp_sync_mb_s=mb / p50["cp_sync"],
        files_mb_s=mb / p50["files"],
        kernel_mb_s=mb / p50["kernel"],
        upload_vs_cp_sync=p50["cp_sync"] / p50["up"],
        download_vs_files=p50["files"] / p50["down"],
        kernel_vs_curl=p50["down"] / p50["kernel"],
        rss_before_mib=before / MiB,
        rss_peak_upload_mib=up_peak / MiB,
        rss_peak_download_mib=down_peak / MiB,
        rss_after_mib=after / MiB,
        rss_samples=rss.samples,
        sha256_source=source_hash,
        sha256_server=server_hash,
        sha256_download=down_hash,
        sha256_kernel=kernel_hash,
        seconds=seconds,
    )


# -- reporting -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    versions = ", ".join(
        f"{package} {version(package)}"
        for package in ("hpc-jupyter", "jupyter_server", "tornado", "httpx")
    )
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": model,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "packages": versions,
    }


def table(results: list[Result]) -> str:
    lines = [
        "| size MiB | runs | up MB/s | cp+sync MB/s | up / cp+sync | down MB/s | /files/ MB/s "
        "| down / /files/ | kernel MB/s | kernel / curl | RSS before MiB | RSS peak up MiB "
        "| RSS peak down MiB | RSS after MiB | sha256 equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.size_mib:g} | {r.runs} | {r.upload_mb_s:.0f} | {r.cp_sync_mb_s:.0f} "
            f"| {r.upload_vs_cp_sync:.2f} | {r.download_mb_s:.0f} | {r.files_mb_s:.0f} "
            f"| {r.download_vs_files:.2f} | {r.kernel_mb_s:.0f} | {r.kernel_vs_curl:.2f} "
            f"| {r.rss_before_mib:.1f} | {r.rss_peak_upload_mib:.1f} "
            f"| {r.rss_peak_download_mib:.1f} | {r.rss_after_mib:.1f} "
            f"| {'yes' if r.identical else 'NO'} |"
        )
    return "\n".join(lines)


def spread(results: list[Result]) -> str:
    """Every run's seconds, p50 and p95, per way: how much the runs agree."""
    lines = ["| size MiB | way | p50 s | p95 s | runs (s) |", "|---:|---|---:|---:|---|"]
    for r in results:
        for way, values in r.seconds.items():
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            runs = ", ".join(f"{value:.3f}" for value in values)
            lines.append(
                f"| {r.size_mib:g} | {way} | {statistics.median(values):.3f} | {p95:.3f} | {runs} |"
            )
    return "\n".join(lines)


def report(results: list[Result], info: dict[str, str]) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return (
        "# Upload/download through /hpc/api (local facility)\n\n"
        "Produced by `benchmarks/upload_download.py` (see `benchmarks/README.md`): a real\n"
        "`jupyter server` with only hpc-jupyter enabled, on 127.0.0.1. Each run, interleaved:\n"
        "`cp` + `sync` of the file (the upload's anchor), curl's PUT on our route, curl's GET\n"
        "of jupyter's own `/files/` (the downloads' anchor), curl's GET on our route, and the\n"
        "kernel side's `HPC.download` (the real client) on it; downloads go to files on disk.\n"
        "MB = 10^6 bytes, from the p50 of the runs; a ratio is ours over its anchor's speed\n"
        "(1.00: as fast). RSS is the server's VmRSS, sampled every "
        f"{SAMPLE_EVERY * 1000:.0f} ms. Other processes\n"
        "(other developers' tests) shared the machine's cores: compare ratios, not MB/s.\n\n"
        f"{table(results)}\n\n{spread(results)}\n\n"
        f"## Machine\n\n{facts}\n- uname: {' '.join(os.uname())}\n"
        f"- load average at the end: {os.getloadavg()[0]:.1f}\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size",
        type=float,
        nargs="+",
        default=[50.0],
        metavar="MIB",
        help="file size(s) in MiB (default: 50)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        help=f"where to write the Markdown report (default: {DEFAULT_RESULTS.relative_to(REPO)})",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="interleaved runs of every way, per size (default: 3)"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write a report")
    parser.add_argument("--json", action="store_true", help="also print results as JSON lines")
    parser.add_argument(
        "--python", default=default_python(), help="the Python that runs jupyter server"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(size * MiB) for size in args.size]
    if any(size <= 0 for size in sizes):
        raise SystemExit("--size must be positive")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="hpc-bench-") as temp:
        work = Path(temp)
        with jupyter_server(work, args.python) as server:
            for size in sizes:
                results.append(transfer(server, work, size, max(1, args.runs)))
    print(table(results))
    for r in results:
        print(
            f"{r.size_mib:g} MiB: sha256 {'identical' if r.identical else 'DIFFERENT'} "
            f"({r.sha256_source[:16]}...)"
        )
        if args.json:
            print(json.dumps({**asdict(r), "identical": r.identical}))
    if not args.no_results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(report(results, machine()))
        print(f"results written to {args.results}")
    return 0 if all(r.identical for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
