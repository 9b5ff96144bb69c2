"""`{"login": {"flow": "device", ...}}` in a facility's configuration: read, checked clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.auth.device import DeviceLogin
from hpc_jupyter.auth.device_settings import DeviceSettings
from hpc_jupyter.backends import discover_backends
from hpc_jupyter.backends.base import BackendContext
from hpc_jupyter.backends.firecrest.settings import FirecrestSettings
from hpc_jupyter.errors import ConfigError
from hpc_jupyter.models import Capability

FIRECREST = {"url": "https://firecrest.example.org/v2"}
ISSUER = "https://auth.example.org/realms/hpc"


def test_firecrest_takes_a_device_login() -> None:
    # Given a FirecREST facility whose token comes from a device login, by issuer or endpoints
    by_issuer = {"flow": "device", "issuer": ISSUER + "/", "client_id": " cli ", "scope": "openid"}
    by_urls = {
        "flow": "device",
        "device_url": ISSUER + "/device",
        "token_url": ISSUER + "/token",
        "client_id": "cli",
        "pkce": False,
        "margin": 90,
    }
    first = FirecrestSettings.parse("f", {**FIRECREST, "token": {"login": by_issuer}})
    second = FirecrestSettings.parse("f", {**FIRECREST, "token": {"login": by_urls}})

    # Then each reads as DeviceSettings, with the defaults where none are given
    assert first.token == DeviceSettings(client_id="cli", issuer=ISSUER, scope="openid")
    assert second.token == DeviceSettings(
        client_id="cli",
        device_url=ISSUER + "/device",
        token_url=ISSUER + "/token",
        pkce=False,
        margin=90.0,
    )


LOGIN = {"flow": "device", "issuer": ISSUER, "client_id": "cli"}


@pytest.mark.parametrize(
    ("login", "key", "problem"),
    [
        ({**LOGIN, "secret": "x"}, "token.login", "unknown keys ['secret']"),
        ("device", "token.login", "must be a dict"),
        ({**LOGIN, "flow": "password"}, "token.login.flow", "must be one of ['device']"),
        ({**LOGIN, "client_id": ""}, "token.login.client_id", "required"),
        ({**LOGIN, "issuer": "auth.example.org"}, "token.login.issuer", "http(s) URL"),
        ({**LOGIN, "token_url": ISSUER + "/t"}, "token.login.token_url", "not be set with"),
        (
            {"flow": "device", "client_id": "c", "token_url": ISSUER},
            "token.login.device_url",
            "required unless `issuer`",
        ),
        ({**LOGIN, "scope": ""}, "token.login.scope", "space-separated"),
        ({**LOGIN, "pkce": "yes"}, "token.login.pkce", "true or false"),
        ({**LOGIN, "margin": 10}, "token.login.margin", "30 or more"),
    ],
)
def test_a_bad_login_setting_names_its_key(login: Any, key: str, problem: str) -> None:
    # Given a wrong `login` sub-key, when the configuration is read
    with pytest.raises(ConfigError) as bad:
        FirecrestSettings.parse("f", {**FIRECREST, "token": {"login": login}})

    # Then the error names the facility, the key and what is wrong
    assert (bad.value.facility, bad.value.key) == ("f", key)
    assert problem in str(bad.value)


@pytest.mark.parametrize("kind", ["firecrest", "slurmrestd", "iri"])
def test_each_kind_with_a_login_declares_it(kind: str, tmp_path: Path) -> None:
    # Given each kind configured with a device login where it takes its token
    login = {"login": LOGIN}
    options = {
        "firecrest": {**FIRECREST, "token": login},
        "slurmrestd": {"url": "http://127.0.0.1:6820", "user": "hpcuser", "token": login},
        "iri": {
            "url": "https://api.iri.example.org",
            "compute_resource": "c",
            "storage_resource": "s",
            "auth": login,
        },
    }[kind]
    # When the facility is built
    context = BackendContext(root_dir=tmp_path, data_dir=tmp_path / "data" / "f")
    facility = discover_backends()[kind].create("f", options, context)
    # Then it declares the login, kept in the facility's data directory
    assert Capability.AUTH_LOGIN in facility.capabilities
    assert isinstance(facility.login, DeviceLogin)
    assert facility.login.file.path == tmp_path / "data" / "f" / "login.json"


def test_a_facility_without_a_login_does_not_declare_it(tmp_path: Path) -> None:
    context = BackendContext(root_dir=tmp_path, data_dir=tmp_path / "f")
    facility = discover_backends()["local"].create("f", {}, context)
    assert facility.login is None
    assert Capability.AUTH_LOGIN not in facility.capabilities
