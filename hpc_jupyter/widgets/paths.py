"""Remote path arithmetic for the file browser: join, parent, breadcrumbs (POSIX paths)."""

from __future__ import annotations

import posixpath

__all__ = ["crumbs", "join", "parent"]

HOME = "."
"""How the local facility names its root; other facilities use absolute paths."""


def join(directory: str, name: str) -> str:
    """`name` inside `directory` ("." joins to the bare name, as the local facility shows it)."""
    if name.startswith("/"):
        return posixpath.normpath(name)
    if directory in ("", HOME):
        return posixpath.normpath(name)
    return posixpath.normpath(posixpath.join(directory, name))


def parent(path: str) -> str:
    """The directory above `path`; the root ("/" or ".") is its own parent."""
    if path in ("", HOME, "/"):
        return path or HOME
    head = posixpath.dirname(path.rstrip("/"))
    if head == "":
        return HOME
    return head


def crumbs(path: str) -> list[tuple[str, str]]:
    """`(label, path)` for each directory from the root down to `path`."""
    if path in ("", HOME):
        return [("⌂", HOME)]
    if path.startswith("/"):
        found = [("/", "/")]
        current = ""
    else:
        found = [("⌂", HOME)]
        current = ""
    for part in path.strip("/").split("/"):
        if not part or part == ".":
            continue
        current = f"{current}/{part}" if current or path.startswith("/") else part
        found.append((part, current))
    return found
