"""Two real local users at a real JupyterHub with the standard LocalProcessSpawner, in chromium.

The Hub (as root) logs users in through nanoidp with GenericOAuthenticator (tests/hub/sso.py)
and maps the IdP's `alice` and `bob` to the local users `hpcj-alice` and `hpcj-bob`, created
here with useradd and removed afterwards; their servers run as them, reaching the venv and
this checkout through POSIX ACLs taken back at the end (tests/hub/local_users.py). Alice's Lab
uses the FirecREST double (checking nanoidp's signatures) with `{"hub": {}}` tokens: the panel,
a notebook's magics and the panel's submit dialog. Bob logs in too, and cannot get at alice's
tokens: not at the Hub with his server's token, not in her files, not upstream.
Screenshots go to artifacts/browser/hubusers-*.png. Needs root and Debian's `acl`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.browser.lab_server import (
    SECOND,
    open_browser,
    open_panel,
    require_browser,
    screenshot,
    wait_for,
)
from tests.firecrest.fake_firecrest import USER
from tests.hub.hub_process import Hub, free_port, start_hub, stop_hub
from tests.hub.local_users import (
    Grants,
    LocalUser,
    add_user,
    remove_user,
    require_root_and_acl,
    run_as,
)
from tests.hub.sso import (
    HOOK_MARGIN,
    OAUTH_CONFIG,
    assert_no_secret,
    auth_state,
    claims,
    hub_get,
    log_in,
    notebook,
    run_notebook,
    server_processes,
)
from tests.idp.nanoidp import (
    AUDIENCE,
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    NanoIdp,
    start_nanoidp,
    stop_nanoidp,
)

pytestmark = pytest.mark.browser

LOCAL = {"alice": "hpcj-alice", "bob": "hpcj-bob"}
"""The IdP's user name to the local user's (the Hub's `username_map`)."""

TESTS_ROOT = Path(__file__).resolve().parents[2]

LOCAL_SPAWNER_CONFIG = """
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Authenticator.username_map = {username_map!r}
# The servers find their configuration in the user's ~/.jupyter, their data in ~/.local
c.Spawner.environment = {{"PYTHONPATH": {tests_root!r}}}


def keep_server_token(spawner):
    # The test's eyes only: the token the server gets (the server scrubs it from its own
    # environment), kept for root, to ask the Hub with it as the server would.
    import os
    path = os.path.join({token_dir!r}, spawner.user.name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(spawner.api_token)


c.Spawner.pre_spawn_hook = keep_server_token
"""

PANEL_SCRIPT = "#!/bin/bash\n#SBATCH --job-name={name}\necho hello from the panel\n"


@dataclass
class World:
    idp: NanoIdp
    hub: Hub
    firecrest: ThreadedFirecrest
    users: dict[str, LocalUser]
    root: Path


def _reachable(grants: Grants, user: str) -> None:
    """What a server of `user` needs: the venv's python, its libraries, this checkout."""
    wanted = [
        Path(sys.executable),
        Path(os.__file__),
        Path(sysconfig.get_paths()["purelib"]) / "x",
        TESTS_ROOT / "hpc_jupyter" / "__init__.py",
    ]
    for path in wanted:
        grants.grant_traverse(user, Path(os.path.abspath(path)))
        grants.grant_traverse(user, path.resolve())


def _own(user: LocalUser, path: Path, text: str) -> None:
    """Write `text` to `path` in the user's home, theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    for each in [path, *path.parents]:
        if each == user.home:
            break
        os.chown(each, user.uid, user.gid)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two local users, nanoidp, the FirecREST double on its keys, a Hub spawning as the users."""
    require_root_and_acl()
    require_browser()
    root = tmp_path_factory.mktemp("hubusers")
    grants = Grants()
    users: dict[str, LocalUser] = {}
    try:
        for idp_name, name in LOCAL.items():
            users[idp_name] = user = add_user(name)
            _reachable(grants, name)
            facility = {"kind": "firecrest", "token": {"hub": {}}, "timeout": 10}
            config = {"HPCJupyterApp": {"facilities": {"alps": facility}}}
            _own(user, user.home / ".jupyter" / "jupyter_server_config.json", json.dumps(config))
            cells = [
                "%load_ext hpc_jupyter",
                f"%%hpc_submit --name {idp_name}-magic-job\n#!/bin/bash\necho hi",
                "%hpc_jobs",
            ]
            _own(user, user.home / "hub-job.ipynb", json.dumps(notebook(cells)))
            _own(user, user.home / "panel-job.sh", PANEL_SCRIPT.format(name=f"{idp_name}-panel"))
        yield from _services(root, users)
    finally:
        grants.revoke()
        for name in LOCAL.values():
            remove_user(name)


def _services(root: Path, users: dict[str, LocalUser]) -> Iterator[World]:
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    callback = f"{public}/hub/oauth_callback"
    idp = start_nanoidp(root / "idp", redirect_uris=(callback,))
    firecrest = ThreadedFirecrest(root / "remote")
    try:

        def on_idp_keys() -> None:
            firecrest.fake.jwks_url = idp.jwks_url
            firecrest.fake.jwt_audience = AUDIENCE

        firecrest.call(on_idp_keys)
        for user in users.values():  # the facility's URL, now that the double has a port
            path = user.home / ".jupyter" / "jupyter_server_config.json"
            config = json.loads(path.read_text())
            config["HPCJupyterApp"]["facilities"]["alps"]["url"] = firecrest.fake.url
            path.write_text(json.dumps(config))
        extra = OAUTH_CONFIG.format(
            client_id=CONFIDENTIAL_CLIENT_ID,
            client_secret=CONFIDENTIAL_CLIENT_SECRET,
            callback=callback,
            idp=idp.issuer,
            margin=HOOK_MARGIN,
        ) + LOCAL_SPAWNER_CONFIG.format(
            username_map=LOCAL, tests_root=str(TESTS_ROOT), token_dir=str(root / "server-tokens")
        )
        (root / "hub").mkdir()
        (root / "server-tokens").mkdir(mode=0o700)
        hub = start_hub(root / "hub", extra, {}, proxy_port)
        try:
            yield World(idp, hub, firecrest, users, root)
        finally:
            for name in LOCAL.values():
                with contextlib.suppress(Exception):
                    hub.stop(name)
            stop_hub(hub)
    finally:
        firecrest.close()
        stop_nanoidp(idp)


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"hubusers-{name}")


