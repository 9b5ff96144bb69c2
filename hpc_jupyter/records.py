"""The server's own records of how each job was submitted: request, origin and time, per facility.

Each facility has a SQLite file in its data directory (`records.sqlite`, mode 0600), shared by
every server of the user on that data directory (unlike the 24-hour Idempotency-Key ledger,
these are kept for later: finding the notebook a job came from, submitting it again). A record
is written when the facility accepted a job; records older than `MAX_AGE` (90 days) are
dropped, and of the rest a facility keeps the newest `MAX_PER_FACILITY` (10,000).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import HPCError
from .models import Job, JobRequest, Origin, Submission
from .shared_db import open_shared, transaction

log = logging.getLogger(__name__)
FILE_NAME = "records.sqlite"
MAX_AGE = 90 * 24 * 3600.0
"""Seconds a record is kept (docs/users say 90 days)."""
MAX_PER_FACILITY = 10_000
"""The most records a facility keeps, the oldest dropped first."""
MAX_PARSED = 50_000
"""The most parsed origins kept in memory (then they are parsed again)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    system TEXT NOT NULL,
    job_id TEXT NOT NULL,
    request TEXT NOT NULL,
    origin TEXT,
    submitted_at REAL NOT NULL,
    PRIMARY KEY (system, job_id)
);
CREATE INDEX IF NOT EXISTS records_by_time ON records (submitted_at);
"""
# `request` is the JobRequest as sent (JSON), `origin` its origin alone (JSON or NULL) so that
# a listing's origins are read without parsing whole scripts.

_RENAMED = """
UPDATE records SET
    origin = json_set(origin, '$.notebook',
                      :new || substr(json_extract(origin, '$.notebook'), :tail)),
    request = json_set(request, '$.origin.notebook',
                       :new || substr(json_extract(origin, '$.notebook'), :tail))
WHERE json_extract(origin, '$.notebook') = :old
   OR substr(json_extract(origin, '$.notebook'), 1, :tail) = :under
"""
# A notebook or a folder renamed: `old` itself, or a path under `old/`, now under `new`.


class _FacilityRecords:
    """The records file of one facility; one connection, used from the event loop only."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        self._db = open_shared(path)
        self._db.executescript(_SCHEMA)

    def add(self, system: str, job_id: str, request: JobRequest, at: float) -> None:
        origin = None if request.origin is None else json.dumps(request.origin.to_dict())
        with transaction(self._db) as db:
            db.execute(
                "INSERT OR REPLACE INTO records (system, job_id, request, origin, submitted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (system, job_id, json.dumps(request.to_dict()), origin, at),
            )
            db.execute("DELETE FROM records WHERE submitted_at < ?", (at - MAX_AGE,))
            db.execute(
                "DELETE FROM records WHERE rowid IN (SELECT rowid FROM records "
                "ORDER BY submitted_at DESC LIMIT -1 OFFSET ?)",
                (MAX_PER_FACILITY,),
            )

    def get(self, system: str, job_id: str) -> tuple[str, float] | None:
        row = self._db.execute(
            "SELECT request, submitted_at FROM records WHERE system = ? AND job_id = ?",
            (system, job_id),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def origins(self, system: str, job_ids: list[str]) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT job_id, origin FROM records WHERE system = ? AND origin IS NOT NULL "
            "AND job_id IN (SELECT value FROM json_each(?))",
            (system, json.dumps(job_ids)),
        ).fetchall()
        return dict(rows)

    def renamed(self, old: str, new: str) -> int:
        """Records from notebook `old` (or under folder `old`) now name it under `new`."""
        tail = len(old) + 1  # where the rest of a path under `old` starts (SQLite counts from 1)
        with transaction(self._db) as db:
            done = db.execute(_RENAMED, {"new": new, "old": old, "under": f"{old}/", "tail": tail})
        return done.rowcount

    def close(self) -> None:
        self._db.close()


