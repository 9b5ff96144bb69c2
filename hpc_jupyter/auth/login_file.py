"""A login's tokens in a 0600 file, written atomically, shared by the servers of one user.

Servers of one user that share a data directory share the file: each re-reads it when it
changed, and a refresh is made under an fcntl lock, so two servers never spend the same
(rotating) refresh token and log each other out.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_WAIT = 30.0
"""Seconds to wait for another server's refresh before giving up."""


@dataclass(frozen=True)
class LoginTokens:
    """What a login holds: an access token, the refresh token, and when each expires."""

    access_token: str
    expires_at: float | None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None
    issued_at: float | None = None

    def __repr__(self) -> str:
        return (
            f"<LoginTokens expires_at={self.expires_at} refresh={self.refresh_token is not None}>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "refresh_token": self.refresh_token,
            "refresh_expires_at": self.refresh_expires_at,
            "issued_at": self.issued_at,
        }

    @classmethod
    def from_dict(cls, data: Any) -> LoginTokens | None:
        """The tokens in `data`, or None when it is not what `to_dict` wrote."""
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            return None
        refresh = data.get("refresh_token")
        return cls(
            access_token=data["access_token"],
            expires_at=_number(data.get("expires_at")),
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
            refresh_expires_at=_number(data.get("refresh_expires_at")),
            issued_at=_number(data.get("issued_at")),
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class LoginFile:
    """`path` holds the tokens (0600); `path.lock` is the lock the servers refresh under."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._tokens: LoginTokens | None = None

    def __repr__(self) -> str:
        return f"<LoginFile {str(self.path)!r}>"

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def read(self) -> LoginTokens | None:
        """The tokens in the file (re-read only when it changed), or None when there are none."""
        signature = self._signature()
        if signature is None:
            self._seen, self._tokens = None, None
            return None
        if signature != self._seen:
            try:
                data = json.loads(self.path.read_text())
            except (OSError, ValueError):
                data = None  # torn or unreadable: as good as no login
            self._seen, self._tokens = signature, LoginTokens.from_dict(data)
        return self._tokens

    def write(self, tokens: LoginTokens) -> None:
        """Replace the file atomically: a reader sees the old tokens or the new, never half."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".login-", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(tokens.to_dict(), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        self._seen, self._tokens = self._signature(), tokens

    def remove(self) -> None:
        """Forget the login (every server of the user sees it at its next read)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._seen, self._tokens = None, None

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold the refresh lock; other servers of the user wait (polling: the loop runs on)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + LOCK_WAIT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if loop.time() > deadline:
                        raise TimeoutError(f"{self.path} stayed locked") from None
                    await asyncio.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
