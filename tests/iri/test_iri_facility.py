"""An `iri` facility's description and configuration, against the IRI double."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.backends.base import BackendContext, ConfigError
from hpc_jupyter.backends.iri import IRIFacility
from tests.iri.fake_iri import FakeIRI

API = Callable[..., Awaitable[Any]]


async def test_facility_shows_its_resources_and_login(api: API, fake: FakeIRI) -> None:
    # When the facility is described
    facility = await api("facilities", "alcf")

    # Then its system is the compute resource, with the resources' status, and the login is ok
    assert facility["kind"] == "iri"
    (system,) = facility["systems"]
    assert system["name"] == "perlmutter"
    assert system["status"] == "degraded"  # the recorded compute status; storage hpss is up
    assert system["home"] == "/home/iriuser"
    assert facility["auth"] == {"status": "ok", "message": None}
    assert set(facility["capabilities"]) >= {"files.read", "jobs.submit", "jobs.cancel"}


def _create(options: dict[str, Any], tmp_path: Path) -> IRIFacility:
    return IRIFacility.create("alcf", options, BackendContext(tmp_path, tmp_path / "d"))


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"url": "ftp://x"}, "url"),
        ({"compute_resource": ""}, "compute_resource"),
        ({"storage_resource": None}, "storage_resource"),
        ({"auth": {"token_file": "/nowhere/tokens.json"}}, "auth.client_id"),
        ({"auth": {"bogus": 1}}, "auth"),
        ({"page_size": 0}, "page_size"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_options_name_the_key(
    iri_options: dict[str, Any], tmp_path: Path, change: dict[str, Any], key: str
) -> None:
    # Given a configuration with one bad option
    options = {k: v for k, v in iri_options.items() if k != "kind"} | change

    # When the facility is built, then the error names the key
    with pytest.raises(ConfigError) as info:
        _create(options, tmp_path)
    assert info.value.key == key


def test_token_file_readable_by_others_is_refused(
    iri_options: dict[str, Any], token_file: Path, tmp_path: Path
) -> None:
    # Given a token file others can read
    token_file.chmod(0o644)
    options = {k: v for k, v in iri_options.items() if k != "kind"}

    # When the facility is built, then it says how to make the file private
    with pytest.raises(ConfigError, match="chmod 600"):
        _create(options, tmp_path)