def _logged_in_lab(page: Any, hub: Hub, idp_name: str) -> Any:
    """Log in as `idp_name`; the panel, once it shows the facility logged in and its files."""
    from playwright.sync_api import expect

    log_in(page, hub, idp_name, LOCAL[idp_name])
    panel = open_panel(page)
    expect(panel.locator(".hpc-Panel-auth")).to_have_attribute(
        "data-status", "ok", timeout=60 * SECOND
    )
    expect(panel.locator(".hpc-Panel-authText")).to_have_text("Logged in.")
    files = panel.locator(".hpc-RemoteFiles")
    expect(files.locator(f".hpc-RemoteFiles-item[data-name='{USER}']")).to_be_visible(
        timeout=60 * SECOND
    )
    return panel


def _submit_from_panel_dialog(page: Any, hub: Hub, local_name: str, script: str) -> str:
    """Right-click `script` in Lab's file browser, submit it with the dialog; the job's id."""
    from playwright.sync_api import expect

    page.goto(f"{hub.public_url}/user/{local_name}/lab")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
    item = page.locator(".jp-DirListing-item", has_text=script)
    tab = page.locator(".jp-SideBar .lm-TabBar-tab[title^='File Browser']")

    def listed() -> bool:  # open the file browser (its tab toggles: not when open already)
        if item.is_visible():
            return True
        if not page.locator("#filebrowser").is_visible():
            tab.click()
            page.wait_for_timeout(1000)
        return False

    wait_for(page, listed, 30, f"{script} in Lab's file browser")
    item.click()
    item.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Submit to HPC facility…").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".hpc-SubmitForm")).to_be_visible(timeout=30 * SECOND)
    expect(dialog.locator("select[name='facility']")).to_have_value("alps")
    dialog.locator(".jp-mod-accept").click()
    toast = page.locator(
        ".Toastify__toast", has_text=re.compile(rf"Submitted {re.escape(script)} as job \S+")
    )
    expect(toast.first).to_be_visible(timeout=30 * SECOND)
    _shot(page, "3-alice-panel-submit")
    found = re.search(r"as job (\S+) on", toast.first.inner_text())
    assert found, toast.first.inner_text()
    return found.group(1)


def _job_subs(world: World) -> dict[str, str]:
    """The `sub` of the token each job submission at the double carried, by the job's name,
    pairing the submissions (POST .../jobs, in order) with the jobs they made (in order)."""
    posts = [
        auth
        for method, path, auth in world.firecrest.fake.requests
        if method == "POST" and path.endswith("/jobs")
    ]
    names = [job.name for job in world.firecrest.fake.jobs.values() if job.script]
    assert len(posts) == len(names), (posts, names)
    pairs = zip(names, posts, strict=True)
    return {name: claims(auth.split(" ", 1)[1])["sub"] for name, auth in pairs}


