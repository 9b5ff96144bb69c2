"""Slurm JWTs for slurmrestd: read from their source, refreshed before they expire."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time

from ..credentials import SecretSource

MARGIN = 60.0
"""Refresh a token this many seconds before it expires (less for short-lived tokens)."""


def expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (not verified: slurmctld does that), or None without one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


class SlurmToken:
    """The current token of one facility; concurrent callers share one refresh."""

    def __init__(self, source: SecretSource) -> None:
        self.source = source
        self._token: str | None = None
        self._fetched_at = 0.0
        self._expires_at: float | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        if self._token is None:
            return False
        if self._expires_at is None:
            return True
        lifetime = max(self._expires_at - self._fetched_at, 0.0)
        margin = min(MARGIN, lifetime / 4)
        return time.time() < self._expires_at - margin

    async def get(self) -> str:
        """A token that is not about to expire."""
        async with self._lock:
            if not self._fresh():
                await self._read()
            assert self._token is not None
            return self._token

    async def refresh(self, rejected: str) -> str:
        """A new token after `rejected` was refused (unless another caller already replaced it)."""
        async with self._lock:
            if self._token == rejected or self._token is None:
                await self._read()
            assert self._token is not None
            return self._token

    async def _read(self) -> None:
        raw = await self.source.read()
        # `scontrol token` prints SLURM_JWT=...; accept it as it comes.
        token = raw.strip().splitlines()[-1].removeprefix("SLURM_JWT=").strip()
        self._token = token
        self._fetched_at = time.time()
        self._expires_at = expiry(token)

    @property
    def expires_at(self) -> float | None:
        """When the current token expires (Unix seconds), if it says."""
        return self._expires_at

    def __repr__(self) -> str:
        return f"<SlurmToken from {self.source.describe()}>"
