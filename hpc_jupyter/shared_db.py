"""A SQLite file several Jupyter servers of one user share: WAL, a busy timeout, locked writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT = 10.0
"""Seconds a writer waits for another server's transaction before "database is locked"."""


def open_shared(path: Path) -> sqlite3.Connection:
    """A connection to `path` (created with its folder), in WAL mode, for the event loop only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Transactions here last milliseconds: waiting for another server's is the right answer.
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    db.execute("PRAGMA journal_mode=WAL")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, locked from its start (`BEGIN IMMEDIATE`): read, decide, write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