class SubmissionRecords:
    """How jobs were submitted through this user's servers, per facility and system."""

    def __init__(self, data_dir: Path, root_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self.root_dir = root_dir
        """The server's root: an absolute notebook path under it is recorded relative to it."""
        self._files: dict[str, _FacilityRecords] = {}
        self._parsed: dict[str, Origin | None] = {}
        """Origins by their recorded text: a listing's origins are parsed once, not per poll."""

    def _file(self, facility: str) -> _FacilityRecords:
        if facility not in self._files:
            self._files[facility] = _FacilityRecords(self.data_dir / facility / FILE_NAME)
        return self._files[facility]

    def relative(self, origin: Origin | None) -> Origin | None:
        """`origin` with its notebook as the server names it: relative to the server's root.

        A kernel started for a JupyterLab session knows its notebook by its absolute path
        (jupyter_server's `JPY_SESSION_NAME`); Lab and listings name it relative to the root.
        """
        if origin is None or origin.notebook is None or self.root_dir is None:
            return origin
        if not os.path.isabs(origin.notebook):
            return origin
        # Lexically normal first: `<root>/../x` is not under the root (is_relative_to is lexical).
        path = Path(os.path.normpath(origin.notebook))
        for root in dict.fromkeys((self.root_dir, self.root_dir.resolve())):
            if path.is_relative_to(root):
                notebook = path.relative_to(root).as_posix()
                return dataclasses.replace(origin, notebook=notebook)
        return dataclasses.replace(origin, notebook=str(path))

    def add(self, facility: str, system: str, job_id: str, request: JobRequest) -> None:
        """Record an accepted submission; a failure to is logged, never raised (the job exists)."""
        with _logged(f"record the submission of job {job_id} on {facility}"):
            self._file(facility).add(system, job_id, request, time.time())

    def get(self, facility: str, system: str, job_id: str) -> Submission | None:
        """The record of job `job_id`'s submission, or None (also when it cannot be read)."""
        with _logged(f"read the record of job {job_id} on {facility}"):
            row = self._file(facility).get(system, job_id)
            if row is not None:
                request = JobRequest.from_dict(json.loads(row[0]))
                return Submission(facility, system, job_id, request, submitted_at=row[1])
        return None

    def with_origins(self, facility: str, system: str, jobs: Iterable[Job]) -> list[Job]:
        """`jobs`, each with the origin of its recorded submission (an array task: its array's)."""
        jobs = list(jobs)
        wanted = {job.id for job in jobs} | {j.array_job_id for j in jobs if j.array_job_id}
        if not wanted:
            return jobs
        found: dict[str, str] = {}
        with _logged(f"read the records of {facility}"):
            found = self._file(facility).origins(system, sorted(wanted))
        if not found:
            return jobs
        origins = {job_id: origin for job_id, text in found.items() if (origin := self._read(text))}
        return [
            _with(job, origins.get(job.id) or origins.get(job.array_job_id or "")) for job in jobs
        ]

    def renamed(self, old: str, new: str) -> int:
        """Follow a notebook (or a folder of notebooks) renamed in Jupyter from `old` to `new`
        (paths from the server's root): its jobs' records name it as it is now named, in every
        facility's file. How many records changed; a failure is logged, never raised."""
        old, new = old.strip("/"), new.strip("/")
        if not old or not new or old == new:
            return 0
        changed = 0
        for path in sorted(self.data_dir.glob(f"*/{FILE_NAME}")):
            facility = path.parent.name
            with _logged(f"follow the rename of {old!r} in the records of {facility}"):
                changed += self._file(facility).renamed(old, new)
        return changed

    def _read(self, text: str) -> Origin | None:
        if text not in self._parsed:
            if len(self._parsed) >= MAX_PARSED:
                self._parsed.clear()
            self._parsed[text] = _origin(text)
        return self._parsed[text]

    def close(self) -> None:
        """Close every facility's file."""
        for records in self._files.values():
            records.close()
        self._files.clear()


def _origin(text: str) -> Origin | None:
    with _logged("read the origin of a recorded submission"):
        return Origin.from_dict(json.loads(text))
    return None


def _with(job: Job, origin: Origin | None) -> Job:
    """`dataclasses.replace(job, origin=origin)`, 20 times faster: a listing's jobs are
    annotated on every poll, and a copy need not check again the fields it copies."""
    if origin is None or job.origin == origin:
        return job
    annotated = copy.copy(job)
    object.__setattr__(annotated, "origin", origin)
    return annotated


@contextmanager
def _logged(doing: str) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.Error, ValueError, TypeError, HPCError) as err:
        log.warning("could not %s: %s", doing, str(err)[:200])
