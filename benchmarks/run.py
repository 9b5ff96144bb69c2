"""The whole benchmark suite, one script after another: `python benchmarks/run.py [--quick]`.

Each benchmark starts its own real `jupyter server` (and, where it measures Slurm, the local
Slurm of `scripts/local-slurm`; root only), measures against its anchor in the same run, and
writes `benchmarks/results/<name>.md`. `--quick` runs each one tiny, to check that the suite
works (a few minutes; the numbers say nothing); `--only NAME ...` picks some. The exit status
is 1 when any benchmark failed. How to read the results: benchmarks/README.md.

    .venv/bin/python benchmarks/run.py                   # everything, full size (about 18 min)
    .venv/bin/python benchmarks/run.py --quick --no-results
    .venv/bin/python benchmarks/run.py --only hot_listing big_listing
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SUITE: dict[str, tuple[list[str], list[str]]] = {
    # name: (full-size arguments, --quick arguments)
    "upload_download": (["--size", "50", "1024"], ["--size", "2"]),
    "big_listing": ([], ["--entries", "2000", "--runs", "1"]),
    "hot_listing": (
        [],
        ["--jobs", "20", "--rounds", "5", "--clients", "5", "--panels", "3", "--seconds", "2"],
    ),
    "facility_calls": (["--slurm"], ["--rounds", "2", "--staged-mib", "6"]),
    "load": ([], ["--clients", "5", "--seconds", "3"]),
    "arrays": ([], ["--tasks", "20", "--runs", "1"]),
    "watcher_fanout": ([], ["--clients", "1", "2", "--seconds", "5"]),
    "executor": ([], ["--runs", "1", "--calls", "2"]),
}
"""Every benchmark, in the order run: the ones needing root and Slurm last."""

NEEDS_ROOT = {"watcher_fanout", "executor"}
"""Benchmarks that start the local Slurm: skipped (and said so) when not root."""


def run(name: str, quick: bool, no_results: bool) -> int:
    """Run one benchmark script as its own process; its exit status."""
    full, small = SUITE[name]
    arguments = [sys.executable, str(HERE / f"{name}.py"), *(small if quick else full)]
    if "--slurm" in arguments and os.geteuid() != 0:
        arguments.remove("--slurm")  # its Slurm half starts the local Slurm: root only
    if no_results:
        arguments.append("--no-results")
    print(f"== {name}: {' '.join(arguments[1:])}", flush=True)
    started = time.monotonic()
    status = subprocess.run(arguments, check=False).returncode
    print(f"== {name}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check that it runs")
    parser.add_argument("--only", nargs="+", choices=sorted(SUITE), help="run only these")
    parser.add_argument("--no-results", action="store_true", help="write no results files")
    args = parser.parse_args(argv)
    failed = []
    for name in args.only or list(SUITE):
        if name in NEEDS_ROOT and os.geteuid() != 0:
            print(f"== {name}: skipped, it starts the local Slurm and needs root", flush=True)
            continue
        if run(name, args.quick, args.no_results) != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
