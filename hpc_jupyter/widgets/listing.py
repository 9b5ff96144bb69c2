"""A directory listing as the file browser shows it: sorted, paged, one text row per entry."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..display import format_size
from ..models import FileEntry, FileType

__all__ = ["ICONS", "SORT_KEYS", "entry_label", "page_count", "sort_entries"]

ICONS: dict[FileType, str] = {
    FileType.DIRECTORY: "📁",
    FileType.FILE: "📄",
    FileType.LINK: "🔗",
    FileType.OTHER: "❔",
}
SORT_KEYS = ("name", "size", "modified")


def sort_entries(
    entries: Sequence[FileEntry], key: str = "name", descending: bool = False
) -> list[FileEntry]:
    """Directories first, then files, each group ordered by `key` (name breaks ties)."""
    if key not in SORT_KEYS:
        raise ValueError(f"Sort by one of {SORT_KEYS}, not {key!r}.")
    by_name = sorted(entries, key=lambda e: e.name.lower(), reverse=descending)
    if key == "size":
        by_name.sort(key=lambda e: e.size, reverse=descending)
    elif key == "modified":
        by_name.sort(key=lambda e: e.modified, reverse=descending)
    # stable: the directory split keeps the order chosen above
    return sorted(by_name, key=lambda e: e.type is not FileType.DIRECTORY)


def entry_label(entry: FileEntry, width: int = 40) -> str:
    """One row: icon, name (cut to `width`), size, modification time."""
    name = entry.name + ("/" if entry.type is FileType.DIRECTORY else "")
    if entry.type is FileType.LINK and entry.link_target:
        name += f" → {entry.link_target}"
    if len(name) > width:
        name = name[: width - 1] + "…"
    size = "" if entry.type is FileType.DIRECTORY else format_size(entry.size)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.modified))
    return f"{ICONS[entry.type]} {name.ljust(width)} {size.rjust(10)}  {when}"


def page_count(total: int, size: int) -> int:
    """Pages needed for `total` entries, `size` a page (at least one, even when empty)."""
    return max(1, -(-total // size))
