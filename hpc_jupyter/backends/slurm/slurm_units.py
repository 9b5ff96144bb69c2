"""Slurm's own notations, as its commands print them: TRES lists, memory sizes, CPU times."""

from __future__ import annotations

import re

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGTP]?)([nc]?)$", re.IGNORECASE)
_CLOCK = re.compile(r"^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")


def parse_tres(text: str) -> dict[str, str]:
    """`cpu=2,mem=200M,node=1,gres/gpu=1` as a mapping; empty for "" or `(null)`."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {name.strip(): value.strip() for name, value in pairs if name.strip()}


def tres_numbers(text: str) -> dict[str, float]:
    """A TRES list's numeric values (`cpu=600,node=10`); sizes such as `mem=200M` in bytes."""
    numbers: dict[str, float] = {}
    for name, value in parse_tres(text).items():
        size = parse_memory(value, default_unit="") if value else None
        if size is not None:
            numbers[name] = float(size)
    return numbers


def parse_memory(text: str, default_unit: str = "M") -> int | None:
    """Bytes of a Slurm size such as `93088K`, `200M`, `1.50G` (`default_unit` when it has none).

    A trailing `n` (per node) or `c` (per CPU), as sacct wrote ReqMem before 21.08, is ignored
    here: `memory_suffix` tells which it was. None when `text` is empty or not a size.
    """
    match = _SIZE.match(text.strip())
    if not match:
        return None
    number, unit, _ = match.groups()
    return int(float(number) * _UNITS[(unit or default_unit).upper()])


def memory_suffix(text: str) -> str:
    """`n` (per node), `c` (per CPU) or "" (the whole job) of a ReqMem such as `4000Mc`."""
    match = _SIZE.match(text.strip())
    return match.group(3).lower() if match else ""


def parse_duration(text: str) -> float | None:
    """Seconds of `[D-][HH:]MM:SS[.mmm]` (sacct's TotalCPU, Elapsed); None when not one."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
