"""The kernel credential: a token that opens `/hpc/api` and nothing else of the server.

Kernels started by this server find it in a runtime file readable only by the user (see
`app.py`); it is never a facility token and never the Jupyter token.
"""

from __future__ import annotations

import hmac
import inspect
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User
from tornado.web import RequestHandler

from ..protocol import KERNEL_TOKEN_HEADER

HEADER = KERNEL_TOKEN_HEADER
KERNEL_USER = User(username="hpc-kernel", name="hpc-jupyter kernel client")


class KernelTokenIdentity:
    """Accepts the kernel token on hpc-jupyter's routes and defers to the server's provider."""

    def __init__(self, inner: IdentityProvider, token: str) -> None:
        # A wrapper, not a subclass: everything else is the server's own provider.
        self._inner = inner
        self._token = token

    def _has_kernel_token(self, handler: RequestHandler) -> bool:
        offered = handler.request.headers.get(HEADER, "")
        return bool(offered) and hmac.compare_digest(offered.encode(), self._token.encode())

    async def get_user(self, handler: RequestHandler) -> User | None:
        if self._has_kernel_token(handler):
            # A header token is no cookie: no XSRF check. Under JupyterHub the single-user
            # server replaces the handlers' XSRF check with one that asks this attribute, not
            # is_token_authenticated (jupyterhub/services/auth.py), so POSTs were refused.
            handler._token_authenticated = True  # type: ignore[attr-defined]
            return KERNEL_USER
        user = self._inner.get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        return user

    def is_token_authenticated(self, handler: RequestHandler) -> bool:
        return self._has_kernel_token(handler) or self._inner.is_token_authenticated(handler)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"<KernelTokenIdentity around {type(self._inner).__name__}>"
