"""Where a Slurm job's stdout and stderr go: sbatch's defaults and patterns, as absolute paths."""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Mapping

from ...models import Job, JobRequest
from ..directives import FilenameFields, fill_pattern, parse_sbatch_directives

_NODE = re.compile(r"%\d*N")
"""`%N`, the node that ran the batch script: no accounting record before v0.0.41 keeps it."""


def output_path(pattern: str | None, fields: FilenameFields, workdir: str) -> str:
    """The file a job writes to; sbatch's `slurm-%j.out` (`slurm-%A_%a.out`) when unset."""
    if not pattern:
        pattern = "slurm-%A_%a.out" if fields.array_task_id is not None else "slurm-%j.out"
    path = fill_pattern(pattern, fields)
    return path if posixpath.isabs(path) else posixpath.join(workdir, path)


def requested_logs(
    request: JobRequest, options: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """The stdout and stderr patterns a request asks for: its own, else its `#SBATCH -o/-e`
    (`options`, as `parse_sbatch_directives` reads them); None for sbatch's default."""
    return request.stdout or options.get("output"), request.stderr or options.get("error")


def submitted_logs(job: Job, request: JobRequest) -> Job:
    """`job` with the log paths its submission asked for, filled from its own fields, where
    the record has none (slurmdbd before v0.0.41 keeps the work directory, not the paths).

    The submission's `stdout`/`stderr`, else its `#SBATCH -o/-e`, else sbatch's default, as
    the job was sent; unchanged for a pattern naming the node (`%N`), which no such record
    says, and for a record with no absolute work directory.
    """
    if job.stdout and job.stderr:
        return job
    workdir = job.workdir
    if not workdir or not posixpath.isabs(workdir):
        return job
    if job.array_task_id is not None and not job.array_task_id.isdigit():
        return job  # tasks still pending together (`4-6`) have written nothing yet
    out, err = requested_logs(request, parse_sbatch_directives(request.script))
    if any(pattern and _NODE.search(pattern) for pattern in (out, err)):
        return job
    fields = FilenameFields(
        job_id=job.id,
        name=job.name,
        user=job.user,
        array_job_id=job.array_job_id,
        array_task_id=job.array_task_id,
    )
    stdout = output_path(out, fields, workdir)
    stderr = output_path(err, fields, workdir) if err else stdout
    return dataclasses.replace(job, stdout=job.stdout or stdout, stderr=job.stderr or stderr)
