"""The IRI API's file listings and stat results as the project's file entries."""

from __future__ import annotations

import posixpath
import stat as statmod
from datetime import datetime, timezone
from typing import Any

from ...errors import FacilityError
from ...models import FileEntry, FileType

_TYPES = {
    "file": FileType.FILE,
    "-": FileType.FILE,
    "directory": FileType.DIRECTORY,
    "d": FileType.DIRECTORY,
    "link": FileType.LINK,
    "symlink": FileType.LINK,
    "l": FileType.LINK,
}
_LETTERS = {FileType.FILE: "-", FileType.DIRECTORY: "d", FileType.LINK: "l", FileType.OTHER: "?"}


def _modified(text: Any) -> float:
    """`last_modified` ("2026-11-22 10:24:23", no zone: taken as UTC) as Unix seconds."""
    if not isinstance(text, str) or not text:
        return 0.0
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def from_row(raw: Any, path: str) -> FileEntry:
    """One row of `ls` (or the entry a mkdir/chmod task returns) for the file at `path`."""
    if not isinstance(raw, dict) or "name" not in raw:
        raise FacilityError("The IRI API answered a file operation with no file entry.")
    kind = _TYPES.get(str(raw.get("type") or ""), FileType.OTHER)
    permissions = str(raw.get("permissions") or "")
    if len(permissions) == 9:
        permissions = _LETTERS[kind] + permissions
    try:
        size = int(raw.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    return FileEntry(
        name=posixpath.basename(path.rstrip("/")) or path,
        path=path,
        type=kind,
        size=size,
        permissions=permissions,
        user=str(raw.get("user") or ""),
        group=str(raw.get("group") or ""),
        modified=_modified(raw.get("last_modified")),
        link_target=raw.get("link_target") or None,
    )


def from_stat(path: str, raw: Any) -> FileEntry:
    """A `stat` task's output (numbers where a listing has names)."""
    if not isinstance(raw, dict):
        raise FacilityError("The IRI API answered stat with no file status.")
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
        name=posixpath.basename(path.rstrip("/")) or path,
        path=path,
        type=kind,
        size=int(raw.get("size") or 0),
        permissions=statmod.filemode(mode),
        user=str(raw.get("uid", "")),
        group=str(raw.get("gid", "")),
        modified=float(raw.get("mtime") or 0),
    )
