"""FirecREST's file listings and stat results as the project's file entries."""

from __future__ import annotations

import posixpath
import stat as statmod
from datetime import datetime, timezone
from typing import Any

from ...models import FileEntry, FileType

_TYPES = {"-": FileType.FILE, "d": FileType.DIRECTORY, "l": FileType.LINK}


def join(directory: str, name: str) -> str:
    """A child path of a remote directory."""
    return posixpath.join(directory, name)


def _modified(text: Any) -> float:
    """`lastModified` ("2026-11-22T10:33:43", the server's clock, no zone) as Unix seconds."""
    if not isinstance(text, str) or not text:
        return 0.0
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def from_listing(raw: dict[str, Any], directory: str | None) -> FileEntry:
    """One `ls` row; `directory` None when `name` is already the full path (chmod, mkdir)."""
    name = str(raw["name"])
    path = join(directory, name) if directory is not None else name
    kind = str(raw.get("type") or "-")
    permissions = str(raw.get("permissions") or "")
    if len(permissions) == 9:  # FirecREST leaves out the type letter that `ls -l` shows
        permissions = kind + permissions
    try:
        size = int(raw.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    return FileEntry(
        name=posixpath.basename(path.rstrip("/")) or "/",
        path=path,
        type=_TYPES.get(kind, FileType.OTHER),
        size=size,
        permissions=permissions,
        user=str(raw.get("user") or ""),
        group=str(raw.get("group") or ""),
        modified=_modified(raw.get("lastModified")),
        link_target=raw.get("linkTarget") or None,
    )


def from_stat(path: str, raw: dict[str, Any]) -> FileEntry:
    """An `ops/stat` result; it has numbers where a listing has names."""
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
        name=posixpath.basename(path.rstrip("/")) or "/",
        path=path,
        type=kind,
        size=int(raw.get("size") or 0),
        permissions=statmod.filemode(mode),
        user=str(raw.get("uid", "")),
        group=str(raw.get("gid", "")),
        modified=float(raw.get("mtime") or 0),
    )
