"""Hidden temporary files of uploads to the local facility: their names, and sweeping old ones."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

MARK = ".hpc-upload-"
_NAME = re.compile(rf"\..+{re.escape(MARK)}[0-9a-f]{{12}}", re.DOTALL)

STALE_AFTER = 3600.0
"""Seconds without a write after which a temporary file is an upload's leftover: a live upload
writes every chunk, and a silent client is dropped long before this by the server."""

SWEEP_LIMIT = 100_000
"""The most directory entries one sweep looks at, so that a huge tree cannot keep it busy."""

SWEEP_BUDGET = 30.0
"""The most seconds one sweep walks (a slow network filesystem)."""


def temp_name(target: str) -> str:
    """A fresh temporary name beside the file `target`."""
    # Shorten the target's name: with the 25 bytes added, a name near NAME_MAX (255 bytes)
    # would otherwise make an impossible temporary name (48 characters are 192 bytes at most).
    return f".{target[:48]}{MARK}{secrets.token_hex(6)}"


def is_temp_name(name: str) -> bool:
    """Whether `name` is one that `temp_name` makes."""
    return _NAME.fullmatch(name) is not None


def sweep(
    root: Path,
    *,
    stale_after: float = STALE_AFTER,
    limit: int = SWEEP_LIMIT,
    budget: float = SWEEP_BUDGET,
) -> int:
    """Remove our temporary files under `root` not written for `stale_after` seconds.

    Only regular files with our exact name pattern; links are neither followed nor removed.
    Looks at `limit` entries and walks `budget` seconds at most. Blocking: run it in a thread.
    Returns how many files it removed.
    """
    cutoff = time.time() - stale_after
    stop = time.monotonic() + budget
    removed = seen = 0
    pending = [root]
    while pending and seen < limit and time.monotonic() < stop:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if seen > limit:
                        break
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(Path(entry.path))
                        elif (
                            is_temp_name(entry.name)
                            and entry.is_file(follow_symlinks=False)
                            and entry.stat(follow_symlinks=False).st_mtime < cutoff
                        ):
                            os.unlink(entry.path)
                            removed += 1
                    except OSError:
                        continue  # gone meanwhile, or not ours to remove: leave it
        except OSError:
            continue  # a directory we may not read
    return removed
