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
