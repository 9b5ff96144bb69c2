"""The local facility's dependencies: a job PENDING for its `Dependency` until the jobs it waits
for have ended as its condition asks, or for ever (`DependencyNeverSatisfied`), as Slurm does.

A dependency lives in the job's record (its ids and its kind), so a waiting job outlives the
server that took it: whichever server follows the store next decides it, with a conditional
update, so it is released once.
"""

from __future__ import annotations

from collections.abc import Callable

from ...errors import ValidationError
from ...inputs import shown
from ...models import Dependency, JobRequest, JobState
from . import checks
from .store import JobRecord

WAITING = "Dependency"
"""The pending reason of a job whose dependency may still be met, as Slurm says it."""
NEVER = "DependencyNeverSatisfied"
"""The pending reason of a job whose dependency can no longer be met; it stays pending (until
cancelled), as in Slurm without `kill_invalid_depend`."""
BLOCKED = frozenset({WAITING, NEVER})
_ACTIVE = frozenset({JobState.PENDING.value, JobState.RUNNING.value})
"""States of a job that has not ended yet: what waits for it waits on."""


def requested(
    request: JobRequest, directive: str | None, known: Callable[[int], bool]
) -> dict[str, str | None]:
    """A new job's dependency columns, from the request or else the script's `--dependency`
    line (`directive`), or a 400 naming a job the store does not know."""
    depends_on, dependency = request.depends_on, request.dependency
    if not depends_on and directive is not None:
        depends_on, dependency = from_directive(directive)
    if not depends_on:
        return {"depends_on": None, "dependency": None}
    for job_id in depends_on:
        if not (job_id.isascii() and job_id.isdigit()) or not known(checks.job_number(job_id)):
            raise ValidationError(
                f"Job dependency problem: the local facility has no job {shown(job_id)}."
            )
    return {"depends_on": ",".join(depends_on), "dependency": dependency.value}


def from_directive(text: str) -> tuple[tuple[str, ...], Dependency]:
    """The jobs and kind of an `#SBATCH --dependency` value the local facility runs
    (`afterok:12:13`), or a 400: it waits for all of one kind's jobs, without Slurm's
    `after`, `singleton`, `+time`, or several kinds (`,` and `?`)."""
    word, _, ids = text.strip().partition(":")
    if word not in {member.value for member in Dependency}:
        raise ValidationError(
            f"Dependency {shown(text)}: the local facility waits with afterok, afterany or "
            "afternotok only."
        )
    jobs = tuple(dict.fromkeys(ids.split(":")))  # each once, as the request's are
    if not all(job.isascii() and job.isdigit() for job in jobs):
        raise ValidationError(
            f"Dependency {shown(text)}: give job numbers after one kind, as in {word}:12:13."
        )
    return jobs, Dependency(word)


def job_ids(record: JobRecord) -> tuple[str, ...]:
    """The jobs a record waits (or waited) for (a damaged entry left out, not fatal)."""
    parts = (record.depends_on or "").split(",")
    return tuple(part for part in parts if part.isascii() and part.isdigit() and len(part) < 19)


def kind(record: JobRecord) -> Dependency | None:
    """How a record depends on its jobs; None when it depends on none."""
    if not record.depends_on:
        return None
    try:
        return Dependency(record.dependency or Dependency.AFTEROK.value)
    except ValueError:
        return Dependency.AFTEROK


def verdict(dependency: Dependency, states: list[str | None]) -> bool | None:
    """True once the condition is met, False when it never can be, None while it may be.

    `states` are the jobs' states (None for a job no longer in the store: it cannot be told
    whether it ended well, so only `afterany` is met by it).
    """
    ended = [state for state in states if state is None or state not in _ACTIVE]
    good = [state == JobState.COMPLETED.value for state in ended]
    if dependency is Dependency.AFTEROK:
        if any(not ok for ok in good):
            return False
    elif dependency is Dependency.AFTERNOTOK and any(good):
        return False
    if len(ended) < len(states):
        return None
    if dependency is Dependency.AFTERNOTOK:
        return not any(state is None for state in ended)
    return True
