"""Accounting records and TRES as real Slurm wrote them, read by `backends/slurm/accounting.py`."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from hpc_jupyter.backends.slurm.accounting import (
    STEPS_WITHIN,
    allocations,
    job_efficiency,
    record_steps_pending,
    shares_usage,
)
from hpc_jupyter.backends.slurm.history import accounting_job
from hpc_jupyter.backends.slurm.slurm_units import parse_memory, parse_tres

SAMPLES = Path(__file__).with_name("samples")


def record(name: str) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = json.loads((SAMPLES / f"{name}.json").read_text())["jobs"]
    return jobs[0]


def test_a_killed_job_has_its_signal_and_no_memory_asked() -> None:
    entry = record("2411-v42-slurmdb-job-signaled")
    eff = job_efficiency(entry, accounting_job(entry, "f", "s"), "GET x")
    assert (eff.outcome.value, eff.signal, eff.cpus) == ("failed", 9, 1)
    # it asked for no memory (it got the node's): no share of a request is made up
    assert eff.memory_requested is None and eff.memory_efficiency is None
    assert eff.summary.startswith("Failed: killed by signal 9.")


def test_a_record_before_what_the_job_asked_for_is_in_is_not_its_last_word() -> None:
    # Slurm 22.05, a job killed past its 50 MiB a second after it started: for a second or two
    # its record has ended, with its step, but asks for nothing (required 0, no TRES); read
    # then, it was merely failed, for good (seen on every such job; a CI failure)
    early, late = record("2205-v38-slurmdb-job-oom-asked-late"), record("2205-v38-slurmdb-job-oom")
    just_ended = dataclasses.replace(accounting_job(late, "f", "s"), end_time=time.time() - 2)
    long_ago = dataclasses.replace(just_ended, end_time=time.time() - STEPS_WITHIN - 1)

    assert record_steps_pending(early, just_ended)
    assert not record_steps_pending(early, long_ago)  # what is there is what there is
    assert not record_steps_pending(late, just_ended)
    eff = job_efficiency(late, just_ended, "GET x")
    assert (eff.outcome.value, eff.memory_requested) == ("out_of_memory", 50 * 2**20)
    assert eff.summary.startswith("Ran out of memory (peak 406.2 MiB of 50.0 MiB requested)")


def test_tres_strings_and_sizes_as_sacct_prints_them() -> None:
    assert parse_tres("cpu=2,mem=1G,node=1,gres/gpu=1") == {
        "cpu": "2",
        "mem": "1G",
        "node": "1",
        "gres/gpu": "1",
    }
    assert (parse_memory("1G"), parse_memory("512"), parse_memory("1024K")) == (
        2**30,
        2**29,
        2**20,
    )
    assert parse_memory("lots") is None


def test_usage_of_shares_joins_the_limit_of_its_association() -> None:
    # Given the account's GrpTRESMins cpu=600 and /shares rows of the account and its user
    rows = [
        {
            "account": "p",
            "user": None,
            "max": {"tres": {"group": {"minutes": [{"type": "cpu", "name": "", "count": 600}]}}},
        },
        {"account": "p", "user": "u", "is_default": True},
        {"account": "q", "user": "u", "is_default": False},
    ]
    shares = [
        {
            "name": "p",
            "parent": "root",
            "type": ["ASSOCIATION"],
            "tres": {"usage": [{"name": "cpu", "value": 7200.0}]},
        },
        {
            "name": "u",
            "parent": "p",
            "type": ["USER"],
            "tres": {"usage": [{"name": "cpu", "value": 3600.0}]},
        },
    ]
    found = allocations(rows, "u", shares_usage(shares))
    p, q = found
    assert (p.account, p.unit, p.allocated, p.used, p.remaining) == ("p", "cpu_hours", 10, 2, 8)
    assert (p.scope, p.default, q.account, q.unit, q.default) == ("project", True, "q", None, False)
    # an account without a limit is listed by name, as the slurm-cli kind lists it
    assert (q.scope, q.note) == ("project", "no GrpTRESMins limit in time on this account")
