"""Resubmitting, kernel side: the options a recorded request gives back to `HPC.submit`."""

from __future__ import annotations

from hpc_jupyter import api, resubmit
from hpc_jupyter.models import Dependency, JobRequest


def test_the_options_a_resubmission_names_are_those_submit_takes() -> None:
    # resubmit.py keeps its own list (api imports it); this keeps the two from drifting apart
    assert set(resubmit.OPTIONS) == api._SUBMIT_OPTIONS


def test_a_recorded_request_gives_back_only_the_options_it_gave() -> None:
    plain = JobRequest(script="#!/bin/bash\n", name="sim", nodes=2)
    chained = JobRequest(
        script="#!/bin/bash\n",
        env={"N": "3"},
        depends_on=("12", "13"),
        dependency=Dependency.AFTERANY,
    )

    assert resubmit.options_of(plain) == {"name": "sim", "nodes": 2}
    assert resubmit.options_of(chained) == {
        "env": {"N": "3"},
        "depends_on": ["12", "13"],
        "dependency": "afterany",
    }
