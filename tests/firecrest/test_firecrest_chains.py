"""A job that waits for another on a FirecREST facility (v2 and v1 doubles): the dependency
reaches Slurm as an `#SBATCH --dependency` line of the submitted script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.firecrest.double_fixtures import ON_BOTH
from tests.firecrest.fake_firecrest import FakeFirecrest

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", "alps", "jobs")
SCRIPT = "#!/bin/bash -l\n#SBATCH --ntasks=1\n\n# run it\necho hi\n"


@ON_BOTH
async def test_a_dependency_is_a_directive_among_the_script_s_own(
    api: API, double: FakeFirecrest
) -> None:
    # Given a facility that declares dependencies and a first job
    facility = await api("facilities", "alps")
    assert "jobs.dependencies" in facility["capabilities"]
    first = await api(*JOBS, method="POST", body={"script": SCRIPT})

    # When a second one is submitted to run after it, whatever its end
    body = {"script": SCRIPT, "depends_on": [first["id"]], "dependency": "afterany"}
    second = await api(*JOBS, method="POST", body=body)

    # Then Slurm gets the dependency after the script's own directives, before its commands
    sent = double.jobs[second["id"]].script
    assert sent.split("\n")[:3] == [
        "#!/bin/bash -l",
        "#SBATCH --ntasks=1",
        f"#SBATCH --dependency=afterany:{first['id']}",
    ], sent
    assert sent.endswith("\n# run it\necho hi\n")
    assert "--dependency" not in double.jobs[first["id"]].script


async def test_v2_shows_what_a_job_waits_for_from_its_script(api: API, fake: FakeFirecrest) -> None:
    # Given a job submitted to wait for another (FirecREST's record has no dependency)
    first = await api(*JOBS, method="POST", body={"script": SCRIPT})
    body = {"script": SCRIPT, "depends_on": [first["id"]]}
    second = await api(*JOBS, method="POST", body=body)

    # Then the job, read back with its metadata, says so from its script
    job = await api(*JOBS, second["id"])
    assert (job["depends_on"], job["dependency"]) == ([first["id"]], "afterok"), job
    alone = await api(*JOBS, first["id"])
    assert (alone["depends_on"], alone["dependency"]) == ([], None)
