"""The token-source protocol and the one cache every source shares: early refresh, one lock."""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import FacilityAuthError, HPCError
from ..models import AuthState, AuthStatus

MIN_LEFT = 30.0
"""Seconds of life a cached token must have left to be handed out: FirecREST refuses less."""


@dataclass(frozen=True)
class Token:
    """A credential and when it expires (Unix seconds; None when it does not say)."""

    value: str = field(repr=False)
    expires_at: float | None = None


@runtime_checkable
class TokenSource(Protocol):
    """What the upstream stack needs from any credential: the JupyterHub and login sources too.

    `token()` gives one to send now, or raises `FacilityAuthError` saying what the user must do,
    and `expires_at` says until when it is good; `invalidate(token)` is called after the API
    refused it; `can_refresh` says whether a refused token can be replaced by another (worth one
    retry); `state()` tells a person where things stand; `refused_message()` says what to do when
    even a fresh token is refused.
    """

    facility: str
    can_refresh: bool

    async def token(self) -> str:
        """A token to send now."""
        ...

    @property
    def expires_at(self) -> float | None:
        """When the token last given expires (Unix seconds), if anyone knows."""
        ...

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it."""
        ...

    async def state(self) -> AuthState:
        """Whether a token can be had now, and if not what the user should do."""
        ...

    def refused_message(self) -> str:
        """What to tell the user when the API refuses even a fresh token."""
        ...


class CachedToken(abc.ABC):
    """A source's current token, shared by every caller and renewed ahead of expiry.

    A token is renewed once less than `margin` seconds are left, or a quarter of its life for
    short-lived ones (so they stay usable for most of it), and never handed out from the cache
    with under `MIN_LEFT` seconds left. Concurrent callers that find it stale wait on one
    renewal and all take what it gave, even a token that is short from the start: there is no
    better one. `invalidate` drops a refused token so the next caller fetches another.
    Subclasses write only `_fetch`.
    """

    margin = 60.0
    can_refresh = True
    login_says_expired = False
    """True for sources a login renews (the Hub's, the user's own): a refusal that logging in
    again helps with (`FacilityAuthError.login_helps`) is then `expired`, not `error`."""

    def __init__(self, facility: str, clock: Callable[[], float] = time.time) -> None:
        self.facility = facility
        self.clock = clock
        self._current: Token | None = None
        self._fetched_at = 0.0
        self._generation = 0
        self._lock = asyncio.Lock()
        self.refreshes = 0
        """How many tokens were fetched (for tests and diagnostics)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.facility!r}>"

    @abc.abstractmethod
    async def _fetch(self) -> Token:
        """Get a new token from wherever this source gets them (the only thing a source writes)."""

    def _usable(self, token: Token) -> bool:
        """True while `token` may still be handed out."""
        return self._fresh(token.expires_at, self._fetched_at)

    def _fresh(self, expires_at: float | None, issued_at: float) -> bool:
        """True while a token issued at `issued_at` has more than its renewal margin left."""
        if expires_at is None:
            return True
        lifetime = max(expires_at - issued_at, 0.0)
        needed = max(min(self.margin, lifetime / 4), MIN_LEFT)
        return self.clock() < expires_at - needed

    @property
    def current(self) -> Token | None:
        """The cached token, usable or not (never shown: `Token` hides its value)."""
        return self._current

    @property
    def expires_at(self) -> float | None:
        return self._current.expires_at if self._current is not None else None

    async def token(self) -> str:
        """The current token, renewed first if it is missing, refused or about to expire."""
        current = self._current
        if current is not None and self._usable(current):
            return current.value
        seen = self._generation
        async with self._lock:
            # Another caller may have renewed it while we waited: take theirs, even if short.
            if self._generation == seen or self._current is None:
                fetched_at = self.clock()
                new = await self._fetch()
                self._current, self._fetched_at = new, fetched_at
                self._generation += 1
                self.refreshes += 1
            assert self._current is not None
            return self._current.value

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it (only if it is still the current one)."""
        if self._current is not None and self._current.value == token:
            self._current = None

    async def state(self) -> AuthState:
        """`ok` when a token can be had; `error` with the reason when the source refuses;
        `unknown` when the service that issues tokens cannot be reached."""
        try:
            await self.token()
        except FacilityAuthError as err:
            expired = self.login_says_expired and err.login_helps
            return AuthState(AuthStatus.EXPIRED if expired else AuthStatus.ERROR, err.message)
        except HPCError as err:
            return AuthState(AuthStatus.UNKNOWN, err.message)
        return AuthState(AuthStatus.OK)

    def refused_message(self) -> str:
        return "Check the facility's token."
