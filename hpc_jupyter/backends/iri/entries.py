"""The IRI API's file listings and stat results as the project's file entries."""

from __future__ import annotations

from typing import Any

from ...errors import FacilityError
from ...models import FileEntry, FileType
from ..file_entries import listing_entry, stat_entry

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


def from_row(raw: Any, path: str) -> FileEntry:
    """One row of `ls` (or the entry a mkdir/chmod task returns) for the file at `path`."""
    if not isinstance(raw, dict) or "name" not in raw:
        raise FacilityError("The IRI API answered a file operation with no file entry.")
    kind = _TYPES.get(str(raw.get("type") or ""), FileType.OTHER)
    # `last_modified` is "2026-11-22 10:24:23", no zone: taken as UTC.
    return listing_entry(
        raw, path, kind, _LETTERS[kind], raw.get("last_modified"), raw.get("link_target")
    )


def from_stat(path: str, raw: Any) -> FileEntry:
    """A `stat` task's output (numbers where a listing has names)."""
    if not isinstance(raw, dict):
        raise FacilityError("The IRI API answered stat with no file status.")
    return stat_entry(path, raw)
