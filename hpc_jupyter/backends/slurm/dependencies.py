"""Slurm's `--dependency` text: written from a request, read back from a job's record."""

from __future__ import annotations

import re

from ...models import Dependency, JobRequest

REFUSED = "job dependency problem"
"""Slurm's words (slurm_errno.c, ESLURM_DEPENDENCY) for a dependency it cannot make: from
23.02 on, one on a job it does not know (22.05 takes it, as already satisfied)."""
REFUSED_MESSAGE = (
    "Slurm refused the dependency (Job dependency problem): a job it depends on does not "
    "exist, is not yours, or has ended long ago."
)

_ENTRY = re.compile(r"^([a-z]+):(.+)$")
_ID = re.compile(r"^(\d+(?:_\d+)?)(?:_\*)?(?:\+\d+)?(?:\([A-Za-z_]+\))?$")


def dependency_option(request: JobRequest) -> str | None:
    """The `--dependency` value of a request (`afterok:12:13`), or None when it waits for none."""
    if not request.depends_on:
        return None
    return ":".join((request.dependency.value, *request.depends_on))


def parse_dependency(text: str) -> tuple[tuple[str, ...], Dependency | None]:
    """The jobs and the kind of a record's `dependency` (`afterok:12_*(unfulfilled),...`).

    Slurm drops a dependency once it is satisfied: an empty text (or `(null)`) is none left.
    Ids are given as Slurm names them (`12` for all of array 12, `12_3` for one task); the kind
    is None where Slurm's is one this project does not name (`after`, `singleton`...) or mixed.
    """
    jobs: list[str] = []
    kinds: set[str] = set()
    for entry in re.split(r"[,?]", text.strip()):
        found = _ENTRY.match(entry.strip())
        if found is None:
            continue
        kinds.add(found.group(1))
        for part in found.group(2).split(":"):
            job = _ID.match(part)
            if job is not None and job.group(1) not in jobs:
                jobs.append(job.group(1))
    if not jobs:
        return (), None
    words = {member.value for member in Dependency}
    kind = Dependency(kinds.pop()) if len(kinds) == 1 and kinds <= words else None
    return tuple(jobs), kind