def _server_of(hub: Hub, user: LocalUser) -> psutil.Process:
    servers = [
        process
        for process in server_processes(hub)
        if "jupyterhub.singleuser" in " ".join(process.cmdline())
        and process.uids().real == user.uid
    ]
    assert len(servers) == 1, [(p.pid, p.uids()) for p in server_processes(hub)]
    return servers[0]


def test_two_local_users_each_use_their_own_login_and_cannot_reach_the_others(
    world: World,
) -> None:
    hub, firecrest = world.hub, world.firecrest
    alice, bob = world.users["alice"], world.users["bob"]
    outputs: list[str] = []
    with open_browser() as browser:
        page = browser.page
        try:
            # Given alice logs in to the Hub at the IdP; her Lab shows the facility logged in
            # and lists its files with the token the Hub holds for her
            _logged_in_lab(page, hub, "alice")
            _shot(page, "1-alice-logged-in")

            # And her server runs as hpcj-alice, not as root
            for process in server_processes(hub):
                assert process.uids().real == alice.uid, process.cmdline()

            # When she submits a job through the magics and through the panel's submit dialog
            outputs += run_notebook(page, hub, alice.name, "hub-job.ipynb", "alice-magic-job")
            _shot(page, "2-alice-magics")
            _submit_from_panel_dialog(page, hub, alice.name, "panel-job.sh")

            # Then both reach FirecREST, with alice's token
            subs = _job_subs(world)
            assert subs == {"alice-magic-job": "alice", "alice-panel": "alice"}, subs

            # Given bob logs in too, in a browser of his own, and gets his own server, as bob
            page_b = browser.new_page()
            _logged_in_lab(page_b, hub, "bob")
            _shot(page_b, "4-bob-logged-in")
            bob_server = _server_of(hub, bob)
            _server_of(hub, alice)

            # When bob submits through the magics, FirecREST sees bob's token, not alice's
            outputs += run_notebook(page_b, hub, bob.name, "hub-job.ipynb", "bob-magic-job")
            names = lambda: {job.name for job in firecrest.fake.jobs.values()}  # noqa: E731
            wait_for(page_b, lambda: "bob-magic-job" in names(), 30, "bob's job at FirecREST")
            assert _job_subs(world)["bob-magic-job"] == "bob"
            accepted = {claims(token)["sub"] for _, token in firecrest.fake.accepted}
            # (each user's server and kernel run as that user, none as root)
            commands: dict[int, list[str]] = {}
            for process in server_processes(hub):
                commands.setdefault(process.uids().real, []).append(" ".join(process.cmdline()))
            assert set(commands) == {alice.uid, bob.uid}, commands
            assert all(any("ipykernel" in c for c in each) for each in commands.values())
            assert accepted == {"alice", "bob"}, accepted
        except BaseException:
            _shot(page, "failure")
            raise

        # And bob's server's own Hub API token (admin:auth_state!user among its scopes) reads
        # bob's auth_state but not alice's (JupyterHub answers 404 for what it may not see)
        assert not bob_server.environ().get("JUPYTERHUB_API_TOKEN")  # scrubbed by the server
        server_token = (world.root / "server-tokens" / bob.name).read_text()
        own = hub_get(hub, f"/users/{bob.name}", server_token)
        assert own.status_code == 200 and own.json().get("auth_state"), own.text
        other = hub_get(hub, f"/users/{alice.name}", server_token)
        assert other.status_code in (403, 404), other.text
        assert "access_token" not in other.text

        # And as the OS user bob, alice's data folder and her server's files are closed
        data = alice.home / ".local" / "share" / "jupyter" / "hpc_jupyter"
        runtime = alice.home / ".local" / "share" / "jupyter" / "runtime"
        assert data.is_dir() and runtime.is_dir()
        assert (data.stat().st_mode & 0o077) == 0, oct(data.stat().st_mode)
        kernel_logins = list(runtime.glob("hpc-jupyter-*.json"))
        files = [p for p in data.rglob("*") if p.is_file()] + kernel_logins
        assert kernel_logins and len(files) > len(kernel_logins), files
        for directory in (data, runtime):
            denied = run_as(bob.name, "ls", str(directory))
            assert denied.returncode != 0 and "Permission denied" in denied.stderr, denied
        for path in files:
            denied = run_as(bob.name, "cat", str(path))
            assert denied.returncode != 0 and "Permission denied" in denied.stderr, path
            assert run_as(alice.name, "cat", str(path)).returncode == 0, path  # hers alone

        # And no token of either user is in any response, log line, environment or output
        secrets: set[str] = {token for _, token in firecrest.fake.accepted}
        for name in (alice.name, bob.name):
            state = auth_state(hub, name)
            secrets.update(str(state[key]) for key in ("access_token", "refresh_token", "id_token"))
        assert_no_secret(secrets, hub, browser.bodies, outputs)
