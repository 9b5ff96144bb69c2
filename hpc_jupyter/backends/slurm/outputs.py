"""Where a Slurm job's stdout and stderr go: sbatch's defaults and patterns, as absolute paths."""

from __future__ import annotations

import posixpath

from ..directives import FilenameFields, fill_pattern


def output_path(pattern: str | None, fields: FilenameFields, workdir: str) -> str:
    """The file a job writes to; sbatch's `slurm-%j.out` (`slurm-%A_%a.out`) when unset."""
    if not pattern:
        pattern = "slurm-%A_%a.out" if fields.array_task_id is not None else "slurm-%j.out"
    path = fill_pattern(pattern, fields)
    return path if posixpath.isabs(path) else posixpath.join(workdir, path)
