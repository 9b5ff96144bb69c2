"""Slurm's `--array` indexes (`0-9`, `1,3,5-7`, `0-15:4%2`): task indexes and a throttle."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ValidationError
from ..inputs import shown

MAX_TASKS = 1000
"""The most tasks one array may have on a facility that runs arrays itself (the local one), as
Slurm's default MaxArraySize (1001) allows indexes 0 to 1000."""
MAX_INDEX = 4_000_000
"""The largest task index accepted: Slurm's own limit is MaxArraySize, at most 4,000,001."""

_RANGE = re.compile(r"^(\d{1,10})(?:-(\d{1,10})(?::(\d{1,10}))?)?$")


@dataclass(frozen=True)
class ArraySpec:
    """The task indexes of an array, in ascending order, and how many may run at once."""

    indexes: tuple[int, ...]
    throttle: int | None = None

    @property
    def count(self) -> int:
        """How many tasks the array has."""
        return len(self.indexes)


def parse_array(text: str, max_tasks: int = MAX_TASKS) -> ArraySpec:
    """Read `--array` text; a `ValidationError` (400) for what Slurm would refuse, or too many."""
    body, percent, limit = text.strip().partition("%")
    throttle: int | None = None
    if percent:
        if not (limit.isascii() and limit.isdigit()) or len(limit) > 7 or int(limit) < 1:
            raise ValidationError(
                f"Array {shown(text)}: after % give the most tasks at once (a whole number >= 1)."
            )
        throttle = int(limit)
    found: set[int] = set()
    parts = body.split(",")
    if len(parts) > max_tasks:  # bounds the work below: each part adds at most max_tasks
        raise ValidationError(f"Array {shown(text)} has more than {max_tasks} tasks.")
    for part in parts:
        match = _RANGE.match(part.strip())
        if match is None:
            raise ValidationError(
                f"Array {shown(text)} is not a list of task indexes such as 0-9, 1,3,5-7 or 0-99%8."
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        step = int(match.group(3) or 1)
        if last < first or step < 1 or last > MAX_INDEX:
            raise ValidationError(
                f"Array {shown(text)}: a range goes up (0-9), by a step of at least 1 (0-9:2), "
                f"to at most {MAX_INDEX}."
            )
        # The range's size is checked before it is made (`0-4000000` must not allocate), the
        # union's after: overlapping ranges count each task once, as in Slurm.
        if (last - first) // step + 1 > max_tasks:
            raise ValidationError(f"Array {shown(text)} has more than {max_tasks} tasks.")
        found.update(range(first, last + 1, step))
        if len(found) > max_tasks:
            raise ValidationError(f"Array {shown(text)} has more than {max_tasks} tasks.")
    return ArraySpec(tuple(sorted(found)), throttle)
