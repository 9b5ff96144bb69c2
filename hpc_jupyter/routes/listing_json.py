"""A directory listing as JSON bytes, made in pieces off the event loop when it is large."""

from __future__ import annotations

import asyncio
import hashlib
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

    `total` is added (after `entries`) only when given: a paged request. The pieces are joined
    once, as bytes: every copy of a 20 MB body holds the GIL (the event loop's too).
    """
    parts = [f'{{"path": {json.dumps(path)}, "entries": ['.encode()]
    for start in range(0, len(entries), PIECE):
        if start:
            parts.append(b", ")
        piece = [entry_json(entry) for entry in entries[start : start + PIECE]]
        parts.append(json.dumps(piece)[1:-1].encode())
    parts.append(b"]}" if total is None else f'], "total": {total}}}'.encode())
    return b"".join(parts)


def tornado_etag(body: bytes) -> str:
    """The `Etag` tornado's `RequestHandler.compute_etag` gives a body written in one piece."""
    return f'"{hashlib.sha1(body).hexdigest()}"'  # noqa: S324 (tornado's choice, not a secret)


async def listing_body(
    path: str, entries: list[FileEntry], total: int | None = None
) -> tuple[bytes, str | None]:
    """`listing_bytes` and, when made in a thread, its `Etag` (else None: tornado's to make).

    A listing of more than one piece is made in a thread, its `Etag` too: tornado would hash
    the body on the event loop (50 ms for 100,000 entries). That thread also empties
    `entries`, so the entries are freed there: freeing 100,000 of them where the caller drops
    the list, on the event loop, would take it 40 ms.
    """
    if len(entries) <= PIECE:
        return listing_bytes(path, entries, total), None

    def make() -> tuple[bytes, str]:
        body = listing_bytes(path, entries, total)
        entries.clear()
        return body, tornado_etag(body)

    return await asyncio.to_thread(make)
