"""A token read from a secret source (value, variable, file, command): bearer tokens, Slurm JWTs."""

from __future__ import annotations

import base64
import binascii
import json

from .base import CachedToken, Token
from .secrets import SecretSource


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT (not verified: the API does that), or None without one."""
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


class SecretToken(CachedToken):
    """A token read from its source, read again when it expires (if it is a JWT that says when)
    or after the API refused it. A configured value cannot change, so it is never worth a retry.
    """

    def __init__(self, facility: str, source: SecretSource) -> None:
        super().__init__(facility)
        self.source = source
        self.can_refresh = source.kind != "value"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.facility!r} from {self.source.describe()}>"

    def _parse(self, raw: str) -> str:
        return raw

    async def _fetch(self) -> Token:
        value = self._parse(await self.source.read())
        return Token(value, jwt_expiry(value))

    def refused_message(self) -> str:
        return f"Replace the bearer token (it comes from the {self.source.describe()})."
