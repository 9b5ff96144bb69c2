"""Hub-side helpers: a `refresh_user_hook` for OAuthenticator that refreshes ahead of expiry.

Used in the Hub's configuration, not in the single-user server; nothing of JupyterHub or
OAuthenticator is imported here, so the package imports without them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .auth.static import jwt_expiry

log = logging.getLogger(__name__)

Refreshed = bool | dict[str, Any] | None
"""What a refresh_user_hook returns: True (up to date), False (log in again), a new auth
model, or None (OAuthenticator's own refresh_user decides)."""
RefreshHook = Callable[[Any, Any, dict[str, Any] | None], Awaitable[Refreshed]]


def refresh_user_hook(margin: float = 90.0, clock: Callable[[], float] = time.time) -> RefreshHook:
    """A hook for `OAuthenticator.refresh_user_hook` (OAuthenticator 17.3 and later).

    OAuthenticator refreshes an access token only once it has failed (oauthenticator#790), so
    the Hub can hand out a token with seconds left, which FirecREST refuses (under 30 s). This
    hook refreshes with the refresh token once the access token (a JWT: its `exp`) has less
    than `margin` seconds left, and leaves everything else to OAuthenticator (None): tokens
    with time left, tokens that do not say when they expire, logins without a refresh token.
    A refused refresh returns False: the user must log in again.

        c.GenericOAuthenticator.refresh_user_hook = refresh_user_hook(margin=90)

    Keep `auth_refresh_age` below the access tokens' lifetime minus `margin`, so the Hub calls
    the hook before the margin is used up.
    """

    async def hook(authenticator: Any, user: Any, auth_state: dict[str, Any] | None) -> Refreshed:
        if not auth_state:
            return None
        access = auth_state.get("access_token")
        refresh = auth_state.get("refresh_token")
        expires = jwt_expiry(access) if isinstance(access, str) else None
        if not refresh or expires is None or expires - clock() > margin:
            return None
        log.info("refreshing the access token of %s: it expires within %.0f s", user.name, margin)
        params = authenticator.build_refresh_token_request_params(refresh)
        try:
            token_info = await authenticator.get_token_info(None, params)
        except Exception as err:  # what OAuthenticator's own refresh_user does
            log.info(
                "refreshing the token of %s failed (%s): a new login is needed", user.name, err
            )
            return False
        # The token endpoint may not send a new refresh token: keep the current one.
        if not token_info.get("refresh_token"):
            token_info["refresh_token"] = refresh
        try:
            # OAuthenticator's own step from a token response to an auth model (userinfo, the
            # auth_state dict), as its refresh_user takes it (17.3, 17.4).
            model: dict[str, Any] = await authenticator._token_to_auth_model(token_info)
        except Exception as err:
            log.error("the refreshed token of %s does not work (%s)", user.name, err)
            return False
        return model

    return hook
