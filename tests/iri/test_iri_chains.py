"""An `iri` facility has no job dependencies (the IRI job API has no such field): a submission
that waits for another is refused before anything reaches the facility."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.helpers import expect_error
from tests.iri.fake_iri import FakeIRI

API = Callable[..., Awaitable[Any]]


async def test_a_dependency_is_refused_as_not_supported(api: API, fake: FakeIRI) -> None:
    facility = await api("facilities", "alcf")
    assert "jobs.dependencies" not in facility["capabilities"]
    body = {"script": "#!/bin/bash\necho hi\n", "depends_on": ["12"]}
    refused = await expect_error(api("facilities", "alcf", "jobs", method="POST", body=body), 400)
    assert refused["reason"] == "not_supported", refused
    assert "cannot make a job wait for another" in refused["message"]
    assert fake.jobs == {}
