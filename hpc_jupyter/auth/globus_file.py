"""The Globus token file (globus-sdk's JSON storage, or a flat pair): read, rewritten atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FacilityAuthError
from .secrets import SecretSource

NAMESPACE = "DEFAULT"
GLOBUS_AUTH = "auth.globus.org"


@dataclass(frozen=True)
class TokenPair:
    """An access token, the refresh token that renews it, and when the access token expires."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    resource_server: str | None = None

    def __repr__(self) -> str:
        return (
            f"<TokenPair for {self.resource_server or 'the API'} expires_at={self.expires_at:.0f}>"
        )


def _entry(data: dict[str, Any], resource_server: str | None, path: Path) -> dict[str, Any]:
    """The record of one resource server in globus-sdk's format, or the flat file itself."""
    if "access_token" in data:
        return data
    spaces = data.get("data")
    if not isinstance(spaces, dict) or not isinstance(spaces.get(NAMESPACE), dict):
        raise FacilityAuthError(f"The token file {path} holds no Globus tokens.")
    by_rs: dict[str, Any] = spaces[NAMESPACE]
    if resource_server is not None:
        if not isinstance(by_rs.get(resource_server), dict):
            raise FacilityAuthError(
                f"The token file {path} has no tokens for resource server {resource_server!r}; "
                f"it has: {', '.join(sorted(by_rs)) or 'none'}."
            )
        return dict(by_rs[resource_server])
    usable = [
        rs for rs, entry in by_rs.items() if isinstance(entry, dict) and entry.get("refresh_token")
    ]
    if len(usable) > 1 and GLOBUS_AUTH in usable:  # Globus Auth's own (openid) tokens: not ours
        usable.remove(GLOBUS_AUTH)
    if len(usable) != 1:
        raise FacilityAuthError(
            f"The token file {path} holds tokens for {', '.join(sorted(by_rs)) or 'nothing'}; "
            "set auth.resource_server to the one of the IRI API."
        )
    entry = dict(by_rs[usable[0]])
    entry.setdefault("resource_server", usable[0])
    return entry


async def read_pair(path: Path, resource_server: str | None) -> TokenPair:
    """The pair in the file; `FacilityAuthError` (naming the file, never a token) if unusable."""
    text = await SecretSource("file", str(path)).read()  # refuses a file others can read
    try:
        data = json.loads(text)
    except ValueError:
        raise FacilityAuthError(f"The token file {path} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise FacilityAuthError(f"The token file {path} is not a JSON object.")
    entry = _entry(data, resource_server, path)
    access = entry.get("access_token")
    refresh = entry.get("refresh_token")
    expires = entry.get("expires_at_seconds", 0)
    if not isinstance(access, str) or not access:
        raise FacilityAuthError(f"The token file {path} has no access token.")
    return TokenPair(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=float(expires) if isinstance(expires, (int, float)) else 0.0,
        resource_server=entry.get("resource_server") or resource_server,
    )


def write_pair(path: Path, pair: TokenPair) -> None:
    """Store a refreshed pair, keeping the rest of the file, as one atomic rename (mode 0600)."""
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    fields = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_at_seconds": int(pair.expires_at),
    }
    if "access_token" in data or "data" not in data:
        data.update(fields)
    else:
        by_rs = data["data"].setdefault(NAMESPACE, {})
        rs = pair.resource_server or next(iter(by_rs), "iri")
        by_rs.setdefault(rs, {"resource_server": rs, "token_type": "Bearer"}).update(fields)
    _write_json(path, data)


def write_storage(path: Path, by_resource_server: dict[str, dict[str, Any]], version: str) -> None:
    """Store a login's tokens as globus-sdk's JSON storage does (format 2.0, namespace
    DEFAULT), keeping the file's other resource servers and namespaces; atomic, mode 0600."""
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    if not isinstance(data.get("data"), dict):
        data = {"data": {}}
    by_rs = data["data"].setdefault(NAMESPACE, {})
    for rs, entry in by_resource_server.items():
        by_rs[rs] = {
            "resource_server": rs,
            "identity_id": entry.get("identity_id"),
            "scope": entry.get("scope", ""),
            "access_token": entry["access_token"],
            "refresh_token": entry.get("refresh_token"),
            "expires_at_seconds": entry["expires_at_seconds"],
            "token_type": entry.get("token_type"),
        }
    data["format_version"] = "2.0"
    data["globus-sdk.version"] = version
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_json(path, data)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` with `data` as one atomic rename (mode 0600), durably."""
    descriptor, temporary = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename durable
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when another program rewrites the file (inode, size, mtime)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)
