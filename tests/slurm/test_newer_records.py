"""Job and partition records as real Slurm 24.11 and 26.05 sent them (samples beside this file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hpc_jupyter.backends.slurm.history import accounting_job, accounting_matches
from hpc_jupyter.backends.slurm.schema import parse_partition, pick_record

SAMPLES = Path(__file__).with_name("samples")


def records(name: str) -> list[dict[str, Any]]:
    body: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return list(body.get("jobs") or body.get("partitions") or [])


def test_accounting_keeps_a_signal_as_128_plus_it() -> None:
    job = accounting_job(records("2411-v42-slurmdb-job-signaled")[0], "f", "s")
    assert (job.state.value, job.exit_code) == ("FAILED", 137)


def test_a_cancelled_job_has_no_exit_code_live_or_from_accounting() -> None:
    live = pick_record(records("2411-v42-job-cancelled"), "61", "f", "s")
    stored = accounting_job(records("2411-v42-slurmdb-job-cancelled")[0], "f", "s")
    assert live is not None and live.state.value == stored.state.value == "CANCELLED"
    assert live.exit_code is None and stored.exit_code is None


def test_an_array_task_id_picks_that_task_not_the_arrays_first_record() -> None:
    task = pick_record(records("2411-v42-job-array-task"), "66_2", "f", "s")
    assert task is not None and (task.id, task.array_task_id) == ("77", "2")
    assert task.stdout is not None and task.stdout.endswith("/s-array-66_2.out")


def test_a_task_pending_with_others_is_that_task_with_its_own_log() -> None:
    task = pick_record(records("2411-v42-job-array-while-running"), "66_3", "f", "s")
    assert task is not None and (task.id, task.state.value) == ("66_3", "PENDING")
    assert task.stdout is not None and task.stdout.endswith("/s-array-66_3.out")
    assert pick_record(records("2411-v42-job-array-while-running"), "66_9", "f", "s") is None


def test_accounting_says_where_the_log_went() -> None:
    entry = records("2605-v43-slurmdb-job-completed")[0]
    job = accounting_job(entry, "f", "s")
    assert accounting_matches(entry, str(entry["job_id"]))
    assert job.stdout == entry["stdout_expanded"] and job.stderr == entry["stderr_expanded"]


def test_partitions_without_flags_do_not_say_which_is_the_default() -> None:
    parsed = [parse_partition(entry) for entry in records("2411-v42-partitions")]
    assert {p.name: (p.default, p.max_time) for p in parsed} == {
        "debug": (None, None),
        "short": (None, 600),
    }
