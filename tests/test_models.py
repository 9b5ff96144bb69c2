"""`Model.from_dict` reads back what `to_dict` wrote, and what a newer server may add."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping

import pytest

from hpc_jupyter.models import (
    AuthState,
    AuthStatus,
    Capability,
    FacilityInfo,
    FileEntry,
    FileType,
    Job,
    JobListing,
    JobRequest,
    JobState,
    Model,
    Staleness,
    System,
)

ALPS = FacilityInfo(
    name="alps",
    kind="firecrest",
    default_system="daint",
    systems=(System("daint", default=True, home="/home/ada"), System("eiger", "degraded")),
    capabilities=frozenset({Capability.JOBS_SUBMIT, Capability.FILES_READ}),
    auth=AuthState(AuthStatus.UNKNOWN, "The token service cannot be reached right now."),
    poll_interval=2.5,
)
JOB = Job("7", "sim", JobState.RUNNING, "R", facility="alps", system="daint", nodes=2)


@pytest.mark.parametrize(
    "model",
    [
        ALPS,
        FacilityInfo("typo", "local", None, auth=AuthState(AuthStatus.MISCONFIGURED, "fix it")),
        JOB,
        JobListing((JOB,), Staleness("down", "unavailable", 10.0, 5.0)),
        JobListing(()),
        JobRequest("#!/bin/bash\n", name="x", nodes=1, env={"OMP_NUM_THREADS": "4"}),
        FileEntry("a", "/a", FileType.LINK, 0, "lrwxrwxrwx", "ada", "users", 1.5, "/b"),
    ],
    ids=lambda model: type(model).__name__,
)
def test_a_model_reads_back_what_it_wrote(model: Model) -> None:
    assert type(model).from_dict(model.to_dict()) == model


def test_a_facility_is_the_apis_json() -> None:
    data = ALPS.to_dict()

    assert data["capabilities"] == ["files.read", "jobs.submit"]  # sorted, as the spec says
    assert data["auth"] == {"status": "unknown", "message": ALPS.auth.message}
    assert data["systems"][1] == {
        "name": "eiger",
        "status": "degraded",
        "default": False,
        "home": None,
    }
    assert ALPS.can("jobs.submit") and ALPS.can(Capability.FILES_READ)
    assert not ALPS.can("jobs.cancel")
    assert (ALPS.auth_status, ALPS.auth_message) == ("unknown", ALPS.auth.message)


def test_what_a_newer_server_adds_is_read_as_this_version_knows_it() -> None:
    data = {
        **ALPS.to_dict(),
        "colour": "red",
        "capabilities": ["jobs.submit", "jobs.teleport"],
        "auth": {"status": "login_required", "message": "Log in."},
        "poll_interval": 3,
    }

    facility = FacilityInfo.from_dict(data)

    assert facility.capabilities == {Capability.JOBS_SUBMIT}  # what it cannot use is left out
    assert facility.auth == AuthState(AuthStatus.UNKNOWN, "Log in.")
    assert facility.poll_interval == 3.0 and isinstance(facility.poll_interval, float)
    job = Job.from_dict({**JOB.to_dict(), "state": "PREEMPTED"})
    assert job.state is JobState.UNKNOWN


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (Job, ["not", "a", "job"]),
        (Job, {"name": "no id", "state": "RUNNING", "raw_state": "R"}),
        (Job, {**JOB.to_dict(), "state": None}),
        (FacilityInfo, {**ALPS.to_dict(), "systems": "daint"}),
        (FacilityInfo, {**ALPS.to_dict(), "auth": "ok"}),
    ],
)
def test_what_is_not_a_model_is_refused(model: type[Model], data: object) -> None:
    with pytest.raises(TypeError):
        model.from_dict(data)


def _generic(value: object) -> object:
    """The walk `to_dict` made before it compiled a field list per class (the reference)."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _generic(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_generic(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _generic(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    "model",
    [
        JOB,
        JobListing((JOB, JOB), Staleness("down", "unavailable", 10.0, 5.0)),
        JobRequest("#!/bin/bash\n", name="x", nodes=1, env={"OMP_NUM_THREADS": "4"}),
        FileEntry("a", "/a", FileType.LINK, 0, "lrwxrwxrwx", "ada", "users", 1.5, "/b"),
        AuthState(AuthStatus.OK),
    ],
)
def test_to_dict_writes_what_the_generic_walk_wrote(model: Model) -> None:
    # The same JSON, byte for byte: the API's answers do not change with the faster walk
    assert json.dumps(model.to_dict()) == json.dumps(_generic(model))
