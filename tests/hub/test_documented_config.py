"""The Hub and facility configurations of the operators' pages, loaded by what runs them.

The pages include these files (docs/operators/examples/); here each is loaded by JupyterHub 6.1
(or, for the facilities, built by hpc-jupyter), so a renamed trait, a wrong scope or a
facility option that no longer exists fails a test instead of a site's Hub.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from jupyterhub.app import JupyterHub
from jupyterhub.auth import Authenticator
from jupyterhub.scopes import _check_scopes_exist
from jupyterhub.spawner import Spawner
from oauthenticator.generic import GenericOAuthenticator
from traitlets.config import Config, PyFileConfigLoader

from hpc_jupyter.backends import discover_backends
from hpc_jupyter.registry import FacilityRegistry

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "operators" / "examples"
SERVER_SCOPES = ["users:activity!user", "access:servers!server", "admin:auth_state!user"]


@pytest.fixture
def hub() -> Iterator[JupyterHub]:
    app = JupyterHub()
    yield app
    JupyterHub.clear_instance()


def load(app: JupyterHub, *names: str) -> None:
    for name in names:
        app.load_config_file(str(EXAMPLES / name))


def authenticator(app: JupyterHub) -> Authenticator:
    auth: Authenticator = app.authenticator_class(parent=app)
    return auth


def spawner(app: JupyterHub) -> Spawner:
    made: Spawner = app.spawner_class(parent=app, config=app.config)
    return made


def check_refreshing_login(auth: Authenticator) -> None:
    """The login the pages document: OAuth tokens kept, refreshed ahead of expiry by our hook."""
    assert isinstance(auth, GenericOAuthenticator)
    assert auth.enable_auth_state is True
    assert auth.refresh_pre_spawn is True
    assert auth.auth_refresh_age == 60
    hook = auth.refresh_user_hook
    assert callable(hook)
    assert hook.__qualname__.startswith("refresh_user_hook.")
    assert auth.username_claim == "preferred_username"
    assert auth.allow_all is True


def check_scopes(scopes: Any) -> None:
    scopes = set(scopes)
    assert "admin:auth_state!user" in scopes
    _check_scopes_exist(scopes)  # JupyterHub's own check: every scope and filter exists


def test_hub_config_6x(hub: JupyterHub) -> None:
    load(hub, "jupyterhub_config.py")
    check_refreshing_login(authenticator(hub))
    assert hub.extra_user_scopes == {"admin:auth_state!user"}
    check_scopes(hub.extra_user_scopes)
    made = spawner(hub)
    assert made.server_token_scopes == SERVER_SCOPES
    check_scopes(made.server_token_scopes)


def test_hub_config_roles_4x_5x(hub: JupyterHub) -> None:
    load(hub, "jupyterhub_config.py", "jupyterhub_config_roles.py")
    (role,) = [r for r in hub.load_roles if r["name"] == "user"]
    assert "self" in role["scopes"]
    check_scopes(role["scopes"])
    assert spawner(hub).server_token_scopes == SERVER_SCOPES


def test_batchspawner_config(hub: JupyterHub) -> None:
    from batchspawner import SlurmSpawner

    load(hub, "jupyterhub_config.py", "batchspawner_config.py")
    check_refreshing_login(authenticator(hub))
    assert hub.spawner_class is SlurmSpawner
    # The compute nodes reach the Hub's API by this name, on every interface.
    assert hub.hub_ip == "0.0.0.0"
    assert hub.hub_connect_ip == "hub.cluster.example.org"
    made = spawner(hub)
    assert isinstance(made, SlurmSpawner)
    assert made.server_token_scopes == SERVER_SCOPES
    assert made.req_partition == "interactive"
    assert made.req_prologue.startswith("source ")
    assert made.start_timeout == 300


def z2jh_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((EXAMPLES / "z2jh" / "values.yaml").read_text())
    return values


def test_z2jh_values_configure_the_hub(hub: JupyterHub) -> None:
    """values.yaml as the chart's jupyterhub_config.py applies it: hub.config sections,
    hub.loadRoles, then each hub.extraConfig as Python with `c` in scope."""
    values = z2jh_values()["hub"]
    config = Config()
    for section, settings in values["config"].items():
        assert section[:1].isupper(), f"hub.config.{section} is not a class name"
        config[section].update(settings)
    roles = [{"name": name, **role} for name, role in values["loadRoles"].items()]
    config.JupyterHub.load_roles = roles
    for name, source in sorted(values["extraConfig"].items()):
        exec(compile(source, f"hub.extraConfig.{name}", "exec"), {"c": config})
    hub.update_config(config)
    check_refreshing_login(authenticator(hub))
    (role,) = hub.load_roles
    assert role["name"] == "user"
    check_scopes(role["scopes"])
    made = spawner(hub)
    assert made.server_token_scopes == SERVER_SCOPES
    check_scopes(made.server_token_scopes)


def test_z2jh_ships_the_documented_facilities() -> None:
    files = z2jh_values()["singleuser"]["extraFiles"]
    (entry,) = files.values()
    # A system-wide config path of Jupyter, read besides the image's own .py there.
    assert entry["mountPath"] == "/etc/jupyter/jupyter_server_config.json"
    documented = json.loads((EXAMPLES / "jupyter_server_config.json").read_text())
    assert entry["data"] == documented


def build(facilities: dict[str, Any], tmp_path: Path) -> FacilityRegistry:
    registry = FacilityRegistry.from_config(
        facilities, discover_backends(), tmp_path, tmp_path / "data"
    )
    asyncio.run(registry.close())
    return registry


def json_facilities(name: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    facilities: dict[str, Any] = config["HPCJupyterApp"]["facilities"]
    return facilities


@pytest.mark.parametrize(
    ("name", "kind"),
    [("jupyter_server_config.json", "firecrest"), ("jupyter_server_config_iri.json", "iri")],
)
def test_facility_configs_build(name: str, kind: str, tmp_path: Path) -> None:
    facilities = json_facilities(name)
    registry = build(facilities, tmp_path)
    assert registry.misconfigured == {}
    assert [entry["kind"] for entry in facilities.values()] == [kind]
    assert registry.names() == list(facilities)


def test_slurmrestd_facility_is_the_hub_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    loader = PyFileConfigLoader("jupyter_server_config_slurmrestd.py", path=str(EXAMPLES))
    facilities = loader.load_config().HPCJupyterApp.facilities
    assert facilities["cluster"]["user"] == "ada"
    assert facilities["cluster"]["token"] == {"hub": {"key": "access_token"}}
    registry = build(facilities, tmp_path)
    assert registry.misconfigured == {}


def test_globus_hub_config_keeps_the_iri_token_out_of_the_environment(hub: JupyterHub) -> None:
    from oauthenticator.globus import GlobusOAuthenticator

    load(hub, "jupyterhub_config_globus.py")
    auth = authenticator(hub)
    assert isinstance(auth, GlobusOAuthenticator)
    assert auth.enable_auth_state is True
    iri_scope = "https://auth.globus.org/scopes/6be511f6-a071-471f-9bc0-02a0d0836723/filesystem"
    assert iri_scope in auth.scope
    check_scopes(hub.extra_user_scopes)
    made = spawner(hub)
    assert made.server_token_scopes == SERVER_SCOPES
    # JupyterHub calls the Authenticator's pre_spawn_start, then the Spawner's pre_spawn_hook.
    state = {"tokens": {"rs": {"access_token": "iri-token", "resource_server": "rs"}}}

    async def get_auth_state() -> dict[str, Any]:
        return state

    user = SimpleNamespace(name="ada", get_auth_state=get_auth_state)
    made.environment = {"KEEP": "1"}
    asyncio.run(auth.pre_spawn_start(user, made))
    assert "GLOBUS_DATA" in made.environment  # the whole auth_state, pickled
    made.run_pre_spawn_hook()
    assert "GLOBUS_DATA" not in made.environment
    assert made.environment["KEEP"] == "1"
