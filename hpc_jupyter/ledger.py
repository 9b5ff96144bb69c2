"""Never the same job twice: submissions by Idempotency-Key, kept on disk for 24 hours.

Each facility has a small SQLite file in its data directory (`submissions.sqlite`), shared by
every server of the user on that data directory. A key is recorded before the facility is asked
to submit and gets its job once the facility answered, so a retry, even after a restart or from
another server, answers the job of the first request instead of submitting again:

- a key whose submission was refused (bad input, credentials, "slow down") is forgotten, so
  the request can be retried;
- a key whose submission has an unknown outcome is answered with 409 and the advice to check
  the job list: a server stopped or crashed during it, another server is still at it, or the
  facility's answer was lost (a connection reset, a timeout, a 5xx: the facility may have taken
  the job). Submitting again blindly could run it twice;
- a key used again with a different request is a 409 too (as with HTTP APIs that honour
  Idempotency-Key): the client mixed up its keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from .errors import (
    Conflict,
    FacilityAuthError,
    FacilityError,
    HPCError,
    RateLimited,
    ValidationError,
)
from .models import Job, JobRequest
from .shared_db import open_shared, transaction

log = logging.getLogger(__name__)
FILE_NAME = "submissions.sqlite"
MAX_KEY_LENGTH = 200
TTL = 24 * 3600.0
"""Seconds a key is remembered (api/openapi.yaml promises 24 hours)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    system TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    created REAL NOT NULL,
    job TEXT,
    PRIMARY KEY (system, key)
);
"""
# `request` is a digest of the job request; `created` is wall-clock time (it must survive a
# restart); `job` is the job as first recorded (JSON), NULL while the submission is under way.


def fingerprint(request: JobRequest) -> str:
    """A digest of a job request: equal for equal requests, whatever the order of fields."""
    text = json.dumps(request.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _FacilityLedger:
    """The submissions file of one facility; one connection, used from the event loop only."""

    def __init__(self, path: Path) -> None:
        self._db = open_shared(path)
        self._db.executescript(_SCHEMA)

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)

    def claim(
        self, system: str, key: str, digest: str, ttl: float
    ) -> tuple[str, float, str | None] | None:
        """Record the key as under way and return None, or return the row already there."""
        now = time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM submissions WHERE created < ?", (now - ttl,))
            row = db.execute(
                "SELECT request, created, job FROM submissions WHERE system = ? AND key = ?",
                (system, key),
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO submissions (system, key, request, created) VALUES (?, ?, ?, ?)",
                    (system, key, digest, now),
                )
                return None
        return (row[0], row[1], row[2])

    def record(self, system: str, key: str, job: Job) -> None:
        """The facility accepted the job: remember it for the key."""
        with self._transaction() as db:
            db.execute(
                "UPDATE submissions SET job = ? WHERE system = ? AND key = ?",
                (json.dumps(job.to_dict()), system, key),
            )

    def forget(self, system: str, key: str) -> None:
        """The submission failed: the key may be used again."""
        with self._transaction() as db:
            db.execute("DELETE FROM submissions WHERE system = ? AND key = ?", (system, key))

    def close(self) -> None:
        self._db.close()


class SubmissionLedger:
    """Submissions by idempotency key, per facility and system, on disk for `ttl` seconds."""

    def __init__(self, data_dir: Path, ttl: float = TTL) -> None:
        self.data_dir = data_dir
        """The server's data directory; each facility's file is in its own folder there."""
        self.ttl = ttl
        self._files: dict[str, _FacilityLedger] = {}
        self._running: dict[tuple[str, str, str], tuple[str, asyncio.Future[Job]]] = {}

    async def submit(
        self,
        facility: str,
        system: str,
        key: str | None,
        request: JobRequest,
        start: Callable[[], Awaitable[Job]],
    ) -> Job:
        """Run `start` once per key (every time without a key); a repeat gets the first job."""
        if key is None:
            return await start()
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError(
                f"The Idempotency-Key header is longer than {MAX_KEY_LENGTH} characters."
            )
        digest = fingerprint(request)
        # The same key in flight in this server: share its submission.
        running = self._running.get((facility, system, key))
        if running is not None:
            _check_same(digest, running[0])
            return await asyncio.shield(running[1])
        try:
            ledger = self._file(facility)
            row = ledger.claim(system, key, digest, self.ttl)
        except (OSError, sqlite3.Error) as err:
            where = self.data_dir / facility / FILE_NAME
            raise HPCError(
                f"Cannot record the Idempotency-Key in {where} ({_reason(err)}); "
                "nothing was submitted."
            ) from None
        if row is not None:
            return _answer(digest, *row)
        future = asyncio.ensure_future(self._run(ledger, facility, system, key, start))
        self._running[(facility, system, key)] = (digest, future)
        return await asyncio.shield(future)

    async def _run(
        self,
        ledger: _FacilityLedger,
        facility: str,
        system: str,
        key: str,
        start: Callable[[], Awaitable[Job]],
    ) -> Job:
        try:
            try:
                job = await start()
            except asyncio.CancelledError:
                # The server is stopping mid-submission: whether the facility took the job is
                # unknown, so the key stays "under way" (a retry is told to check the jobs).
                raise
            except BaseException as err:
                if not _maybe_taken(err):
                    with _logged("forget the Idempotency-Key of a refused submission"):
                        ledger.forget(system, key)
                raise
            # The job exists now: answer it even if the file cannot say so (a retry then
            # gets the "did not finish" 409, never a second job).
            with _logged("record the job of an Idempotency-Key"):
                ledger.record(system, key, job)
            return job
        finally:
            # Removed only once the file says how it ended, so a repeat never misses both.
            self._running.pop((facility, system, key), None)

    def _file(self, facility: str) -> _FacilityLedger:
        if facility not in self._files:
            self._files[facility] = _FacilityLedger(self.data_dir / facility / FILE_NAME)
        return self._files[facility]

    def close(self) -> None:
        """Close every facility's file."""
        for ledger in self._files.values():
            ledger.close()
        self._files.clear()


@contextmanager
def _logged(doing: str) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.Error) as err:
        log.warning("could not %s: %s", doing, _reason(err))


def _reason(err: BaseException) -> str:
    return (err.strerror if isinstance(err, OSError) else None) or str(err)[:200]


def _maybe_taken(err: BaseException) -> bool:
    """Whether a submission that failed so may still have reached the facility and made a job.

    Our own errors (bad input, a missing capability) come before the facility is asked; a
    refused token or a "slow down" answer are refusals. Anything else the facility did (an
    unreachable or dropped connection, a timeout, a 5xx) may have come after it took the job.
    """
    return isinstance(err, FacilityError) and not isinstance(err, (FacilityAuthError, RateLimited))


def _check_same(digest: str, recorded: str) -> None:
    if digest != recorded:
        raise Conflict(
            "This Idempotency-Key was already used for a different job request. "
            "Use a new key for a new job."
        )


def _answer(digest: str, recorded: str, created: float, job: str | None) -> Job:
    """The answer to a key already in the file: its job, or why there is none to give."""
    _check_same(digest, recorded)
    if job is None:
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(created))
        raise Conflict(
            f"A submission with this Idempotency-Key started at {started} and its outcome is "
            "unknown (the facility's answer was lost, the server stopped during it, or another "
            "server is still submitting it). Check the job list before submitting again: the "
            "job may exist. To submit anyway, use a new key."
        )
    return Job.from_dict(json.loads(job))
