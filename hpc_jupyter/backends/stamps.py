"""Facility APIs' timestamps (ISO 8601 text or Unix numbers) as Unix seconds."""

from __future__ import annotations

import datetime
from typing import Any


def unix_seconds(value: Any) -> float | None:
    """Unix seconds of an ISO 8601 timestamp (UTC when it names no zone) or a number; else None.

    >>> unix_seconds("2026-11-22T10:26:56Z"), unix_seconds(1729159200), unix_seconds("soon")
    (1795343216.0, 1729159200.0, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()
