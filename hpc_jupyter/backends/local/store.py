"""Job records of the local facility, kept in a small SQLite file so they survive restarts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    user TEXT NOT NULL,
    partition TEXT,
    account TEXT,
    nodes INTEGER,
    workdir TEXT NOT NULL,
    stdout TEXT NOT NULL,
    stderr TEXT NOT NULL,
    time_limit INTEGER,
    env TEXT NOT NULL DEFAULT '{}',
    submit_time REAL NOT NULL,
    start_time REAL,
    end_time REAL,
    exit_code INTEGER,
    pid INTEGER,
    pid_start TEXT
);
"""


@dataclass
class JobRecord:
    """One row of the jobs table. Paths are real, absolute paths on this machine."""

    id: int
    name: str
    state: str
    user: str
    workdir: str
    stdout: str
    stderr: str
    submit_time: float
    reason: str | None = None
    partition: str | None = None
    account: str | None = None
    nodes: int | None = None
    time_limit: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    start_time: float | None = None
    end_time: float | None = None
    exit_code: int | None = None
    pid: int | None = None
    pid_start: str | None = None


_COLUMNS = [f.name for f in fields(JobRecord)]


class JobStore:
    """All reads and writes of job records; one connection, used from the event loop only."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def insert(self, **values: Any) -> JobRecord:
        """Record a new job and return it with its id."""
        values["env"] = json.dumps(values.get("env") or {})
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._transaction() as db:
            # Column names come from our own code, never from a request; values are bound.
            query = f"INSERT INTO jobs ({names}) VALUES ({marks})"  # noqa: S608
            cursor = db.execute(query, list(values.values()))
            job_id = cursor.lastrowid
        assert job_id is not None
        record = self.get(job_id)
        assert record is not None
        return record

    def update(self, job_id: int, **values: Any) -> None:
        """Change some columns of a job."""
        if "env" in values:
            values["env"] = json.dumps(values["env"])
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._transaction() as db:
            query = f"UPDATE jobs SET {assignments} WHERE id = ?"  # noqa: S608 (our column names)
            db.execute(query, [*values.values(), job_id])

    def get(self, job_id: int) -> JobRecord | None:
        """One job, or None."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?"  # noqa: S608
        row = self._db.execute(query, (job_id,)).fetchone()
        return _record(row) if row else None

    def select(self, states: frozenset[str] | None = None, limit: int = 1000) -> list[JobRecord]:
        """The newest jobs first, optionally only those in `states`."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM jobs"  # noqa: S608 (our column names)
        params: list[Any] = []
        if states is not None:
            query += f" WHERE state IN ({', '.join('?' for _ in states)})"
            params.extend(sorted(states))
        query += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return [_record(row) for row in self._db.execute(query, params)]

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _record(row: tuple[Any, ...]) -> JobRecord:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["env"] = json.loads(data["env"] or "{}")
    return JobRecord(**data)
