"""Every kind's options come from its settings class: accepted, checked and refused from it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.backends.base import BackendContext, ConfigError, FacilityBackend
from hpc_jupyter.backends.firecrest import FirecrestFacility
from hpc_jupyter.backends.iri import IRIFacility
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.backends.options import SECONDS, text
from hpc_jupyter.backends.settings import option, option_table, read_settings
from hpc_jupyter.backends.slurm import SlurmCLIFacility, SlurmRestFacility

KINDS: list[type[FacilityBackend]] = [
    LocalFacility,
    SlurmCLIFacility,
    SlurmRestFacility,
    FirecrestFacility,
    IRIFacility,
]


@pytest.mark.parametrize("facility", KINDS, ids=lambda kind: kind.kind)
def test_an_unknown_option_names_the_facility_the_key_and_every_known_one(
    tmp_path: Path, facility: type[FacilityBackend]
) -> None:
    context = BackendContext(root_dir=tmp_path, data_dir=tmp_path / "data")

    with pytest.raises(ConfigError) as info:
        facility.create("site", {"colour": "red"}, context)

    assert info.value.key == "colour"
    assert str(info.value).startswith("facility 'site', key 'colour': unknown option; known: ")
    assert facility.settings_class is not None
    known = sorted(item.name for item in fields(facility.settings_class))
    assert str(info.value).endswith(str(known))


@dataclass(frozen=True, kw_only=True)
class _Example:
    """A kind's settings in small: one required option, one with a default, one secret."""

    url: str = option("where", text(), missing="needs the URL")
    timeout: float = option("how long", SECONDS, default=30.0)
    home: str = option("where to start", text(), shown_default="the machine's home")
    token: str | None = option("who | what", text(), default=None, secret=True)


def test_the_reader_checks_given_values_and_defaults_and_says_what_is_missing() -> None:
    read = read_settings(_Example, "x", {"url": " http://a "}, {"home": "/h"})
    assert read == _Example(url="http://a", timeout=30.0, home="/h", token=None)

    with pytest.raises(ConfigError, match="facility 'x', key 'url': needs the URL"):
        read_settings(_Example, "x", {}, {"home": "/h"})
    with pytest.raises(ConfigError, match="key 'timeout': must be a number of seconds"):
        read_settings(_Example, "x", {"url": "u", "timeout": True}, {"home": "/h"})
    # a default supplied at run time is checked like a configured value
    with pytest.raises(ConfigError, match="key 'home': must be a non-empty string"):
        read_settings(_Example, "x", {"url": "u"}, {"home": ""})


def test_a_secret_option_stays_out_of_the_repr_and_is_marked_in_the_table() -> None:
    read = read_settings(_Example, "x", {"url": "u", "token": "s3cret"}, {"home": "/h"})
    assert read.token == "s3cret"
    assert "s3cret" not in repr(read)

    table = option_table(_Example)

    assert table.splitlines()[2:] == [
        "| `url` | a string | required | where |",
        "| `home` | a string | the machine's home | where to start |",
        "| `timeout` | seconds, above zero | `30.0` | how long |",
        "| `token` | a string | none | who \\| what (a secret: never in a response, a log line "
        "or an error) |",
    ]


def test_a_field_not_declared_as_an_option_is_a_bug_found_at_once() -> None:
    @dataclass(frozen=True)
    class Undeclared:
        url: str

    with pytest.raises(TypeError, match=r"Undeclared\.url is not declared with option"):
        read_settings(Undeclared, "x", {"url": "u"})


def test_firecrest_and_iri_settings_keep_their_secrets_out_of_their_repr(tmp_path: Path) -> None:
    options: dict[str, Any] = {
        "url": "https://f7t.example/v2",
        "token_url": "https://auth.example/token",
        "client_id": "c",
        "client_secret": {"value": "f7t-secret-value"},
    }
    firecrest = FirecrestFacility.create("f", options, BackendContext(tmp_path, tmp_path))
    iri = IRIFacility.create(
        "i",
        {
            "url": "https://iri.example/api/v1",
            "compute_resource": "c",
            "storage_resource": "s",
            "auth": {"value": "iri-bearer-value"},
        },
        BackendContext(tmp_path, tmp_path),
    )

    assert "f7t-secret-value" not in repr(firecrest.settings)
    assert "iri-bearer-value" not in repr(iri.settings)
