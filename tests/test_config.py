"""Configuration: facilities are named instances; a mistake shows as a misconfigured facility."""

from __future__ import annotations

import logging
import re
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter import backends
from hpc_jupyter.api import connect
from hpc_jupyter.backends import discover_backends
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.client import HPCClient
from hpc_jupyter.errors import Misconfigured, NotFound
from hpc_jupyter.registry import FacilityRegistry
from tests.server_process import jupyter_server

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"
"""The time stamp of a line of Jupyter's log."""


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
        ({"x": {"kind": ["local"]}}, "kind", "unknown kind ['local']"),
        ({"x": "local"}, "kind", "must be a dict"),
        ({"x": {"kind": "local", "rot": "/"}}, "rot", "unknown option"),
        ({"x": {"kind": "local", "root": "/no/such/dir"}}, "root", "is not a directory"),
        ({"x": {"kind": "local", "max_running": 0}}, "max_running", "at least 1"),
        ({"x": {"kind": "local", "poll_interval": "fast"}}, "poll_interval", "seconds"),
    ],
)
def test_a_bad_facility_is_listed_as_misconfigured_naming_the_key(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    config: dict[str, Any],
    key: str,
    words: str,
) -> None:
    # Given a bad facility next to a good one
    registry = build({**config, "fine": {"kind": "local"}}, tmp_path)

    # Then both are listed, the good one works, and the bad one names its mistake
    assert registry.names() == ["x", "fine"]
    assert isinstance(registry.get("fine"), LocalFacility)
    problem = registry.misconfigured["x"].problem
    assert f"facility 'x', key {key!r}: " in problem
    assert words in problem
    with pytest.raises(Misconfigured) as info:
        registry.get("x")
    assert info.value.status == 502
    assert f"key {key!r}" in info.value.message
    assert "restart the server" in info.value.message
    # and the mistake was logged once, as an error
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert words in errors[0]


async def test_a_misconfigured_facility_is_described_without_systems(tmp_path: Path) -> None:
    registry = build({"typo": {"kind": "local", "max_runing": 2}}, tmp_path)

    described = (await registry.describe("typo")).to_dict()

    assert described["kind"] == "local"
    assert described["auth"]["status"] == "misconfigured"
    assert "key 'max_runing'" in described["auth"]["message"]
    assert described["systems"] == described["capabilities"] == []
    assert described["default_system"] is None


def test_a_facility_name_no_route_can_reach_is_left_out_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = build({"bad name!": {"kind": "local"}, "fine": {"kind": "local"}}, tmp_path)

    assert registry.names() == ["fine"]
    assert "letters, digits" in caplog.text
    assert "'bad name!'" in caplog.text


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


def test_a_bad_facility_leaves_the_server_and_the_other_facilities_working(
    tmp_path: Path,
) -> None:
    # Given a server configured with two mistakes, a good facility and one whose secret
    # variable is not set
    facilities = {
        "typo": {"kind": "local", "max_runing": 2},
        "cluster": {"kind": "slurmish", "url": "x"},
        "local": {"kind": "local"},
        "alps": {
            "kind": "firecrest",
            "url": "http://127.0.0.1:9",
            "token_url": "http://127.0.0.1:9/token",
            "client_id": "hpc-jupyter-test",
            "client_secret": {"env": "HPC_JUPYTER_TEST_NEVER_SET"},
        },
    }
    env = {"HPC_JUPYTER_TEST_NEVER_SET": ""}
    with jupyter_server(
        tmp_path, {"facilities": facilities, "data_dir": str(tmp_path / "d")}, env=env
    ) as server:
        # When a client lists the facilities and uses them
        listed = server.api("GET", "facilities")
        good = server.api("GET", "facilities", "local", "files", params={"path": "."})
        files = server.api("GET", "facilities", "typo", "files", params={"path": "."})
        submitted = server.api("POST", "facilities", "cluster", "jobs", json={"script": "true"})
        # and a kernel connects through the Python API
        auth = ("Authorization", f"token {server.token}")
        with HPCClient(server.url, auth_header=auth) as client:
            hpc = connect(client=client)
            default = hpc.facility_name
            with pytest.raises(Misconfigured, match="key 'max_runing'"):
                hpc.use("typo").ls(".")
        output = server.output()

    # Then the server runs: the mistakes are listed as misconfigured, naming the key
    assert listed.status_code == 200
    by_name = {f["name"]: f for f in listed.json()["facilities"]}
    assert list(by_name) == ["typo", "cluster", "local", "alps"]
    assert by_name["typo"]["auth"]["status"] == "misconfigured"
    assert "key 'max_runing'" in by_name["typo"]["auth"]["message"]
    assert by_name["cluster"]["auth"]["status"] == "misconfigured"
    assert "unknown kind 'slurmish'" in by_name["cluster"]["auth"]["message"]
    assert by_name["local"]["auth"]["status"] == "none"
    assert default == "local"  # the first usable facility, not the first listed
    assert good.status_code == 200
    # and every route of a misconfigured facility answers a clear error that names the key
    assert files.status_code == submitted.status_code == 502
    assert files.json()["reason"] == submitted.json()["reason"] == "misconfigured"
    assert "key 'max_runing'" in files.json()["message"]
    assert "key 'kind'" in submitted.json()["message"]
    # and the server's log has each mistake once, as an error, formatted like its own lines
    for key in ("max_runing", "kind"):
        lines = [line for line in output.splitlines() if f"key {key!r}" in line and "[E " in line]
        assert len(lines) == 1, lines
        assert re.match(rf"\[E {STAMP} hpc_jupyter\.registry\] facility ", lines[0]), lines
    # and a backend's warning is in the server's log, formatted (not bare on stderr)
    warning = re.compile(
        rf"^\[W {STAMP} hpc_jupyter\.backends\.firecrest\] facility 'alps', key "
        r"'client_secret': The environment variable HPC_JUPYTER_TEST_NEVER_SET is not set",
        re.MULTILINE,
    )
    assert warning.search(output), output
    assert "Traceback" not in output


def test_an_unknown_facility_name_is_echoed_short(tmp_path: Path) -> None:
    registry = build({}, tmp_path)

    with pytest.raises(NotFound) as info:
        registry.get("x" * 100_000)

    assert len(info.value.message) < 200
    assert "configured: local" in info.value.message


class _StartsBroken(LocalFacility):
    """A local facility whose background work cannot start (as a disk error would make it)."""

    kind = "broken-start"

    async def start(self) -> None:
        raise OSError("the job store's disk went away")


async def test_a_facility_that_cannot_start_is_set_aside_and_the_others_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = FacilityRegistry.from_config(
        {"broken": {"kind": "broken-start"}, "fine": {"kind": "local"}},
        {"local": LocalFacility, "broken-start": _StartsBroken},
        tmp_path,
        tmp_path / "data",
    )

    await registry.start()
    try:
        described = (await registry.describe("broken")).to_dict()
        assert described["auth"]["status"] == "misconfigured"
        assert "could not start (OSError)" in described["auth"]["message"]
        with pytest.raises(Misconfigured):
            registry.get("broken")
        assert registry.names() == ["broken", "fine"]
        assert (await registry.describe("fine")).to_dict()["auth"]["status"] != "misconfigured"
        assert "facility 'broken' could not start" in caplog.text
    finally:
        await registry.close()
