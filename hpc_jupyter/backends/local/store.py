"""Job records of the local facility, kept in a small SQLite file so they survive restarts.

Several Jupyter servers of one user may share the file (one per working directory, or two in
the same one). Every change that can race is therefore a conditional update inside one
`BEGIN IMMEDIATE` transaction, and its caller learns whether it won.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any

from ...shared_db import open_shared, transaction
from .paths import is_under

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
    pid_start TEXT,
    root TEXT,
    array_job_id INTEGER,
    array_task_id INTEGER,
    array_throttle INTEGER,
    depends_on TEXT,
    dependency TEXT
)
"""
_INDEX = "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state)"
"""Every follower's look (running jobs, pending jobs, the count of running ones) is by state."""
PENDING, RUNNING = "PENDING", "RUNNING"
LISTED = 1000
"""Entries a listing shows, newest first: a job, or a job array with all its tasks."""
LISTED_ROWS = 10_000
"""Records (jobs and tasks) after which a listing shows no older entry."""


@dataclass
class JobRecord:
    """One row of the jobs table. Paths are real, absolute paths on this machine.

    `root` is the root directory of the server the job was submitted to (None for a job
    recorded before roots were remembered, until a server whose root holds its work dir starts).
    """

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
    root: str | None = None
    array_job_id: int | None = None
    """For a task of a job array: the array's id (its first task's id)."""
    array_task_id: int | None = None
    array_throttle: int | None = None
    """For a task of a job array: the most of its tasks that may run at once (`%N`)."""
    depends_on: str | None = None
    """The ids of the jobs it waits for, comma-separated; None when it waits for none."""
    dependency: str | None = None
    """How it waits for them (`afterok`, `afterany`, `afternotok`)."""


_ARRAY_COLUMNS = ("array_job_id", "array_task_id", "array_throttle")
_COLUMNS = [f.name for f in fields(JobRecord)]


class Claim(Enum):
    """What became of an attempt to claim a pending job for launching."""

    CLAIMED = "claimed"
    FULL = "full"
    """`max_running` jobs run already."""
    THROTTLED = "throttled"
    """As many tasks of the job's array run as its `%N` allows."""
    TAKEN = "taken"
    """The job is no longer a launchable pending job of this root (another server took it,
    it was cancelled or held)."""


