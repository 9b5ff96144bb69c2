"""From a user's job request and its `#SBATCH` lines to the fields slurmrestd takes."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from ...errors import ValidationError
from ...models import JobRequest
from ...timefmt import parse_time_limit
from ..directives import parse_sbatch_directives
from .dependencies import dependency_option
from .outputs import requested_logs
from .schema import JobSpec, minutes

SUPPORTED = (
    "job-name",
    "time",
    "output",
    "error",
    "chdir",
    "partition",
    "account",
    "nodes",
    "array",
    "ntasks",
    "cpus-per-task",
    "mem",
    "qos",
    "constraint",
    "dependency",
)
"""The `#SBATCH` options sent on to slurmrestd (which, unlike sbatch, does not read them)."""

_MEMORY = re.compile(r"^(\d+)([KMGT]?)B?$", re.IGNORECASE)
_ARRAY = re.compile(r"^[0-9,\-:%]+$")
_NODES = re.compile(r"^\d+$")


def base_environment(user: str, home: str) -> dict[str, str]:
    """What a batch job finds in its environment before the user's own variables."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "USER": user,
        "LOGNAME": user,
        "LANG": "C.UTF-8",
    }


def job_spec(
    request: JobRequest,
    *,
    user: str,
    home: str,
    partition: str | None = None,
    account: str | None = None,
) -> JobSpec:
    """Merge request, directives and facility defaults (in that order of precedence)."""
    options = parse_sbatch_directives(request.script)
    unsupported = sorted(set(options) - set(SUPPORTED))
    if unsupported:
        raise ValidationError(
            f"#SBATCH --{unsupported[0]} cannot be passed on through slurmrestd; the options "
            f"it takes are --{', --'.join(SUPPORTED)}."
        )
    if not request.script.lstrip().startswith("#!"):
        raise ValidationError(
            "A batch script must start with an interpreter line such as #!/bin/bash; "
            "Slurm would accept it and then fail the job."
        )
    workdir = request.workdir or options.get("chdir") or home
    if not posixpath.isabs(workdir):
        workdir = posixpath.join(home, workdir)
    stdout, stderr = requested_logs(request, options)
    time_text = options.get("time")
    seconds = request.time_limit or (parse_time_limit(time_text) if time_text else None)
    return JobSpec(
        script=request.script,
        name=request.name or options.get("job-name") or "hpc-jupyter",
        workdir=workdir,
        env={**base_environment(user, home), **request.env},
        partition=request.partition or options.get("partition") or partition,
        account=request.account or options.get("account") or account,
        nodes=request.nodes or _count(options, "nodes", _NODES),
        time_limit_minutes=minutes(seconds) if seconds else None,
        stdout=stdout,
        stderr=stderr,
        array=request.array or _array(options.get("array")),
        tasks=_count(options, "ntasks", _NODES),
        cpus_per_task=_count(options, "cpus-per-task", _NODES),
        memory_mb=_memory(options.get("mem")),
        qos=options.get("qos") or None,
        constraints=options.get("constraint") or None,
        dependency=dependency_option(request) or options.get("dependency") or None,
    )


def _count(options: Mapping[str, str], key: str, form: re.Pattern[str]) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if not form.match(value) or int(value) < 1:
        raise ValidationError(f"#SBATCH --{key}={value}: give a whole number of at least 1.")
    return int(value)


def _array(value: str | None) -> str | None:
    if value is None:
        return None
    if not _ARRAY.match(value):
        raise ValidationError(
            f"#SBATCH --array={value}: use indexes such as 1-10, 1,3,5 or 0-15%4."
        )
    return value


def _memory(value: str | None) -> int | None:
    if value is None:
        return None
    match = _MEMORY.match(value.strip())
    if not match:
        raise ValidationError(f"#SBATCH --mem={value}: use a size such as 4000, 500M or 4G.")
    amount, unit = int(match.group(1)), match.group(2).upper()
    factor = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]
    return max(1, int(amount * factor))
