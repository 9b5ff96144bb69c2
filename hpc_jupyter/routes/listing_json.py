"""A directory listing as JSON bytes, made in pieces off the event loop when it is large."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..models import FileEntry

PIECE = 1000
"""Entries per `json.dumps` call: the C encoder holds the GIL for a whole call, so one call
over 100,000 entries would stall the event loop's thread for a quarter of a second."""


def entry_json(entry: FileEntry) -> dict[str, Any]:
    """`entry.to_dict()`, the same keys in the same order, not the generic walk: 4 times faster."""
    return {
        "name": entry.name,
        "path": entry.path,
        "type": entry.type.value,
        "size": entry.size,
        "permissions": entry.permissions,
        "user": entry.user,
        "group": entry.group,
        "modified": entry.modified,
        "link_target": entry.link_target,
    }


def listing_bytes(path: str, entries: list[FileEntry], total: int | None = None) -> bytes:
    """The API's `Listing`, byte for byte what `json.dumps` of the whole model gives.

    `total` is added (after `entries`) only when given: a paged request.
    """
    pieces = [
        json.dumps([entry_json(entry) for entry in entries[start : start + PIECE]])[1:-1]
        for start in range(0, len(entries), PIECE)
    ]
    text = f'{{"path": {json.dumps(path)}, "entries": [{", ".join(pieces)}]'
    if total is not None:
        text += f', "total": {total}'
    return (text + "}").encode()


async def listing_body(path: str, entries: list[FileEntry], total: int | None = None) -> bytes:
    """`listing_bytes`, in a thread when the listing is more than one piece."""
    if len(entries) <= PIECE:
        return listing_bytes(path, entries, total)
    return await asyncio.to_thread(listing_bytes, path, entries, total)
