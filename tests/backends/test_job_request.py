"""A job request refuses what no facility can run when it is made, so no kind checks it again."""

from __future__ import annotations

import pytest

from hpc_jupyter.errors import ValidationError
from hpc_jupyter.models import JobRequest
from hpc_jupyter.submission import job_request

BAD_REQUESTS = [
    pytest.param({"script": " \n\t"}, "The batch script is empty", id="blank script"),
    pytest.param({"script": "echo \ud800"}, "not valid text", id="script surrogate"),
    pytest.param({"env": {"BAD-NAME": "1"}}, "'BAD-NAME' has a bad name", id="env name"),
    pytest.param({"env": {"1ST": "1"}}, "'1ST' has a bad name", id="env name digit first"),
    pytest.param({"env": {"CAFÉ": "1"}}, "'CAFÉ' has a bad name", id="env name not ASCII"),
    pytest.param({"env": {"A": "x\x00y"}}, "'A' has a bad name or value", id="env value NUL"),
    pytest.param({"env": {"A": "\udcff"}}, "not valid text", id="env value surrogate"),
]


@pytest.mark.parametrize(("fields", "words"), BAD_REQUESTS)
def test_a_request_no_facility_can_run_is_refused_however_it_is_made(
    fields: dict[str, object], words: str
) -> None:
    body = {"script": "echo hi\n", **fields}
    # Built by a backend's caller (the ledger, a test, a kind) or read from a route's body
    with pytest.raises(ValidationError, match=words):
        JobRequest(**body)
    with pytest.raises(ValidationError):
        job_request(body)


def test_a_good_request_keeps_its_fields() -> None:
    request = JobRequest(script="#!/bin/bash\necho hi\n", env={"MY_VAR": "a b", "_X1": ""})
    assert request.env == {"MY_VAR": "a b", "_X1": ""}
