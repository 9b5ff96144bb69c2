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
    size_mib: float
    upload_s: float
    upload_mb_s: float
    download_s: float
    download_mb_s: float
    rss_before_mib: float
    rss_peak_upload_mib: float
    rss_peak_download_mib: float
    rss_after_mib: float
    rss_samples: int
    sha256_source: str
    sha256_server: str
    sha256_download: str

    @property
    def identical(self) -> bool:
        return self.sha256_source == self.sha256_server == self.sha256_download


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


def read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def transfer(server: Server, work: Path, size: int) -> Result:
    name = f"bench-{size}.bin"
    source, downloaded = work / f"source-{name}", work / f"download-{name}"
    source_hash = random_file(source, size)
    endpoint = f"{server.url}/hpc/api/facilities/local/files/content"
    pid = server.process.pid
    timeout = httpx.Timeout(30.0, read=300.0)
    with httpx.Client(headers=server.headers, timeout=timeout) as client:
        time.sleep(0.5)  # let the server settle before the baseline
        before = rss_bytes(pid)

        with RSSSampler(pid) as up_rss:
            started = time.perf_counter()
            response = client.put(
                endpoint,
                params={"path": name},
                content=read_chunks(source),
                # the size is known: send it, as a browser does, rather than chunked encoding
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            )
            upload_s = time.perf_counter() - started
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.text[:500]}")

        download_hash = hashlib.sha256()
        with RSSSampler(pid) as down_rss, downloaded.open("wb") as sink:
            started = time.perf_counter()
            with client.stream("GET", endpoint, params={"path": name}) as stream:
                if stream.status_code != 200:
                    raise SystemExit(f"download failed: {stream.status_code}")
                for chunk in stream.iter_bytes(CHUNK):
                    download_hash.update(chunk)
                    sink.write(chunk)
            download_s = time.perf_counter() - started
        time.sleep(1.0)  # what the server keeps once the transfers are over
        after = rss_bytes(pid)

    server_hash = file_sha256(server.root / name)
    for path in (source, downloaded, server.root / name):
        path.unlink()
    mb = size / 1e6
    return Result(
        size_mib=size / MiB,
        upload_s=upload_s,
        upload_mb_s=mb / upload_s,
        download_s=download_s,
        download_mb_s=mb / download_s,
        rss_before_mib=before / MiB,
        rss_peak_upload_mib=up_rss.peak / MiB,
        rss_peak_download_mib=down_rss.peak / MiB,
        rss_after_mib=after / MiB,
        rss_samples=up_rss.samples + down_rss.samples,
        sha256_source=source_hash,
        sha256_server=server_hash,
        sha256_download=download_hash.hexdigest(),
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
        "| size MiB | upload s | upload MB/s | download s | download MB/s "
        "| RSS before MiB | RSS peak up MiB | RSS peak down MiB | RSS after MiB | sha256 equal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.size_mib:g} | {r.upload_s:.2f} | {r.upload_mb_s:.0f} | {r.download_s:.2f} "
            f"| {r.download_mb_s:.0f} | {r.rss_before_mib:.1f} | {r.rss_peak_upload_mib:.1f} "
            f"| {r.rss_peak_download_mib:.1f} | {r.rss_after_mib:.1f} "
            f"| {'yes' if r.identical else 'NO'} |"
        )
    return "\n".join(lines)


def report(results: list[Result], info: dict[str, str]) -> str:
    facts = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return (
        "# Upload/download through /hpc/api (local facility)\n\n"
        "Produced by `benchmarks/upload_download.py` (see `benchmarks/README.md`): a real\n"
        "`jupyter server` with only hpc-jupyter enabled, on 127.0.0.1; the client streams from\n"
        "and to disk with httpx; MB = 10^6 bytes; RSS is the server process's VmRSS, sampled\n"
        f"every {SAMPLE_EVERY * 1000:.0f} ms during each transfer.\n\n"
        f"{table(results)}\n\n"
        f"## Machine\n\n{facts}\n"
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
                results.append(transfer(server, work, size))
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
