"""Slurm's time formats: every form `--time` accepts, the ones it does not, and durations."""

from __future__ import annotations

import pytest

from hpc_jupyter.errors import ValidationError
from hpc_jupyter.timefmt import format_duration, parse_time_limit


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1", 60),  # minutes
        ("90", 5400),
        ("0:01", 1),  # minutes:seconds
        ("5:30", 330),
        ("1:00:00", 3600),  # hours:minutes:seconds
        ("12:34:56", 12 * 3600 + 34 * 60 + 56),
        ("1-0", 86400),  # days-hours
        ("2-12", 2 * 86400 + 12 * 3600),
        ("1-00:30", 86400 + 30 * 60),  # days-hours:minutes
        ("1-02:03:04", 86400 + 2 * 3600 + 3 * 60 + 4),  # days-hours:minutes:seconds
        ("0-0:0:1", 1),
        (" 10 ", 600),  # surrounding blanks are ignored
        ("00:90", 90),  # Slurm does not insist on fields below 60
    ],
)
def test_slurm_time_forms(text: str, seconds: int) -> None:
    assert parse_time_limit(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1h",
        "1:2:3:4",
        "-5",
        "1-",
        "-1:00",
        "1.5",
        "1:",
        ":30",
        "1--2",
        "1-2-3",
        "infinite",
        "UNLIMITED",
    ],
)
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_time_limit(text)
    assert "not a Slurm time" in info.value.message


@pytest.mark.parametrize("text", ["0", "0:00", "00:00:00", "0-0", "0-00:00:00"])
def test_zero_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_time_limit(text)
    assert "longer than zero" in info.value.message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "00:00:00"),
        (-5, "00:00:00"),
        (59.9, "00:00:59"),
        (3661, "01:01:01"),
        (86399, "23:59:59"),
        (86400, "1-00:00:00"),
        (2 * 86400 + 3 * 3600 + 4 * 60 + 5, "2-03:04:05"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [1, 61, 3600, 86400 + 7, 3 * 86400 + 3599])
def test_formatted_durations_read_back(seconds: int) -> None:
    assert parse_time_limit(format_duration(seconds)) == seconds
