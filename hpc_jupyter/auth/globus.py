"""A Globus access token renewed with its refresh token, from a token file or the configuration."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Protocol

import globus_sdk

from ..errors import FacilityAuthError, HPCError, Unavailable, UpstreamTimeout
from ..models import AuthState, AuthStatus
from .base import CachedToken, Token
from .globus_file import TokenPair, read_pair, stamp, write_pair
from .secrets import SecretSource

log = logging.getLogger(__name__)


class GlobusSettings(Protocol):
    """Where the pair comes from and how to renew it (an `iri` facility's `auth` settings)."""

    @property
    def token_file(self) -> Path | None: ...
    @property
    def refresh_token(self) -> SecretSource | None: ...
    @property
    def access_token(self) -> SecretSource | None: ...
    @property
    def client_id(self) -> str | None: ...
    @property
    def resource_server(self) -> str | None: ...
    @property
    def auth_url(self) -> str: ...
    @property
    def login_hint(self) -> str: ...


class GlobusToken(CachedToken):
    """A Globus access + refresh token pair (Globus access tokens live 48 hours).

    A token file is read again whenever another program rewrote it, and gets each renewed pair
    back (atomically, mode 0600). Once Globus has refused the refresh token, every call fails
    with the same message until the token file changes (the user logged in again).
    """

    margin = 300.0

    def __init__(self, facility: str, settings: GlobusSettings) -> None:
        super().__init__(facility)
        assert settings.client_id is not None
        self.settings = settings
        self._pair: TokenPair | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._login_error: FacilityAuthError | None = None

    @property
    def path(self) -> Path | None:
        return self.settings.token_file

    def __repr__(self) -> str:
        where = self.path or "configured refresh token"
        return f"<GlobusToken {self.facility!r} from {where}>"

    def login_message(self) -> str:
        return (
            f"The Globus login of facility {self.facility!r} has expired (refresh tokens last "
            f"7 days). {self.settings.login_hint}"
        )

    def refused_message(self) -> str:
        return self.settings.login_hint

    async def state(self) -> AuthState:
        try:
            await self.token()
        except FacilityAuthError:
            return AuthState(AuthStatus.EXPIRED, self.login_message())
        except HPCError as err:
            return AuthState(AuthStatus.ERROR, err.message)
        return AuthState(AuthStatus.OK)

    def _usable(self, token: Token) -> bool:
        if self.path is not None and stamp(self.path) != self._stamp:
            return False  # the user logged in again: read the new pair
        return super()._usable(token)

    def invalidate(self, token: str) -> None:
        super().invalidate(token)
        if self._pair is not None and self._pair.access_token == token:
            self._pair = TokenPair("", self._pair.refresh_token, 0.0, self._pair.resource_server)

    async def _fetch(self) -> Token:
        await self._load()
        if self._login_error is not None:
            raise self._login_error
        assert self._pair is not None
        if not self.clock() < self._pair.expires_at - self.margin:
            await self._refresh()
        return Token(self._pair.access_token, self._pair.expires_at)

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
            self._pair = TokenPair(access, refresh, 0.0 if not access else self.clock() + 3600)

    async def _refresh(self) -> None:
        assert self._pair is not None
        if not self._pair.refresh_token:
            self._login_error = FacilityAuthError(self.login_message(), facility=self.facility)
            raise self._login_error
        pair = await asyncio.to_thread(self._ask_globus, self._pair)
        self._pair = pair
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
