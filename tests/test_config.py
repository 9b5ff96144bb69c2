"""Configuration: facilities are named instances; mistakes stop the server, naming what is wrong."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter import backends
from hpc_jupyter.backends import discover_backends
from hpc_jupyter.backends.base import ConfigError
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.registry import FacilityRegistry


def build(config: dict[str, Any], tmp_path: Path) -> FacilityRegistry:
    return FacilityRegistry.from_config(
        config, {"local": LocalFacility}, tmp_path, tmp_path / "data"
    )


def test_no_configuration_gives_the_local_facility(tmp_path: Path) -> None:
    registry = build({}, tmp_path)

    assert registry.names() == ["local"]
    assert registry.get("local").kind == "local"
    assert registry.intervals["local"] == LocalFacility.default_poll_interval


def test_named_instances_of_one_kind(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    registry = build(
        {"one": {"kind": "local", "root": str(tmp_path / "a")}, "two": {"kind": "local"}},
        tmp_path,
    )

    assert registry.names() == ["one", "two"]
    one = registry.get("one")
    assert isinstance(one, LocalFacility)
    assert one.root == tmp_path / "a"


@pytest.mark.parametrize(
    ("config", "key", "words"),
    [
        ({"x": {"kind": "nope"}}, "kind", "unknown kind 'nope'"),
        ({"x": {}}, "kind", "unknown kind None"),
        ({"x": "local"}, "kind", "must be a dict"),
        ({"x": {"kind": "local", "rot": "/"}}, "rot", "unknown option"),
        ({"x": {"kind": "local", "root": "/no/such/dir"}}, "root", "is not a directory"),
        ({"x": {"kind": "local", "max_running": 0}}, "max_running", "at least 1"),
        ({"x": {"kind": "local", "poll_interval": "fast"}}, "poll_interval", "seconds"),
        ({"bad name!": {"kind": "local"}}, "name", "letters, digits"),
    ],
)
def test_bad_configuration_names_facility_and_key(
    tmp_path: Path, config: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        build(config, tmp_path)

    assert info.value.key == key
    assert words in str(info.value)
    assert repr(next(iter(config))) in str(info.value)


def test_a_broken_backend_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    points = [
        EntryPoint("local", "hpc_jupyter.backends.local:LocalFacility", backends.ENTRY_POINT_GROUP),
        EntryPoint("broken", "hpc_jupyter_no_such_module:Backend", backends.ENTRY_POINT_GROUP),
        EntryPoint("notabackend", "hpc_jupyter.models:Job", backends.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(backends, "entry_points", lambda group: points)

    kinds = discover_backends()

    assert kinds == {"local": LocalFacility}
    assert "facility kind 'broken' is unavailable" in caplog.text
    assert "'notabackend' is not a FacilityBackend" in caplog.text


def test_installed_entry_points_include_local() -> None:
    assert discover_backends()["local"] is LocalFacility


def test_server_refuses_to_start_with_a_bad_facility(tmp_path: Path) -> None:
    config = tmp_path / "jupyter_server_config.py"
    config.write_text(
        'c.HPCJupyterApp.facilities = {"cluster": {"kind": "slurmish", "url": "x"}}\n'
        f'c.HPCJupyterApp.data_dir = r"{tmp_path / "data"}"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--config={config}",
            "--port=0",
            "--no-browser",
            "--allow-root",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path)},
    )

    assert result.returncode != 0
    assert "facility 'cluster', key 'kind': unknown kind 'slurmish'" in result.stderr
