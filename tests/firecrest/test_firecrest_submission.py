"""A FirecREST v2 job's submission: the server's record, or FirecREST's copy of the script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "alps", "jobs")
SCRIPT = "#!/bin/bash -l\n#SBATCH --job-name=elsewhere\necho hi\n"


async def test_a_job_submitted_elsewhere_has_firecrests_copy_of_its_script(
    api: API, fake: FakeFirecrest
) -> None:
    # Given a job FirecREST runs that was not submitted through the server
    job = fake.start_job(SCRIPT, "/home/hpcuser", {}, "elsewhere")

    # When its submission is asked for
    submission = await api(*JOBS, job.id, "submission")
    unknown = await expect_error(api(*JOBS, "424242", "submission"), 404)

    # Then it is the script from the job's metadata, not a record
    assert submission["recorded"] is False
    assert submission["request"]["script"] == SCRIPT
    assert unknown["message"] == "There is no record of how job 424242 was submitted."


async def test_a_job_submitted_through_the_server_has_its_record_and_origin(
    api: API, fake: FakeFirecrest
) -> None:
    origin = {"via": "magic", "notebook": "alps.ipynb", "cell": "c1", "resubmit_of": None}
    body = {"script": SCRIPT, "time_limit": 600, "origin": origin}

    job = await api(*JOBS, method="POST", body=body)
    listed = {j["id"]: j for j in (await api(*JOBS))["jobs"]}
    submission = await api(*JOBS, job["id"], "submission")

    assert job["origin"] == listed[job["id"]]["origin"] == origin
    assert submission["recorded"] is True
    assert submission["request"]["script"] == SCRIPT  # as sent, before directives were added
    assert submission["request"]["time_limit"] == 600
    assert "#SBATCH --time" in fake.jobs[job["id"]].script
