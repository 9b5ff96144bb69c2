"""The OAuth device login (RFC 8628) as a token source: the server polls, the user approves.

The server asks the provider for a user code, shows only where to go and what to type, and
polls the token endpoint in a background task. The tokens stay in a 0600 file in the server's
data directory (`LoginFile`), refreshed ahead of expiry under a lock shared by the user's
servers; a refused refresh ends the login (auth status `expired`, log in again).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..errors import (
    CapabilityError,
    FacilityAuthError,
    HPCError,
    Unavailable,
)
from .base import CachedToken, Token
from .device_settings import DeviceSettings
from .login import how_to_log_in, login_model
from .login_file import LoginFile, LoginTokens
from .reaching import reaching

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
STOP_WAIT = 5.0
"""Seconds `close` waits for the polling task to end."""


class NotLoggedIn(FacilityAuthError):
    """No usable login: the user logs in again (auth status `expired`)."""


@dataclass
class Pending:
    """A device login waiting for the user: what they see, and what the server polls with."""

    device_code: str
    verifier: str | None
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float
    interval: float

    def __repr__(self) -> str:
        return f"<Pending user_code={self.user_code!r} expires_at={self.expires_at:.0f}>"


def _pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class DeviceLogin(CachedToken):
    """A facility's token from the user's device login, kept in `file` and renewed there."""

    flow = "device"
    login_says_expired = True

    def __init__(
        self,
        facility: str,
        settings: DeviceSettings,
        path: Path,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(facility, clock)
        self.settings = settings
        self.margin = settings.margin
        self.file = LoginFile(path)
        self._http = http
        self._own_http: httpx.AsyncClient | None = None
        self._endpoints: tuple[str, str] | None = None
        self._pending: Pending | None = None
        self._poller: asyncio.Task[None] | None = None
        self._message: str | None = None
        """Why the last login ended (refused, expired), until the next one starts."""
        self._refused: str | None = None

    def __repr__(self) -> str:
        return f"<DeviceLogin {self.facility!r} client_id={self.settings.client_id!r}>"

    # -- the token source ------------------------------------------------------------------

    def refused_message(self) -> str:
        return (
            f"Facility {self.facility!r} refused the login's token. {how_to_log_in(self.facility)}"
        )

    def invalidate(self, token: str) -> None:
        super().invalidate(token)
        self._refused = token  # the file may still hold it: refresh instead of reusing it

    def _good(self, tokens: LoginTokens) -> bool:
        """Whether the file's token may be handed out: not refused, and not due for renewal."""
        if tokens.access_token == self._refused:
            return False
        issued = tokens.issued_at if tokens.issued_at is not None else self.clock()
        return self._fresh(tokens.expires_at, issued)

    async def _fetch(self) -> Token:
        tokens = self.file.read()
        if tokens is not None:
            self._message = None  # logged in (maybe on another server): old reasons are over
        if tokens is not None and self._good(tokens):
            return Token(tokens.access_token, tokens.expires_at)  # another server renewed it
        if tokens is None:
            raise self._not_logged_in()
        try:
            async with self.file.locked():
                # Another server may have refreshed while we waited for the lock.
                tokens = self.file.read()
                if tokens is None:
                    raise self._not_logged_in()
                if self._good(tokens):
                    return Token(tokens.access_token, tokens.expires_at)
                return await self._refresh(tokens)
        except TimeoutError:
            raise Unavailable(
                f"Another server is renewing the login of facility {self.facility!r}; "
                "try again in a moment."
            ) from None

    def _not_logged_in(self) -> NotLoggedIn:
        reason = self._message or f"You are not logged in to facility {self.facility!r}."
        return NotLoggedIn(f"{reason} {how_to_log_in(self.facility)}", facility=self.facility)

    async def _refresh(self, tokens: LoginTokens) -> Token:
        if tokens.refresh_token is None:
            self.file.remove()
            self._message = f"Your login to facility {self.facility!r} has expired."
            raise self._not_logged_in()
        _, token_url = await self._discover()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self.settings.client_id,
        }
        answer = await self._post(token_url, form)
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
            if answer.status_code in (400, 401):
                # invalid_grant: the refresh token expired or was revoked; the login is over
                self.file.remove()
                self._message = (
                    f"Your login to facility {self.facility!r} has ended (the provider would not "
                    "renew it)."
                )
                raise self._not_logged_in()
            raise Unavailable(
                f"The identity provider of facility {self.facility!r} answered HTTP "
                f"{answer.status_code} to a token refresh.",
                upstream_status=answer.status_code,
            )
        new = self._tokens_from(body, keep_refresh=tokens)
        self.file.write(new)
        self._refused = None
        log.debug("renewed the login of facility %r", self.facility)
        return Token(new.access_token, new.expires_at)

    def _tokens_from(self, body: dict[str, Any], keep_refresh: LoginTokens | None) -> LoginTokens:
        now = self.clock()
        expires_in = _seconds(body.get("expires_in"))
        refresh = body.get("refresh_token")
        refresh_in = _seconds(body.get("refresh_expires_in"))
        old_refresh = keep_refresh.refresh_token if keep_refresh is not None else None
        return LoginTokens(
            access_token=body["access_token"],
            expires_at=now + expires_in if expires_in is not None else None,
            refresh_token=refresh if isinstance(refresh, str) and refresh else old_refresh,
            refresh_expires_at=now + refresh_in if refresh_in is not None else None,
            issued_at=now,
        )

    # -- the provider ----------------------------------------------------------------------

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        if self._own_http is None:
            self._own_http = httpx.AsyncClient(timeout=30.0)
        return self._own_http

    async def _post(self, url: str, form: dict[str, str]) -> httpx.Response:
        where = f"The identity provider of facility {self.facility!r}"
        with reaching(where):
            return await self.http.post(url, data=form, headers={"Accept": "application/json"})

    async def _discover(self) -> tuple[str, str]:
        """The device and token endpoints: configured, or from the issuer's discovery."""
        if self._endpoints is not None:
            return self._endpoints
        settings = self.settings
        if settings.issuer is None:
            assert settings.device_url and settings.token_url
            self._endpoints = (settings.device_url, settings.token_url)
            return self._endpoints
        where = f"The identity provider of facility {self.facility!r} ({settings.issuer})"
        with reaching(where):
            answer = await self.http.get(f"{settings.issuer}/.well-known/openid-configuration")
        body = _json(answer)
        device, token = body.get("device_authorization_endpoint"), body.get("token_endpoint")
        if answer.status_code != 200 or not isinstance(token, str):
            raise Unavailable(f"{where} gave no OpenID discovery document.")
        if not isinstance(device, str):
            raise CapabilityError(f"{where} offers no device login (no device endpoint).")
        self._endpoints = (device, token)
        return self._endpoints

    # -- the login -------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """The `Login` model: pending with where to go, logged in, or logged out and why."""
        pending = self._pending
        if pending is not None:
            return login_model(
                self.flow,
                "pending",
                f"Open {pending.verification_uri} and enter the code {pending.user_code}.",
                verification_uri=pending.verification_uri,
                verification_uri_complete=pending.verification_uri_complete,
                user_code=pending.user_code,
                expires_at=pending.expires_at,
                interval=pending.interval,
            )
        tokens = self.file.read()
        if tokens is not None:
            self._message = None
            return login_model(
                self.flow, "logged_in", None, logged_in_until=tokens.refresh_expires_at
            )
        return login_model(self.flow, "logged_out", self._message or how_to_log_in(self.facility))

    async def start(self) -> dict[str, Any]:
        """Ask the provider for a user code and poll for the user's approval in the background."""
        await self._stop_polling()
        device_url, token_url = await self._discover()
        form = {"client_id": self.settings.client_id}
        if self.settings.scope:
            form["scope"] = self.settings.scope
        verifier = None
        if self.settings.pkce:
            verifier, challenge = _pkce()
            form.update(code_challenge=challenge, code_challenge_method="S256")
        answer = await self._post(device_url, form)
        body = _json(answer)
        needed = ("device_code", "user_code", "verification_uri")
        if answer.status_code != 200 or not all(isinstance(body.get(k), str) for k in needed):
            problem = body.get("error_description") or body.get("error")
            raise Unavailable(
                f"The identity provider of facility {self.facility!r} refused to start a device "
                f"login (HTTP {answer.status_code}"
                + (f": {str(problem)[:200]}" if problem else "")
                + ").",
                upstream_status=answer.status_code,
            )
        now = self.clock()
        expires_in = _seconds(body.get("expires_in"))
        interval = _seconds(body.get("interval"))
        complete = body.get("verification_uri_complete")
        self._pending = Pending(
            device_code=body["device_code"],
            verifier=verifier,
            user_code=body["user_code"],
            verification_uri=body["verification_uri"],
            verification_uri_complete=complete if isinstance(complete, str) else None,
            expires_at=now + (expires_in or 600.0),
            interval=max(interval or 5.0, 1.0),
        )
        self._message = None
        self._poller = asyncio.create_task(self._poll(self._pending, token_url))
        return await self.status()

    async def finish(self, code: str) -> dict[str, Any]:
        raise CapabilityError(
            f"The device login of facility {self.facility!r} needs no code: approve it at the "
            "provider's page and the server notices by itself."
        )

    async def logout(self) -> dict[str, Any]:
        """Forget the tokens (the file: every server of the user) and any pending login."""
        await self._stop_polling()
        self.file.remove()
        self._current = None
        self._message = f"You logged out of facility {self.facility!r}."
        return await self.status()

    async def close(self) -> None:
        await self._stop_polling()
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    async def _stop_polling(self) -> None:
        poller, self._poller, self._pending = self._poller, None, None
        if poller is not None and not poller.done():
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(poller, STOP_WAIT)

    def _ended(self, pending: Pending, message: str) -> None:
        if self._pending is pending:
            self._pending = None
            self._message = message
        log.info("facility %r: %s", self.facility, message)

    async def _poll(self, pending: Pending, token_url: str) -> None:
        """Ask the token endpoint every `interval` until the user decides or the code expires."""
        form = {
            "grant_type": DEVICE_GRANT,
            "device_code": pending.device_code,
            "client_id": self.settings.client_id,
        }
        if pending.verifier is not None:
            form["code_verifier"] = pending.verifier
        while True:
            await asyncio.sleep(pending.interval)
            if self.clock() >= pending.expires_at:
                self._ended(pending, "The login code expired before it was used; start again.")
                return
            try:
                answer = await self._post(token_url, form)
            except HPCError:
                continue  # the provider is unreachable for now: try again until the code expires
            body = _json(answer)
            error = body.get("error")
            if answer.status_code == 200 and isinstance(body.get("access_token"), str):
                tokens = self._tokens_from(body, keep_refresh=None)
                self.file.write(tokens)
                self._current, self._refused = None, None
                if self._pending is pending:
                    self._pending = None
                    self._message = None
                log.info("facility %r: logged in", self.facility)
                return
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                pending.interval += 5  # RFC 8628 §3.5
                continue
            if error == "access_denied":
                self._ended(pending, "The login was refused at the identity provider.")
            elif error == "expired_token":
                self._ended(pending, "The login code expired before it was used; start again.")
            else:
                described = body.get("error_description") or error or f"HTTP {answer.status_code}"
                self._ended(
                    pending, f"The identity provider ended the login: {str(described)[:200]}"
                )
            return


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: Any) -> float | None:
    """A positive number of seconds from a provider's answer, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None
