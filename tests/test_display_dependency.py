"""What a job waits for, in words: the kernel side's line under a job handle."""

from __future__ import annotations

from typing import Any

from hpc_jupyter.display_dependency import dependency_html, dependency_text
from hpc_jupyter.models import Dependency, Job, JobState


def job(state: JobState, **fields: Any) -> Job:
    return Job(id="14", name="post", state=state, raw_state=state.value, **fields)


def test_a_pending_job_says_what_it_waits_for_and_why_it_waits() -> None:
    waiting = job(
        JobState.PENDING,
        depends_on=("12", "13"),
        dependency=Dependency.AFTEROK,
        reason="Dependency",
    )
    never = job(JobState.PENDING, depends_on=("12",), reason="DependencyNeverSatisfied")

    assert dependency_text(waiting) == "Waits for 12, 13 (afterok): waiting for jobs 12, 13."
    assert dependency_text(never) is not None and "it will never start" in (
        dependency_text(never) or ""
    )
    assert dependency_html(waiting).startswith('<p class="hpc-jupyter-dependency">Waits for 12')


def test_a_job_past_its_dependency_says_it_waited_and_one_without_says_nothing() -> None:
    ran = job(JobState.COMPLETED, depends_on=("12",), dependency=Dependency.AFTERANY)

    assert dependency_text(ran) == "Waited for 12 (afterany)."
    assert dependency_text(job(JobState.RUNNING)) is None
    assert dependency_html(job(JobState.RUNNING)) == ""
    # a running job whose facility still gives the reason it waited with tells no wait either
    assert dependency_text(job(JobState.RUNNING, reason="Dependency")) is None
    # while a pending one, of a facility that names no jobs, waits for some
    assert dependency_text(job(JobState.PENDING, reason="Dependency")) == "Waits for other jobs."
