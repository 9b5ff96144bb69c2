"""This machine's health as the local facility's status: its load, memory and disk."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ...models import Health, SystemHealth
from ...sizefmt import format_size

BUSY_LOAD = 2.0
"""Load per CPU above which the machine is `degraded`: jobs would crawl."""
LOW_MEMORY = 0.05
"""Share of memory available below which the machine is `degraded`."""
LOW_DISK = 0.02
"""Share of the root's disk free below which the machine is `degraded`."""


def _memory() -> tuple[int, int] | None:
    """Available and total memory in bytes, from /proc/meminfo (None elsewhere)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        total = int(fields["MemTotal"].split()[0]) * 1024
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None
    return available, total


def health(name: str, root: Path) -> SystemHealth:
    """The machine's load, memory and the root's disk, and whether any is a problem."""
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0]
    said = [f"load {load:.2f} on {cpus} CPU{'s' if cpus != 1 else ''}"]
    problems = []
    if load > BUSY_LOAD * cpus:
        problems.append("the machine is very busy")
    memory = _memory()
    if memory is not None:
        available, total = memory
        said.append(f"{format_size(available)} of {format_size(total)} memory available")
        if available < LOW_MEMORY * total:
            problems.append("memory is nearly used up")
    disk = shutil.disk_usage(root)
    said.append(f"{format_size(disk.free)} free on the disk of the root")
    if disk.free < LOW_DISK * disk.total:
        problems.append("the disk is nearly full")
    message = "; ".join(problems + said) + "."
    return SystemHealth(
        name=name,
        health=Health.DEGRADED if problems else Health.UP,
        message=message[0].upper() + message[1:],
        checked_at=time.time(),
    )
