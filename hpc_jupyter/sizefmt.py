"""Byte counts for humans, as shown in tables and error messages."""

from __future__ import annotations


def format_size(size: int) -> str:
    """Bytes for humans: `512 B`, `1.5 KiB`, `2.0 GiB`."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
