"""Slurm's time formats, read and written (`--time`, TimeLimit, elapsed times)."""

from __future__ import annotations

import re

from .errors import ValidationError
from .inputs import shown

_FORMS = re.compile(
    r"^(?:(?P<days>\d+)-(?P<dh>\d+)(?::(?P<dm>\d+)(?::(?P<ds>\d+))?)?"
    r"|(?P<h>\d+):(?P<m>\d+):(?P<s>\d+)"
    r"|(?P<mm>\d+):(?P<ss>\d+)"
    r"|(?P<minutes>\d+))$",
    re.ASCII,  # `\d` would also take non-ASCII digits such as '²', which int() refuses
)
_LONGEST = 32
"""No Slurm time is longer; int() of thousands of digits would be refused by Python itself."""


def parse_time_limit(text: str) -> int:
    """Seconds in a Slurm time: M, M:S, H:M:S, D-H, D-H:M or D-H:M:S.

    >>> parse_time_limit("0:01"), parse_time_limit("90"), parse_time_limit("1-00:30")
    (1, 5400, 88200)
    """
    match = _FORMS.match(text.strip()) if len(text) <= _LONGEST else None
    if match is None:
        raise ValidationError(
            f"Time limit {shown(text)} is not a Slurm time: use minutes, M:S, H:M:S or D-H:M:S."
        )
    g = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if "days" in g:
        seconds = g["days"] * 86400 + g["dh"] * 3600 + g.get("dm", 0) * 60 + g.get("ds", 0)
    elif "h" in g:
        seconds = g["h"] * 3600 + g["m"] * 60 + g["s"]
    elif "mm" in g:
        seconds = g["mm"] * 60 + g["ss"]
    else:
        seconds = g["minutes"] * 60
    if seconds <= 0:
        raise ValidationError(f"Time limit {shown(text)} must be longer than zero.")
    return seconds


def format_duration(seconds: float | None) -> str:
    """Seconds as Slurm prints them: `D-HH:MM:SS`, or `HH:MM:SS` under a day; `-` when unknown."""
    if seconds is None:
        return "-"
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}-{clock}" if days else clock
