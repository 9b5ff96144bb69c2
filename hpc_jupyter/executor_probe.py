"""The executor's probe: whether a facility's Python can run the kernel's calls, asked once."""

from __future__ import annotations

import contextlib
import shlex
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import HPCError, NotFound
from .models import Job, JobState

if TYPE_CHECKING:
    from .api import HPC

PROBE_TIME = 120
"""The probe job's time limit in seconds."""

_probed: dict[tuple[str, str, str | None, str], str | None] = {}
"""Probe outcomes for the kernel's life, by (server, facility, system, python): None when the
facility's Python can run the calls, else the error message."""
_probing: dict[tuple[str, str, str | None, str], threading.Lock] = {}
"""One lock per probe key: a probe waiting in one facility's queue holds back no other."""
_probing_lock = threading.Lock()
TOLD = frozenset({JobState.COMPLETED, JobState.FAILED})
"""How a probe ends once the Python has run (or the shell found none): its verdict is kept.
A probe ended otherwise (cancelled, timed out, its node lost) is run again by the next call."""


def check_python(
    hpc: HPC, facility: str, python: str, directory: str, resources: Mapping[str, Any]
) -> str | None:
    """None when `python` at `facility` can run the calls, else why not and how to fix it.

    A tiny job prints the Python version and whether cloudpickle imports, in `directory`, once
    per server, facility, system and Python for the kernel's life (once it has told: see
    `TOLD`).
    """
    key = (hpc.client.url, facility, hpc.system, python)
    with _probing_lock:
        lock = _probing.setdefault(key, threading.Lock())
    with lock:
        if key in _probed:
            return _probed[key]
        text, job = _run_probe(hpc, python, directory, resources)
        verdict = probe_verdict(text, job, facility, python)
        if job.state in TOLD:
            _probed[key] = verdict
        return verdict


def _run_probe(
    hpc: HPC, python: str, directory: str, resources: Mapping[str, Any]
) -> tuple[str, Job]:
    """Run the probe job; what it printed (or the facility's log of it) and how it ended."""
    options: dict[str, Any] = {**resources, "name": "hpc-executor-probe"}
    options.pop("depends_on", None)
    options.pop("dependency", None)
    options["time_limit"] = PROBE_TIME
    code = (
        "import sys; print('python', '%d.%d' % sys.version_info[:2]); "
        "import cloudpickle; print('cloudpickle', cloudpickle.__version__)"
    )
    script = f"#!/bin/bash\n{python} -c {shlex.quote(code)} > probe.txt 2>&1\n"
    handle = hpc.submit(script, _via="executor", workdir=directory, **options)
    try:
        job = handle.wait()
    except BaseException:  # an interrupt (or a lost server): the probe is not left queued
        with contextlib.suppress(HPCError):
            handle.cancel()
        raise
    try:
        text = hpc.read_text(f"{directory}/probe.txt")
    except NotFound:
        text = ""
    if not text.strip():  # the shell's own complaint, where the facility keeps the log
        try:
            text = handle.log("stderr") or handle.log()
        except HPCError:
            text = ""
    return text, job


def probe_verdict(text: str, job: Job, facility: str, python: str) -> str | None:
    """None when the probe's output shows the kernel's Python version with cloudpickle."""
    mine = "{}.{}".format(*sys.version_info[:2])
    lines = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    theirs = lines.get("python", "").strip()
    fix = (
        f"set the facility's `python` option to a Python {mine} with cloudpickle "
        "(docs/users/executor.md)"
    )
    if not theirs:
        said = text.strip().splitlines()[-1][:200] if text.strip() else job.state.value
        return f"{facility} cannot run Python at {python} ({said}): {fix}."
    if theirs != mine:
        return f"{facility} runs Python {theirs} at {python}, the kernel {mine}: {fix}."
    if "cloudpickle" not in lines:
        return f"{facility}'s Python {theirs} at {python} has no cloudpickle: install it, or {fix}."
    return None
