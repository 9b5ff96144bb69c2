"""`{"hub": {...}}` in a facility's configuration: accepted where a token is, checked clearly."""

from __future__ import annotations

from typing import Any

import pytest

from hpc_jupyter.auth.hub import HubSettings, HubToken
from hpc_jupyter.backends.firecrest.settings import FirecrestSettings
from hpc_jupyter.backends.iri import make_provider
from hpc_jupyter.backends.iri.auth_config import parse_auth
from hpc_jupyter.backends.settings import read_settings
from hpc_jupyter.backends.slurm.settings import SlurmRestSettings
from hpc_jupyter.errors import ConfigError

SLURM = {"url": "http://127.0.0.1:6820", "user": "hpcuser"}
FIRECREST = {"url": "https://firecrest.example.org/v2"}


def test_each_kind_takes_its_token_from_the_hub() -> None:
    # Given `{"hub": ...}` where each kind takes its token
    slurm = read_settings(SlurmRestSettings, "s", {**SLURM, "token": {"hub": {}}})
    firecrest = FirecrestSettings.parse("f", {**FIRECREST, "token": {"hub": {"margin": 90}}})
    nested = "tokens.iri.example.org.access_token"
    iri = parse_auth("i", {"hub": {"key": nested}})

    # Then each reads the Hub settings, with the defaults where none are given
    assert slurm.token == HubSettings()
    assert firecrest.token == HubSettings(margin=90.0)
    assert firecrest.client_id is None and firecrest.client_secret is None
    assert iri.kind == "hub" and iri.hub == HubSettings(key=nested)
    assert isinstance(make_provider("i", iri), HubToken)


@pytest.mark.parametrize(
    ("spec", "key", "problem"),
    [
        ({"hub": {"keys": "x"}}, "token.hub", "unknown keys ['keys']"),
        ({"hub": "access_token"}, "token.hub", "must be a dict"),
        ({"hub": {"key": ""}}, "token.hub.key", "dotted path"),
        ({"hub": {"key": "tokens..access_token"}}, "token.hub.key", "dotted path"),
        ({"hub": {"margin": 10}}, "token.hub.margin", "30 or more"),
        ({"hub": {"margin": True}}, "token.hub.margin", "30 or more"),
    ],
)
def test_a_bad_hub_setting_names_its_key(spec: Any, key: str, problem: str) -> None:
    # Given a wrong `hub` sub-key
    # When the configuration is read
    with pytest.raises(ConfigError) as bad:
        read_settings(SlurmRestSettings, "s", {**SLURM, "token": spec})

    # Then the error names the facility, the key and what is wrong
    assert bad.value.facility == "s"
    assert bad.value.key == key
    assert problem in str(bad.value)


def test_firecrest_takes_a_hub_token_or_client_credentials_not_both() -> None:
    # Given a FirecREST facility with both, and one with neither
    both = {**FIRECREST, "token": {"hub": {}}, "client_id": "c"}

    # Then the first names the extra key, the second the first missing one, as before
    with pytest.raises(ConfigError) as extra:
        FirecrestSettings.parse("f", both)
    assert extra.value.key == "client_id"
    with pytest.raises(ConfigError) as missing:
        FirecrestSettings.parse("f", FIRECREST)
    assert missing.value.key == "token_url"
    assert "required: an http(s) URL" in str(missing.value)
