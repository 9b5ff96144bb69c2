"""File entries from the `ls`-style rows and `stat` results that facility APIs answer with."""

from __future__ import annotations

import posixpath
import stat as statmod
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..models import FileEntry, FileType


def entry_name(path: str) -> str:
    """The last part of a remote path (the path itself for the root)."""
    return posixpath.basename(path.rstrip("/")) or path


def iso_seconds(text: Any) -> float:
    """An ISO 8601 time (no zone: taken as UTC) as Unix seconds; 0 when there is none."""
    if not isinstance(text, str) or not text:
        return 0.0
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def listing_entry(
    raw: Mapping[str, Any],
    path: str,
    kind: FileType,
    letter: str,
    modified: Any,
    link_target: Any,
) -> FileEntry:
    """One row of `ls`, whose permissions may lack the type `letter` that `ls -l` shows."""
    permissions = str(raw.get("permissions") or "")
    if len(permissions) == 9:
        permissions = letter + permissions
    try:
        size = int(raw.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    return FileEntry(
        name=entry_name(path),
        path=path,
        type=kind,
        size=size,
        permissions=permissions,
        user=str(raw.get("user") or ""),
        group=str(raw.get("group") or ""),
        modified=iso_seconds(modified),
        link_target=link_target or None,
    )


def stat_entry(path: str, raw: Mapping[str, Any]) -> FileEntry:
    """A `stat` result: numbers (`mode`, `uid`, `mtime`) where a listing has names."""
    mode = int(raw.get("mode") or 0)
    if statmod.S_ISLNK(mode):
        kind = FileType.LINK
    elif statmod.S_ISDIR(mode):
        kind = FileType.DIRECTORY
    elif statmod.S_ISREG(mode):
        kind = FileType.FILE
    else:
        kind = FileType.OTHER
    return FileEntry(
        name=entry_name(path),
        path=path,
        type=kind,
        size=int(raw.get("size") or 0),
        permissions=statmod.filemode(mode),
        user=str(raw.get("uid", "")),
        group=str(raw.get("gid", "")),
        modified=float(raw.get("mtime") or 0),
    )