class JobStore:
    """All reads and writes of job records; one connection, used from the event loop only."""

    def __init__(self, path: Path, root: str) -> None:
        self._db = open_shared(path)
        with self._transaction() as db:
            db.execute(_SCHEMA)
            db.execute(_INDEX)
            self._migrate(db, root)

    @staticmethod
    def _migrate(db: sqlite3.Connection, root: str) -> None:
        """Add the columns a store made before them lacks, and adopt old jobs under `root`."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
        for column in ("root", "depends_on", "dependency"):
            if column not in columns:  # our own column names, no request's text
                db.execute(f"ALTER TABLE jobs ADD COLUMN {column} TEXT")
        for name in _ARRAY_COLUMNS:  # a store made before arrays
            if name not in columns:
                db.execute(f"ALTER TABLE jobs ADD COLUMN {name} INTEGER")
        db.execute("CREATE INDEX IF NOT EXISTS jobs_by_array ON jobs (array_job_id)")
        # A job recorded without its root was submitted under the root that holds its work
        # dir; the first server started there is the best evidence of it.
        orphans = db.execute("SELECT id, workdir FROM jobs WHERE root IS NULL").fetchall()
        for job_id, workdir in orphans:
            if is_under(str(workdir), root):
                db.execute("UPDATE jobs SET root = ? WHERE id = ? AND root IS NULL", (root, job_id))

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)

    def insert(self, prepare: Callable[[int], dict[str, Any]], **values: Any) -> JobRecord:
        """Record a new job; `prepare(id)` runs before it is visible and returns more columns.

        The job becomes visible to other servers only once `prepare` (which writes its script)
        has succeeded; if it raises, nothing is recorded.
        """
        with self._transaction() as db:
            job_id = self._insert(db, values)
            more = prepare(job_id)
            if more:
                self._set(db, job_id, more)
        record = self.get(job_id)
        assert record is not None
        return record

    def insert_array(
        self,
        prepare: Callable[[int], dict[str, Any]],
        tasks: list[dict[str, Any]],
        **values: Any,
    ) -> list[JobRecord]:
        """Record the tasks of a job array at once (all or none); the first's id is the array's.

        Each task's row is `values` updated with its own `tasks[i]`; `prepare(id)` runs for
        every row before any is visible, as for `insert`.
        """
        ids: list[int] = []
        with self._transaction() as db:
            for task in tasks:
                row = {**values, **task}
                if ids:
                    row["array_job_id"] = ids[0]
                job_id = self._insert(db, row)
                if not ids:
                    self._set(db, job_id, {"array_job_id": job_id})
                ids.append(job_id)
                more = prepare(job_id)
                if more:
                    self._set(db, job_id, more)
        records = [self.get(job_id) for job_id in ids]
        return [record for record in records if record is not None]

    @staticmethod
    def _insert(db: sqlite3.Connection, values: dict[str, Any]) -> int:
        """Insert one row of `values` (column names from our own code, never from a request;
        values bound); its id."""
        row = {**values, "env": json.dumps(values.get("env") or {})}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        query = f"INSERT INTO jobs ({names}) VALUES ({marks})"  # noqa: S608
        job_id = db.execute(query, list(row.values())).lastrowid
        assert job_id is not None
        return job_id

    def tasks(self, array_job_id: int) -> list[JobRecord]:
        """Every task of an array, by task index."""
        query = (
            f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE array_job_id = ?"  # noqa: S608
            " ORDER BY array_task_id"
        )
        return [_record(row) for row in self._db.execute(query, (array_job_id,))]

    def transition_tasks(
        self,
        array_job_id: int,
        states: frozenset[str],
        where: str = "",
        params: tuple[Any, ...] = (),
        **values: Any,
    ) -> list[int]:
        """Change some columns of every task of an array whose state is one of `states` (and
        that meets `where`, as for `transition`), in one transaction; the ids of those changed."""
        marks = ", ".join("?" for _ in states)
        with self._transaction() as db:
            query = f"SELECT id FROM jobs WHERE array_job_id = ? AND state IN ({marks})"  # noqa: S608
            ids = [row[0] for row in db.execute(query, [array_job_id, *sorted(states)])]
            return [
                job_id
                for job_id in ids
                if self._set(db, job_id, dict(values), states, where, list(params))
            ]

    def task(self, array_job_id: int, task_id: int) -> JobRecord | None:
        """One task of an array, or None."""
        query = (
            f"SELECT {', '.join(_COLUMNS)} FROM jobs"  # noqa: S608
            " WHERE array_job_id = ? AND array_task_id = ?"
        )
        row = self._db.execute(query, (array_job_id, task_id)).fetchone()
        return _record(row) if row else None

    def transition(
        self,
        job_id: int,
        states: frozenset[str],
        where: str = "",
        params: tuple[Any, ...] = (),
        **values: Any,
    ) -> bool:
        """Change some columns of a job if its state is one of `states`; True if it was.

        `where` adds a condition written by our own code (never a request's text), with its
        `params` bound.
        """
        with self._transaction() as db:
            return self._set(db, job_id, values, states, where, list(params))

    def claim(self, job_id: int, root: str, held: str, max_running: int, now: float) -> Claim:
        """Mark a pending job of `root` RUNNING (not held), if fewer than `max_running` run.

        The count and the change are one transaction, so of several servers following the
        store exactly one claims a job, and no claim makes the running jobs of all of them more
        than the claimer's `max_running`.
        """
        with self._transaction() as db:
            (running,) = db.execute(
                "SELECT COUNT(*) FROM jobs WHERE state = ?", (RUNNING,)
            ).fetchone()
            if running >= max_running:
                return Claim.FULL
            throttle = db.execute(
                "SELECT array_job_id, array_throttle FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if throttle is not None and throttle[1] is not None:
                (siblings,) = db.execute(
                    "SELECT COUNT(*) FROM jobs WHERE state = ? AND array_job_id = ?",
                    (RUNNING, throttle[0]),
                ).fetchone()
                if siblings >= throttle[1]:
                    return Claim.THROTTLED
            won = self._set(
                db,
                job_id,
                {
                    "state": RUNNING,
                    "reason": None,
                    "start_time": now,
                    "pid": None,
                    "pid_start": None,
                },
                frozenset({PENDING}),
                "root = ? AND reason IS NOT ?",
                [root, held],
            )
            return Claim.CLAIMED if won else Claim.TAKEN

    @staticmethod
    def _set(
        db: sqlite3.Connection,
        job_id: int,
        values: dict[str, Any],
        states: frozenset[str] | None = None,
        where: str = "",
        params: list[Any] | None = None,
    ) -> bool:
        if "env" in values:
            values["env"] = json.dumps(values["env"])
        assignments = ", ".join(f"{name} = ?" for name in values)
        query = f"UPDATE jobs SET {assignments} WHERE id = ?"  # noqa: S608 (our column names)
        args: list[Any] = [*values.values(), job_id]
        if states is not None:
            query += f" AND state IN ({', '.join('?' for _ in states)})"
            args.extend(sorted(states))
        if where:
            query += f" AND {where}"
            args.extend(params or [])
        return db.execute(query, args).rowcount == 1

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

    def launchable(self, root: str, blocked: frozenset[str]) -> list[tuple[int, int | None]]:
        """The pending jobs of `root` whose reason is none of `blocked`, oldest first: the order
        they start in, however many newer jobs (a large array) wait behind them.

        Only each job's id and its array's (for the throttle) are read: the follower reads
        them every tick, and starts few of them.
        """
        marks = ", ".join("?" for _ in blocked)
        query = (
            "SELECT id, array_job_id FROM jobs WHERE state = ? AND root = ?"  # noqa: S608
            f" AND (reason IS NULL OR reason NOT IN ({marks})) ORDER BY id"
        )
        rows = self._db.execute(query, [PENDING, root, *sorted(blocked)])
        return [(job_id, array_job_id) for job_id, array_job_id in rows]

    def waits(self, reason: str) -> list[JobRecord]:
        """One pending job with this reason (waiting for a dependency) per distinct dependency,
        oldest first: the jobs that wait alike (an array's tasks) are decided together."""
        query = (
            f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id IN"  # noqa: S608 (our column names)
            " (SELECT MIN(id) FROM jobs WHERE state = ? AND reason = ?"
            " GROUP BY depends_on, dependency) ORDER BY id"
        )
        return [_record(row) for row in self._db.execute(query, (PENDING, reason))]

    def decide_waits(self, like: JobRecord, waiting: str, reason: str) -> int:
        """Give `reason` to every pending job still `waiting` for the dependency `like` waits
        for, in one conditional update (another server may have decided it); how many."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET reason = ? WHERE state = ? AND reason = ?"
                " AND depends_on IS ? AND dependency IS ?",
                (reason, PENDING, waiting, like.depends_on, like.dependency),
            )
            return changed.rowcount

    def listing(self, entries: int = LISTED, rows: int = LISTED_ROWS) -> list[JobRecord]:
        """The newest `entries` jobs, newest first, an array counting as one and listed whole;
        no older entry once `rows` records are listed (the entry reaching it is still whole).

        An array's tasks are inserted in one transaction after its first (whose id is the
        array's): every row from the oldest entry's first row on is one of the newest entries.
        """
        by_entries = self._db.execute(
            "SELECT id FROM jobs WHERE array_job_id IS NULL OR array_job_id = id"
            " ORDER BY id DESC LIMIT 1 OFFSET ?",
            (entries - 1,),
        ).fetchone()
        by_rows = self._db.execute(
            "SELECT COALESCE(array_job_id, id) FROM jobs ORDER BY id DESC LIMIT 1 OFFSET ?",
            (rows - 1,),
        ).fetchone()
        oldest = max(by_entries[0] if by_entries else 0, by_rows[0] if by_rows else 0)
        query = f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id >= ?"  # noqa: S608
        return [_record(row) for row in self._db.execute(query + " ORDER BY id DESC", (oldest,))]

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _record(row: tuple[Any, ...]) -> JobRecord:
    data = dict(zip(_COLUMNS, row, strict=True))
    try:
        env = json.loads(data["env"] or "{}")
    except ValueError:  # a damaged row must not hide every other job
        env = {}
    data["env"] = env if isinstance(env, dict) else {}
    return JobRecord(**data)
