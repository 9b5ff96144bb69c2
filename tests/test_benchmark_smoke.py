"""The upload/download benchmark runs end to end against a real server (tiny size, no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "upload_download.py"
LOAD = BENCHMARK.parent / "load.py"
BIG_LISTING = BENCHMARK.parent / "big_listing.py"


def run_benchmark(script: Path, *args: str, results: Path) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script with this Python for its server; its report goes to `results`."""
    server_python = ["--python", sys.executable]
    return subprocess.run(
        [sys.executable, str(script), *args, "--json", "--results", str(results), *server_python],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


@pytest.mark.timeout(120)
def test_benchmark_round_trip_keeps_the_bytes(tmp_path: Path) -> None:
    # When the benchmark uploads and downloads a 2 MiB file through a real jupyter server
    results = tmp_path / "results.md"
    run = run_benchmark(BENCHMARK, "--size", "2", results=results)

    # Then it succeeds and reports identical hashes for source, server copy and download
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    result = lines[0]
    assert result["size_mib"] == 2
    assert result["identical"] is True
    assert result["sha256_source"] == result["sha256_server"] == result["sha256_download"]
    assert len(result["sha256_source"]) == 64
    assert "sha256 identical" in run.stdout
    # and writes its report with the machine it ran on
    report = results.read_text()
    assert "| 2 |" in report
    assert "nproc" in report and "python" in report


@pytest.mark.timeout(120)
def test_load_benchmark_runs_clean_for_a_few_seconds(tmp_path: Path) -> None:
    # When the load benchmark runs 5 clients for 3 seconds against a real jupyter server
    results = tmp_path / "load.md"
    run = run_benchmark(LOAD, "--clients", "5", "--seconds", "3", results=results)

    # Then every request succeeded and every submitted job is listed exactly once
    assert run.returncode == 0, run.stdout + run.stderr
    (line,) = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert line["errors"] == 0, line["error_samples"]
    assert line["requests"] > 0 and line["jobs_submitted"] > 0
    assert line["jobs_lost"] == line["jobs_doubled"] == 0
    assert set(line["per_op"]) == {"list", "stat", "read", "jobs", "submit", "anchor"}
    # and writes its report with the machine it ran on
    report = results.read_text()
    assert "| operation |" in report and "nproc" in report


@pytest.mark.timeout(120)
def test_big_listing_benchmark_answers_every_entry_and_the_first_page(tmp_path: Path) -> None:
    # When the big-listing benchmark lists 1,500 entries once each way (anchor, whole, page)
    results = tmp_path / "big_listing.md"
    run = run_benchmark(
        BIG_LISTING, "--entries", "1500", "--runs", "1", "--page", "100", results=results
    )

    # Then it finds the listings right (every name, in order; the page the first rows)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert {line["case"]: line["entries"] for line in lines} == {
        "anchor": 1500,
        "whole": 1500,
        "first page": 100,
    }
    assert all(line["problems"] == [] for line in lines)
    # and writes its report with the machine it ran on
    report = results.read_text()
    assert "| first page | 100 |" in report and "nproc" in report


@pytest.mark.timeout(120)
def test_hot_listing_benchmark_runs_tiny(tmp_path: Path) -> None:
    # When the hot-listing benchmark runs tiny: 20 jobs, 3 pollers, 2 panels, 1 s phases
    results = tmp_path / "hot_listing.md"
    run = run_benchmark(
        BENCHMARK.parent / "hot_listing.py",
        *("--jobs", "20", "--rounds", "3", "--clients", "3", "--panels", "2", "--seconds", "1"),
        *("--poll-interval", "0.5"),
        results=results,
    )

    # Then every request was answered (the 304s as 304s), the listing held every job
    assert run.returncode == 0, run.stdout + run.stderr
    (line,) = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    (latency,) = line["latency"]
    assert latency["listed"] == 20
    assert [p["errors"] for p in line["pollers"]] == [0, 0, 0]
    assert [p["mode"] for p in line["pollers"]] == ["anchor", "full", "conditional"]
    assert [p["phase"] for p in line["panels"]] == [
        "anchor",
        "events + fallback poll",
        "facility-pace poll",
    ]
    # and it writes its report with the machine it ran on
    report = results.read_text()
    assert "| N | listed |" in report and "nproc" in report


@pytest.mark.timeout(120)
def test_facility_calls_benchmark_runs_on_the_firecrest_double(tmp_path: Path) -> None:
    # When the facility-calls benchmark runs 2 rounds against the FirecREST double
    results = tmp_path / "facility_calls.md"
    script = BENCHMARK.parent / "facility_calls.py"
    run = run_benchmark(script, "--rounds", "2", "--staged-mib", "6", results=results)

    # Then every byte read back matched, the double saw nothing its spec forbids, each op ran
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    facts, rows = lines[0], lines[1:]
    assert facts["bytes_identical"] is True and facts["double_problems"] == []
    assert len(rows) == 6 and all(row["ours_calls"] >= 1 for row in rows)
    # and writes its report with the machine it ran on
    report = results.read_text()
    assert "| operation |" in report and "nproc" in report


@pytest.mark.timeout(120)
def test_arrays_benchmark_runs_tiny(tmp_path: Path) -> None:
    # When the arrays benchmark runs tiny: 20 tasks, one run of each way
    results = tmp_path / "arrays.md"
    run = run_benchmark(
        BENCHMARK.parent / "arrays.py", *("--tasks", "20", "--runs", "1"), results=results
    )

    # Then each way ran once (the benchmark checks every task ended cancelled, and B waited)
    assert run.returncode == 0, run.stdout + run.stderr
    (line,) = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert line["tasks"] == 20
    assert {name: len(values) for name, values in line["runs"].items()} == {
        "array_submit": 1,
        "loop_submit": 1,
        "array_cancel": 1,
        "loop_cancel": 1,
        "chain_gap": 1,
        "wait_gap": 1,
    }
    assert min(line["runs"]["chain_gap"]) >= 0
    assert "| submit | one array request |" in results.read_text()
