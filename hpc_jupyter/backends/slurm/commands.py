"""Running Slurm's commands (sbatch, squeue, sacct, sshare...); their errors made ours."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from ...errors import (
    Conflict,
    FacilityError,
    HPCError,
    NotFound,
    PermissionDenied,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from ..process import Finished, run_process
from .dependencies import REFUSED, REFUSED_MESSAGE

log = logging.getLogger("hpc_jupyter.slurm")

# Phrases of Slurm's error messages (slurm_errno.c) a user can act on.
_KNOWN: tuple[tuple[str, type[HPCError], str], ...] = (
    ("Invalid partition name", ValidationError, "No such partition on this cluster."),
    ("invalid partition specified", ValidationError, "No such partition on this cluster."),
    ("Invalid job id specified", NotFound, "Slurm knows no such job."),
    (
        "Access/permission denied",
        PermissionDenied,
        "Slurm refused: the job belongs to another user.",
    ),
    ("already completing or completed", Conflict, "The job has already ended."),
    (
        "does not look like a batch script",
        ValidationError,
        "A batch script must start with an interpreter line such as #!/bin/bash.",
    ),
    ("Invalid account", ValidationError, "No such account, or you may not use it."),
    (
        "Requested node configuration is not available",
        ValidationError,
        "The job asks for more than the partition's nodes offer.",
    ),
    (
        "Requested partition configuration not available",
        ValidationError,
        "The job asks for more than the partition can ever offer.",
    ),
    (REFUSED, ValidationError, REFUSED_MESSAGE),
    ("Unable to contact slurm controller", Unavailable, "The Slurm controller does not answer."),
    (
        "Job is no longer pending execution",
        Conflict,
        "The job is no longer pending: only a pending job can be held or released.",
    ),
    (
        "Job is pending execution",
        Conflict,
        "The job has not started yet: only a running job can be requeued.",
    ),
    (
        "Requested operation is presently disabled",
        Conflict,
        "Slurm does not allow this for the job: a job can only be requeued if it was "
        "submitted with --requeue (and the cluster allows requeueing).",
    ),
    (
        "Only batch jobs are accepted or processed",
        Conflict,
        "Only batch jobs (sbatch) can be requeued.",
    ),
)


class SlurmCommands:
    """Runs Slurm's commands, optionally through a prefix such as `ssh login01`."""

    def __init__(self, facility: str, prefix: Sequence[str] = (), timeout: float = 60.0) -> None:
        self.facility = facility
        self.prefix = list(prefix)
        self.timeout = timeout

    async def run(self, *args: str, stdin: str | None = None) -> str:
        """A command's standard output; a failure becomes the error it describes."""
        done = await self.finish(*args, stdin=stdin)
        if done.returncode != 0:
            raise command_error(args[0], done.stderr.decode(errors="replace"))
        return done.stdout.decode(errors="replace")

    async def finish(self, *args: str, stdin: str | None = None) -> Finished:
        """A command that ran, whatever its exit status (`scontrol ping` says DOWN with 1)."""
        argv = [*self.prefix, *args]
        try:
            done = await run_process(
                argv, stdin.encode() if stdin is not None else None, self.timeout
            )
        except OSError as err:
            raise Unavailable(
                f"Cannot run {argv[0]!r} for facility {self.facility!r}: {err.strerror}."
            ) from None
        except asyncio.TimeoutError:
            raise UpstreamTimeout(
                f"`{args[0]}` did not finish within {self.timeout:.0f} s on facility "
                f"{self.facility!r}."
            ) from None
        return done

    async def json(self, *args: str) -> dict[str, Any]:
        """A command's `--json` output."""
        text = await self.run(*args, "--json")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise FacilityError(f"`{args[0]} --json` printed something that is not JSON.") from None
        if not isinstance(data, dict):
            raise FacilityError(f"`{args[0]} --json` printed an unexpected document.")
        return data


def command_error(command: str, stderr: str) -> HPCError:
    """The error a Slurm command's standard error describes."""
    for phrase, kind, message in _KNOWN:
        if phrase.lower() in stderr.lower():
            return kind(message)
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    detail = lines[-1][:300] if lines else "no message"
    log.info("%s failed: %s", command, detail)
    return FacilityError(f"`{command}` failed: {detail}")
