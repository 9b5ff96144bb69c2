"""A real JupyterHub on 127.0.0.1 for the tests: config, configurable-http-proxy, start, stop."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.server_process import free_port

CHP_VERSION = "5"
CHP_DIR = Path(__file__).parent / "node_modules-dir"
"""Where the tests install configurable-http-proxy from npm (ignored by git)."""

SIGNING_KEY = b"hpc-jupyter test IdP key"
"""The key the test IdP signs its JWTs with (HS256): nothing here checks signatures but a JWT
is what a Hub really holds."""

SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!server", "admin:auth_state!user"]
"""What docs/operators/jupyterhub.md tells sites to put into `Spawner.server_token_scopes`."""

LIFETIME = 33
"""Seconds an access token minted by the test Hub lives."""

HUB_REFRESH_BELOW = 31
"""The test Hub mints a new token once the current one has less than this left."""


def mint(user: str, lifetime: float = LIFETIME) -> str:
    """A JWT for `user`, signed with `SIGNING_KEY`, expiring in `lifetime` seconds."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header = part({"alg": "HS256", "typ": "JWT"})
    claims = part({"sub": user, "exp": int(time.time() + lifetime), "jti": secrets.token_hex(8)})
    signature = hmac.new(SIGNING_KEY, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


HUB_CONFIG = """
import sys, time
sys.path.insert(0, {tests_root!r})
from jupyterhub.auth import DummyAuthenticator
from tests.hub.hub_process import HUB_REFRESH_BELOW, mint
from hpc_jupyter.auth.static import jwt_expiry


class MintingAuthenticator(DummyAuthenticator):
    # The Hub side of a Hub whose IdP gives short tokens: refresh_user (run by the Hub for a
    # request made with a user's token, at most every auth_refresh_age seconds) replaces the
    # access token in auth_state once it nears expiry, as OAuthenticator's refresh does.
    async def refresh_user(self, user, handler=None):
        state = await user.get_auth_state()
        if not state or not state.get("access_token"):
            return True
        if state.get("revoked"):
            return False  # the IdP refused the refresh token: the user must log in again
        exp = jwt_expiry(state["access_token"]) or 0
        if exp - time.time() > HUB_REFRESH_BELOW:
            return True
        return {{"name": user.name, "auth_state": {{**state, "access_token": mint(user.name)}}}}


c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {proxy_port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
c.JupyterHub.db_url = "sqlite:///{root}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{root}/cookie_secret"
c.JupyterHub.pid_file = "{root}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = "{root}/proxy.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.authenticator_class = MintingAuthenticator
c.Authenticator.allow_all = True
c.Authenticator.enable_auth_state = True
c.Authenticator.auth_refresh_age = 1
c.JupyterHub.extra_user_scopes = {{"admin:auth_state!user"}}
c.Spawner.server_token_scopes = {server_scopes!r}
# Spawned servers: this user's processes, this worktree's hpc_jupyter, a `hub` facility.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{root}/home/{{username}}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.environment = {{"PYTHONPATH": {tests_root!r}, "JUPYTER_CONFIG_DIR": "{root}/jupyter"}}
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
c.JupyterHub.services = [{{"name": "test-admin", "api_token": {admin_token!r}}}]
c.JupyterHub.load_roles = [
    {{
        "name": "test-admin",
        "scopes": ["admin:users", "tokens", "access:servers", "users:activity", "admin:servers"],
        "services": ["test-admin"],
    }}
]
"""


SINGLE_USER_CONFIG = {
    "ServerApp": {"jpserver_extensions": {"hpc_jupyter": True}, "allow_root": True},
    "HPCJupyterApp": {
        "facilities": {
            "hpc": {
                "kind": "slurmrestd",
                "url": "http://127.0.0.1:9",
                "user": "hpcuser",
                "token": {"hub": {}},
            }
        }
    },
}
"""The configuration of spawned servers: a facility whose token comes from the Hub."""


def install_chp() -> Path:
    """configurable-http-proxy from npm, installed once (a stamp says which version).

    Test processes running side by side (pytest-xdist) take turns: one installs, the others wait.
    """
    binary = CHP_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    stamp = CHP_DIR / f".installed-{CHP_VERSION}"
    CHP_DIR.mkdir(exist_ok=True)
    with open(CHP_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists() and stamp.exists():
            return binary
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install configurable-http-proxy")
        subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--prefix",
                str(CHP_DIR),
                f"configurable-http-proxy@{CHP_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        stamp.touch()
    return binary


@dataclass
class Hub:
    """A running Hub: its API URL and an admin (service) token."""

    root: Path
    api_url: str
    admin_token: str
    process: subprocess.Popen[bytes] | None = None
    public_url: str = ""
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "jupyterhub.log"

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """One Hub API request as the admin service."""
        return httpx.request(
            method,
            self.api_url + path,
            headers={"Authorization": f"token {self.admin_token}"},
            json=body,
            timeout=30,
        )

    def add_user(self, name: str, auth_state: dict[str, Any]) -> None:
        response = self.admin("POST", f"/users/{name}")
        assert response.status_code in (201, 409), response.text
        self.set_auth_state(name, auth_state)

    def set_auth_state(self, name: str, auth_state: dict[str, Any]) -> None:
        """As the Hub's refresh or login would: `PATCH /users/{name}` with a new auth_state."""
        response = self.admin("PATCH", f"/users/{name}", {"auth_state": auth_state})
        assert response.status_code == 200, response.text

    def server_token(self, name: str, scopes: list[str] = SERVER_TOKEN_SCOPES) -> tuple[str, str]:
        """A token of `name` with the scopes a spawned server's token gets: (token, its id)."""
        filtered = [scope.replace("!user", f"!user={name}") for scope in scopes]
        filtered = [scope.replace("!server", f"!server={name}/") for scope in filtered]
        response = self.admin(
            "POST", f"/users/{name}/tokens", {"scopes": filtered, "note": "test server"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return body["token"], body["id"]

    def spawn(self, name: str) -> None:
        """Start `name`'s server and wait until the Hub says it is ready."""
        response = self.admin("POST", f"/users/{name}/server")
        assert response.status_code in (201, 202), response.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            server = self.admin("GET", f"/users/{name}").json()["servers"].get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"the server of {name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self, name: str) -> None:
        self.admin("DELETE", f"/users/{name}/server")

    def revoke(self, name: str, token_id: str) -> None:
        response = self.admin("DELETE", f"/users/{name}/tokens/{token_id}")
        assert response.status_code == 204, response.text


def start_hub(
    root: Path,
    extra_config: str = "",
    single_user_config: dict[str, Any] = SINGLE_USER_CONFIG,
    proxy_port: int | None = None,
    api_through_proxy: bool = False,
) -> Hub:
    """Write the config, start `jupyterhub`, wait until its API answers.

    `extra_config` is appended to the config (it may set another authenticator); spawned
    servers get `single_user_config`; `proxy_port` is the public port (a free one if None).
    `api_through_proxy`: the tests reach the Hub's API through the proxy (the Hub's own port
    wants a client certificate when it runs with `internal_ssl`).
    """
    chp = install_chp()
    hub_port = free_port()
    proxy_port = proxy_port or free_port()
    admin_token = secrets.token_hex(32)
    config = HUB_CONFIG.format(
        tests_root=str(Path(__file__).parents[2]),
        proxy_port=proxy_port,
        hub_port=hub_port,
        proxy_api_port=free_port(),
        chp=str(chp),
        proxy_token=secrets.token_hex(32),
        root=root,
        server_scopes=SERVER_TOKEN_SCOPES,
        admin_token=admin_token,
    )
    (root / "jupyterhub_config.py").write_text(config + extra_config)
    (root / "jupyter").mkdir()
    (root / "jupyter" / "jupyter_server_config.json").write_text(json.dumps(single_user_config))
    public_url = f"http://127.0.0.1:{proxy_port}"
    api_base = public_url if api_through_proxy else f"http://127.0.0.1:{hub_port}"
    hub = Hub(root, f"{api_base}/hub/api", admin_token)
    hub.public_url = public_url
    env = {**os.environ, "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32)}
    for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL", "JUPYTERHUB_USER"):
        env.pop(name, None)
    with hub.log.open("wb") as log:
        hub.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(root / "jupyterhub_config.py")],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            stop_hub(hub)  # its proxy may still run
            raise RuntimeError(f"JupyterHub exited:\n{hub.log.read_text()[-3000:]}")
        try:
            if httpx.get(hub.api_url + "/", timeout=2).status_code == 200:
                return hub
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop_hub(hub)
    raise RuntimeError(f"JupyterHub did not start:\n{hub.log.read_text()[-3000:]}")


def stop_hub(hub: Hub) -> None:
    """Stop the Hub (it stops its proxy), and the proxy of a Hub that died without doing so."""
    if hub.process is not None and hub.process.poll() is None:
        hub.process.terminate()
        try:
            hub.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            hub.process.wait()
    pid_file = hub.root / "proxy.pid"
    if pid_file.exists():
        with contextlib.suppress(ValueError, psutil.Error):
            proxy = psutil.Process(int(pid_file.read_text().strip()))
            if "configurable-http-proxy" in " ".join(proxy.cmdline()):
                proxy.terminate()
                proxy.wait(10)
