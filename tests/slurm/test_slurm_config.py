"""Configuration of the Slurm kinds and their token sources: clear errors, no secret shown."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.auth import SlurmJWT
from hpc_jupyter.auth import jwt_expiry as expiry
from hpc_jupyter.auth.secrets import SecretSource
from hpc_jupyter.backends.base import BackendContext, ConfigError
from hpc_jupyter.backends.slurm import SlurmCLIFacility, SlurmRestFacility
from hpc_jupyter.errors import FacilityAuthError

BASE = {"url": "http://127.0.0.1:6820", "user": "ada", "token": {"value": "a.b.c"}, "home": "/h"}


def context(tmp_path: Path) -> BackendContext:
    return BackendContext(root_dir=tmp_path, data_dir=tmp_path)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"bogus": 1}, "bogus"),
        ({"url": "ftp://x"}, "url"),
        ({"user": ""}, "user"),
        ({"token": {"secret": "x"}}, "token"),
        ({"token": "plain"}, "token"),
        ({"api_version": "v0.0.35"}, "api_version"),
        ({"api_version": "latest"}, "api_version"),
        ({"api_version": "v0.0.46"}, "api_version"),
        ({"timeout": 0}, "timeout"),
        ({"history_days": -1}, "history_days"),
        ({"files": {"kind": "s3"}}, "files"),
        ({"files": {"kind": "local", "root": "/no/such/dir"}}, "files"),
        ({"home": "relative"}, "home"),
    ],
)
def test_bad_slurmrestd_options_name_the_key(
    tmp_path: Path, change: dict[str, Any], key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        SlurmRestFacility.create("hpc", {**BASE, **change}, context(tmp_path))
    assert info.value.key == key
    assert "'hpc'" in str(info.value) and f"'{key}'" in str(info.value)


@pytest.mark.parametrize("version", ["v0.0.36", "v0.0.44", "v0.0.45", "45"])
def test_every_api_version_from_36_to_45_is_accepted(tmp_path: Path, version: str) -> None:
    facility = SlurmRestFacility.create("hpc", {**BASE, "api_version": version}, context(tmp_path))
    assert facility.client.url == BASE["url"]


def test_slurm_cli_options(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        SlurmCLIFacility.create("login", {"prefix": "ssh login01"}, context(tmp_path))
    assert info.value.key == "prefix"
    facility = SlurmCLIFacility.create(
        "login", {"prefix": ["ssh", "login01"], "user": "ada", "home": "/h"}, context(tmp_path)
    )
    assert facility.kind == "slurm-cli" and facility.capabilities


def test_a_token_file_others_can_read_is_refused(tmp_path: Path) -> None:
    token = tmp_path / "jwt"
    token.write_text("secret.jwt.value")
    token.chmod(0o644)
    with pytest.raises(ConfigError) as info:
        SecretSource.parse("hpc", "token", {"file": str(token)})
    assert "chmod 600" in str(info.value) and "secret.jwt.value" not in str(info.value)
    token.chmod(0o600)
    source = SecretSource.parse("hpc", "token", {"file": str(token)})
    assert asyncio.run(source.read()) == "secret.jwt.value"
    assert "secret.jwt.value" not in repr(source)


def test_sources_fail_with_where_not_what(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HPC_TEST_JWT", raising=False)
    missing = SecretSource.parse("hpc", "token", {"env": "HPC_TEST_JWT"})
    with pytest.raises(FacilityAuthError, match="HPC_TEST_JWT is not set"):
        asyncio.run(missing.read())
    failing = SecretSource.parse("hpc", "token", {"command": "sh -c 'echo nope >&2; exit 3'"})
    with pytest.raises(FacilityAuthError, match="exit code 3: nope"):
        asyncio.run(failing.read())
    value = SecretSource.parse("hpc", "token", {"value": "s3cret"})
    assert "s3cret" not in repr(value) and "s3cret" not in value.describe()


def _jwt(exp: float) -> str:
    claims = base64.urlsafe_b64encode(json.dumps({"exp": exp, "sun": "ada"}).encode())
    return f"eyJhbGciOiJIUzI1NiJ9.{claims.decode().rstrip('=')}.sig"


def test_tokens_are_read_again_before_they_expire(tmp_path: Path) -> None:
    # Given a command that first prints a token already past its `exp`, then a good one
    import time

    counter = tmp_path / "n"
    script = tmp_path / "mint.sh"
    soon = _jwt(time.time() - 1)
    later = _jwt(time.time() + 3600)
    script.write_text(
        f"#!/bin/sh\necho >> {counter}\n"
        f'if [ $(wc -l < {counter}) -eq 1 ]; then echo "SLURM_JWT={soon}"; else echo {later}; fi\n'
    )
    script.chmod(0o700)
    token = SlurmJWT("hpc", SecretSource.parse("hpc", "token", {"command": str(script)}))

    async def use() -> tuple[str, str, str]:
        return await token.token(), await token.token(), await token.token()

    first, second, third = asyncio.run(use())

    # Then the expired one was replaced at the next use, and the fresh one kept
    assert first == soon and second == third == later
    assert len(counter.read_text().splitlines()) == 2
    assert expiry(later) is not None and expiry("garbage") is None
    assert soon not in repr(token)
