"""nanoidp (PyPI) as a real OIDC provider for tests: users, a public device-flow client, RS256.

`start_nanoidp` writes its YAML into a temporary directory, runs `python -m nanoidp` on a free
port and waits for its discovery document; `NanoIdp.approve` does what a user does at the
verification page (nanoidp's `/device` form). Access tokens live one minute (nanoidp's least),
so a test that waits a minute sees a refresh. Refresh tokens rotate: nanoidp revokes the old
one on every refresh of a public client. Every nanoidp started here signs with the same test key
(`test-signing-key/`), whose public half the test Slurm clusters trust (`jwks=`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server_process import free_port

CLIENT_ID = "hpc-jupyter-device"
"""The public (no secret) client the device flow uses."""

CONFIDENTIAL_CLIENT_ID = "hpc-jupyter-hub"
CONFIDENTIAL_CLIENT_SECRET = "hub-secret-for-tests"
"""A confidential client for authorization-code logins (a Hub's OAuthenticator)."""

REDIRECT_URIS = ("http://127.0.0.1/hub/oauth_callback",)
"""The confidential client's redirect URIs: nanoidp allows any port on loopback (RFC 8252 §7.3)."""

USERS = {"alice": "alice-password", "bob": "bob-password"}
"""User name to password."""

AUDIENCE = "hpc-jupyter-tests"

SIGNING_KEY = Path(__file__).with_name("test-signing-key")
"""nanoidp's key bundle (a TEST key, public on purpose) and `jwks.json`, its public half."""
KEY_FILES = ("rsa_private.pem", "rsa_public.pem", "idp-cert.pem", "keys.json", "kid.txt")

SETTINGS = """\
config_version: 1
server:
  host: "127.0.0.1"
  port: {port}
oauth:
  issuer: "{issuer}"
  audience: "{audience}"
  token_expiry_minutes: 1
  refresh_token_expiry_minutes: {refresh_minutes}
  clients:
    - client_id: "{client_id}"
      token_endpoint_auth_method: "none"
      description: "hpc-jupyter device login (public)"
    - client_id: "{confidential_id}"
      client_secret: "{confidential_secret}"
      description: "hpc-jupyter hub login (confidential)"
      redirect_uris: {redirect_uris}
device_flow:
  code_expiry_seconds: {device_seconds}
  polling_interval: 1
jwt:
  keys_dir: "{keys_dir}"
"""


@dataclass
class NanoIdp:
    """A running nanoidp: its issuer URL, endpoints, users and client, and its log."""

    process: subprocess.Popen[bytes]
    issuer: str
    config_dir: Path
    log: Path
    client_id: str = CLIENT_ID
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def device_url(self) -> str:
        return f"{self.issuer}/device_authorization"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    def login_config(self, **extra: Any) -> dict[str, Any]:
        """The facility's `{"login": {...}}` for a device login at this IdP."""
        return {
            "login": {
                "flow": "device",
                "issuer": self.issuer,
                "client_id": self.client_id,
                "scope": "openid profile offline_access",
                **extra,
            }
        }

    def approve(
        self,
        user_code: str,
        username: str = "alice",
        *,
        password: str | None = None,
        action: str = "authorize",
    ) -> None:
        """Do what the user does at the verification page: enter the code, log in, decide.

        `action="deny"` refuses; a wrong `password` fails the login. Raises when nanoidp's page
        does not report the decision.
        """
        form = {
            "user_code": user_code,
            "username": username,
            "password": self.users.get(username, "") if password is None else password,
            "action": action,
        }
        page = httpx.post(f"{self.issuer}/device", data=form, timeout=30).text
        wanted = "denied" if action == "deny" else "authorized"
        if not re.search(wanted, page, re.IGNORECASE):
            raise AssertionError(f"nanoidp did not record the decision {action!r}: {page[:500]}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_nanoidp(
    work: Path,
    *,
    device_seconds: int = 600,
    refresh_minutes: int = 10,
    redirect_uris: tuple[str, ...] = REDIRECT_URIS,
    users: dict[str, str] | None = None,
    sun_claim: bool = False,
    signing_key: Path | None = SIGNING_KEY,
) -> NanoIdp:
    """Run nanoidp from a fresh config directory under `work`; ready once discovery answers.

    `users` replaces alice and bob (name to password); `sun_claim` adds Slurm's `sun` claim
    (the user name) to the access tokens (`tests/idp/nanoidp_sun.py`); `signing_key=None` lets
    nanoidp make its own key (one no test cluster trusts).
    """
    users = dict(USERS if users is None else users)
    work.mkdir(parents=True, exist_ok=True)
    keys = work / "keys"
    keys.mkdir(exist_ok=True)
    if signing_key is not None:
        for name in KEY_FILES:
            shutil.copyfile(signing_key / name, keys / name)
        (keys / "rsa_private.pem").chmod(0o600)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    (work / "settings.yaml").write_text(
        SETTINGS.format(
            port=port,
            issuer=issuer,
            audience=AUDIENCE,
            client_id=CLIENT_ID,
            confidential_id=CONFIDENTIAL_CLIENT_ID,
            confidential_secret=CONFIDENTIAL_CLIENT_SECRET,
            device_seconds=device_seconds,
            refresh_minutes=refresh_minutes,
            keys_dir=keys,
            redirect_uris=json.dumps(list(redirect_uris)),
        )
    )
    entries = "".join(
        f'  {name}:\n    password: "{password}"\n    email: "{name}@example.org"\n'
        for name, password in users.items()
    )
    (work / "users.yaml").write_text(f"config_version: 1\nusers:\n{entries}")
    module = "tests.idp.nanoidp_sun" if sun_claim else "nanoidp"
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    log = work / "nanoidp.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--config", str(work), "--strict-config"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=work,
            env=env,
        )
    idp = NanoIdp(process, issuer, work, log, users=users)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nanoidp exited with {process.returncode}:\n{idp.output()}")
        with suppress(httpx.HTTPError, json.JSONDecodeError):
            answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if answer.status_code == 200 and answer.json().get("issuer") == issuer:
                return idp
        time.sleep(0.2)
    stop_nanoidp(idp)
    raise RuntimeError(f"nanoidp did not answer within 60 s:\n{idp.output()}")


def stop_nanoidp(idp: NanoIdp) -> None:
    """Stop it (SIGTERM, then SIGKILL)."""
    if idp.process.poll() is None:
        idp.process.terminate()
        try:
            idp.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            idp.process.kill()
            idp.process.wait(timeout=10)


@pytest.fixture(scope="session")
def nanoidp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NanoIdp]:
    """One nanoidp for the session: users alice and bob, a public device client, 1-minute tokens.

    A plugin of tests/conftest.py: every test folder sees it.
    """
    idp = start_nanoidp(tmp_path_factory.mktemp("nanoidp"))
    yield idp
    stop_nanoidp(idp)
