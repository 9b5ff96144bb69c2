"""What a job waits for, in words: `Waits for 12, 13 (afterok)` and its pending reason."""

from __future__ import annotations

from html import escape

from .models import Job, JobState

WAITING, NEVER = "Dependency", "DependencyNeverSatisfied"
"""Slurm's pending reasons (and the local facility's) of a job held back by its dependency."""


def dependency_text(job: Job) -> str | None:
    """One line on the jobs `job` waits (or waited) for, and why it is still pending; None when
    it depends on none that the facility tells."""
    pending = job.state is JobState.PENDING
    if not job.depends_on and not (pending and job.reason in (WAITING, NEVER)):
        return None  # a started job's reason may still be the one it waited with
    ids = ", ".join(job.depends_on)
    kind = f" ({job.dependency.value})" if job.dependency is not None else ""
    line = f"{'Waits' if pending else 'Waited'} for {ids}{kind}" if ids else "Waits for other jobs"
    if pending and job.reason == WAITING:
        plural = "s" if len(job.depends_on) > 1 else ""
        line += f": waiting for job{plural} {ids}" if ids else ""
    elif pending and job.reason == NEVER:
        line += (
            ": its dependency can no longer be met (a job it waits for ended otherwise); "
            "it will never start: cancel it"
        )
    return line + "."


def dependency_html(job: Job) -> str:
    """`dependency_text` as a paragraph, or nothing."""
    text = dependency_text(job)
    return "" if text is None else f'<p class="hpc-jupyter-dependency">{escape(text)}</p>'
