"""Globus token files as ALCF's helper writes them, for the IRI tests."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from tests.iri.fake_iri import RESOURCE_SERVER


def write_token_file(path: Path, access: str, refresh: str, expires_at: float) -> None:
    """A token file as globus-sdk's JSON storage (what ALCF's helper writes), mode 0600."""
    data = {
        "globus-sdk.version": "3.54.0",
        "format_version": "2.0",
        "data": {
            "DEFAULT": {
                "auth.globus.org": {
                    "resource_server": "auth.globus.org",
                    "identity_id": "9f3c",
                    "scope": "openid profile",
                    "access_token": "auth-access-not-ours",
                    "refresh_token": "auth-refresh-not-ours",
                    "expires_at_seconds": int(time.time()) + 3600,
                    "token_type": "Bearer",
                },
                RESOURCE_SERVER: {
                    "resource_server": RESOURCE_SERVER,
                    "identity_id": "9f3c",
                    "scope": "iri",
                    "access_token": access,
                    "refresh_token": refresh,
                    "expires_at_seconds": int(expires_at),
                    "token_type": "Bearer",
                },
            }
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)


def stored(path: Path) -> dict[str, Any]:
    """The IRI entry of a token file."""
    entry: dict[str, Any] = json.loads(path.read_text())["data"]["DEFAULT"][RESOURCE_SERVER]
    return entry
