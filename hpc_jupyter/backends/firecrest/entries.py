"""FirecREST's file listings and stat results as the project's file entries."""

from __future__ import annotations

import posixpath
from typing import Any

from ...models import FileEntry, FileType
from ..file_entries import listing_entry, stat_entry

_TYPES = {"-": FileType.FILE, "d": FileType.DIRECTORY, "l": FileType.LINK}


def join(directory: str, name: str) -> str:
    """A child path of a remote directory."""
    return posixpath.join(directory, name)


def from_listing(raw: dict[str, Any], directory: str | None) -> FileEntry:
    """One `ls` row of v2 (`lastModified`, `linkTarget`) or v1 (`last_modified`,
    `link_target`); `directory` None when `name` is already the full path (chmod, mkdir)."""
    name = str(raw["name"])
    path = join(directory, name) if directory is not None else name
    kind = str(raw.get("type") or "-")
    # FirecREST leaves out the type letter that `ls -l` shows; `lastModified` is
    # "2026-11-22T10:33:43", the server's clock, no zone.
    return listing_entry(
        raw,
        path,
        _TYPES.get(kind, FileType.OTHER),
        kind,
        raw.get("lastModified", raw.get("last_modified")),
        raw.get("linkTarget", raw.get("link_target")),
    )


def from_stat(path: str, raw: dict[str, Any]) -> FileEntry:
    """An `ops/stat` result; it has numbers where a listing has names."""
    return stat_entry(path, raw)
