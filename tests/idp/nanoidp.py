"""nanoidp (PyPI) as the tests' IdP: users, a client, one-minute access tokens; start and stop."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class IdP:
    """A running nanoidp: its issuer URL (also its base URL) and the client it knows."""

    url: str
    client_id: str
    client_secret: str
    log: Path
    audience: str

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    def endpoint(self, name: str) -> str:
        """`authorize`, `token`, `userinfo`, `revoke`, ... (as its discovery document says)."""
        return f"{self.url}/{name}"

    def revoke(self, token: str) -> None:
        """Revoke a token (RFC 7009) as the client: the grant is gone at the IdP."""
        response = httpx.post(
            self.endpoint("revoke"),
            data={"token": token},
            auth=(self.client_id, self.client_secret),
            timeout=30,
        )
        assert response.status_code == 200, response.text


def _yaml(value: Any) -> str:
    # JSON is YAML: no YAML writer needed
    return json.dumps(value, indent=2)


@contextmanager
def nanoidp(
    root: Path,
    users: Mapping[str, str],
    redirect_uris: Sequence[str],
    token_minutes: int = 1,
    audience: str = "hpc",
) -> Iterator[IdP]:
    """Run nanoidp on a free port of 127.0.0.1 with `users` (name: password) and one confidential
    client (`hub`) allowed to redirect to `redirect_uris`; access tokens live `token_minutes`
    (nanoidp's minimum is 1). Its output goes to `root/nanoidp.log`. Stopped on exit."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    idp = IdP(url, "hub", "hub-client-secret-0123456789", root / "nanoidp.log", audience)
    settings = {
        "config_version": 1,
        "server": {"host": "127.0.0.1", "port": port},
        "oauth": {
            "issuer": url,
            "audience": audience,
            "token_expiry_minutes": token_minutes,
            "clients": [
                {
                    "client_id": idp.client_id,
                    "client_secret": idp.client_secret,
                    "redirect_uris": list(redirect_uris),
                }
            ],
        },
    }
    people = {
        "config_version": 1,
        "users": {
            name: {"password": password, "email": f"{name}@example.org"}
            for name, password in users.items()
        },
    }
    (root / "settings.yaml").write_text(_yaml(settings))
    (root / "users.yaml").write_text(_yaml(people))
    with idp.log.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "nanoidp", "--config", str(root), "--port", str(port)],
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nanoidp exited:\n{idp.log.read_text()[-3000:]}")
            try:
                discovery = f"{url}/.well-known/openid-configuration"
                if httpx.get(discovery, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"nanoidp did not start:\n{idp.log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield idp
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
