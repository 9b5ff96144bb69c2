"""Bearer tokens for an IRI API: Globus pairs refreshed with globus-sdk, or a static token."""

from __future__ import annotations

import abc
import asyncio
import logging
import time
from pathlib import Path

import globus_sdk

from ...errors import FacilityAuthError, Unavailable, UpstreamTimeout
from .auth_config import AuthSettings
from .token_file import TokenPair, read_pair, stamp, write_pair

log = logging.getLogger(__name__)

REFRESH_MARGIN = 300.0
"""Seconds before expiry an access token is renewed (Globus access tokens live 48 hours)."""


class TokenProvider(abc.ABC):
    """Gives the current bearer token; never shows it."""

    can_refresh = False
    """True when a refused token can be replaced by a new one (worth one retry)."""

    def __init__(self, facility: str) -> None:
        self.facility = facility

    @abc.abstractmethod
    async def token(self) -> str:
        """A token to send now, or `FacilityAuthError` saying what the user must do."""

    def invalidate(self, token: str) -> None:  # noqa: B027 - optional
        """The API refused `token`: the next `token()` must not give it again."""

    def refused_message(self) -> str:
        """What to tell the user when the API refuses even a fresh token."""
        return "Check the facility's token."

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.facility!r}>"


class StaticTokenProvider(TokenProvider):
    """A bearer token from a secret source, read once and again after the API refused it."""

    def __init__(self, facility: str, settings: AuthSettings) -> None:
        super().__init__(facility)
        assert settings.access_token is not None
        self.source = settings.access_token
        self.can_refresh = self.source.kind != "value"
        self._token: str | None = None

    async def token(self) -> str:
        if self._token is None:
            self._token = await self.source.read()
        return self._token

    def invalidate(self, token: str) -> None:
        if token == self._token:
            self._token = None

    def refused_message(self) -> str:
        return f"Replace the bearer token (it comes from the {self.source.describe()})."


class GlobusTokenProvider(TokenProvider):
    """A Globus access + refresh token pair, from a token file or the configuration.

    The access token is renewed `REFRESH_MARGIN` seconds before it expires, or at once after the
    API refused it; a token file gets the new pair back (atomically, mode 0600). Once Globus has
    refused the refresh token, every call fails with the same message until the token file
    changes (the user logged in again).
    """

    can_refresh = True

    def __init__(
        self, facility: str, settings: AuthSettings, margin: float = REFRESH_MARGIN
    ) -> None:
        super().__init__(facility)
        assert settings.client_id is not None
        self.settings = settings
        self.margin = margin
        self._pair: TokenPair | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._login_error: FacilityAuthError | None = None
        self._lock = asyncio.Lock()
        self.refreshes = 0
        """How many times Globus gave a new pair (for tests and diagnostics)."""

    @property
    def path(self) -> Path | None:
        return self.settings.token_file

    def __repr__(self) -> str:
        where = self.path or "configured refresh token"
        return f"<GlobusTokenProvider {self.facility!r} from {where}>"

    def login_message(self) -> str:
        return (
            f"The Globus login of facility {self.facility!r} has expired (refresh tokens last "
            f"7 days). {self.settings.login_hint}"
        )

    def refused_message(self) -> str:
        return self.settings.login_hint

    def _fresh(self) -> bool:
        pair = self._pair
        return pair is not None and time.time() < pair.expires_at - self.margin

    async def _load(self) -> None:
        """(Re)read the pair when the file changed, or the first time."""
        if self.path is not None:
            now = stamp(self.path)
            if self._pair is not None and now == self._stamp:
                return
            if now is None:
                raise FacilityAuthError(
                    f"The token file {self.path} does not exist. {self.settings.login_hint}",
                    facility=self.facility,
                )
            self._pair = await read_pair(self.path, self.settings.resource_server)
            self._stamp = now
            self._login_error = None
            return
        if self._pair is None:
            settings = self.settings
            assert settings.refresh_token is not None
            refresh = await settings.refresh_token.read()
            access = await settings.access_token.read() if settings.access_token else ""
            self._pair = TokenPair(access, refresh, 0.0 if not access else time.time() + 3600)

    async def token(self) -> str:
        if self._fresh() and self._login_error is None and self.path is None:
            assert self._pair is not None
            return self._pair.access_token
        async with self._lock:
            await self._load()
            if self._login_error is not None:
                raise self._login_error
            if not self._fresh():
                await self._refresh()
            assert self._pair is not None
            return self._pair.access_token

    def invalidate(self, token: str) -> None:
        if self._pair is not None and self._pair.access_token == token:
            self._pair = TokenPair("", self._pair.refresh_token, 0.0, self._pair.resource_server)

    async def _refresh(self) -> None:
        assert self._pair is not None
        if not self._pair.refresh_token:
            self._login_error = FacilityAuthError(self.login_message(), facility=self.facility)
            raise self._login_error
        pair = await asyncio.to_thread(self._ask_globus, self._pair)
        self._pair = pair
        self.refreshes += 1
        if self.path is not None:
            await asyncio.to_thread(write_pair, self.path, pair)
            self._stamp = stamp(self.path)
        log.info("renewed the Globus access token of facility %r", self.facility)

    def _ask_globus(self, old: TokenPair) -> TokenPair:
        """One refresh-token grant (blocking: globus-sdk is synchronous)."""
        client = globus_sdk.NativeAppAuthClient(
            self.settings.client_id or "", base_url=self.settings.auth_url + "/"
        )
        assert old.refresh_token is not None
        try:
            answer = client.oauth2_refresh_token(old.refresh_token)
        except globus_sdk.GlobusAPIError as err:
            if err.http_status in (400, 401, 403):
                self._login_error = FacilityAuthError(
                    self.login_message(), facility=self.facility, upstream_status=err.http_status
                )
                raise self._login_error from None
            raise Unavailable(
                f"Globus Auth failed to renew the token of facility {self.facility!r} "
                f"(HTTP {err.http_status}).",
                facility=self.facility,
                upstream_status=err.http_status,
            ) from None
        except globus_sdk.GlobusTimeoutError:
            raise UpstreamTimeout(
                f"Globus Auth did not answer in time for facility {self.facility!r}.",
                facility=self.facility,
            ) from None
        except globus_sdk.NetworkError:
            raise Unavailable(
                f"Globus Auth cannot be reached for facility {self.facility!r}.",
                facility=self.facility,
            ) from None
        finally:
            client.close()
        return _pair_from(answer.by_resource_server, old, self.facility)


def _pair_from(by_rs: dict[str, dict[str, object]], old: TokenPair, facility: str) -> TokenPair:
    rs = old.resource_server if old.resource_server in by_rs else next(iter(by_rs), None)
    entry = by_rs.get(rs or "") or {}
    access = entry.get("access_token")
    expires = entry.get("expires_at_seconds")
    if not isinstance(access, str) or not isinstance(expires, (int, float)):
        raise Unavailable(f"Globus Auth gave no usable token for facility {facility!r}.")
    refresh = entry.get("refresh_token")
    return TokenPair(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else old.refresh_token,
        expires_at=float(expires),
        resource_server=rs,
    )


def make_provider(facility: str, settings: AuthSettings) -> TokenProvider:
    """The provider for the configured kind of auth."""
    if settings.kind == "static":
        return StaticTokenProvider(facility, settings)
    return GlobusTokenProvider(facility, settings)
