"""Batch scripts for FirecREST: checks before submitting, fields as #SBATCH lines, login shells."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ...errors import ValidationError
from ...models import Job, JobRequest, JobState
from ...timefmt import format_duration
from ..directives import parse_sbatch_directives
from ..slurm.dependencies import dependency_option

LOGIN_SHEBANG = "#!/bin/bash -l"
LOGIN_SHELL_NOTE = (
    "The script does not start with '#!/bin/bash -l': FirecREST runs it without your login "
    "environment (modules, PATH, conda), which is what CSCS advises against."
)


def uses_login_shell(script: str) -> bool:
    """True when the shebang asks bash for a login shell (`-l` or `--login`)."""
    first = script.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("#!"):
        return False
    words = first[2:].split()
    if not words:
        return False
    return any(
        w == "--login" or (w.startswith("-") and w[1:].isalpha() and "l" in w) for w in words[1:]
    )


def with_directives(request: JobRequest) -> str:
    """The script with the request's fields added as #SBATCH lines after its own.

    pyfirecrest's submit takes no name, output paths, nodes or time; Slurm reads them from the
    script, where our lines come last in the directive block and so win over the script's own.
    """
    lines = []
    if request.name:
        lines.append(f"#SBATCH --job-name={_quote(request.name)}")
    if request.nodes is not None:
        lines.append(f"#SBATCH --nodes={request.nodes}")
    if request.time_limit is not None:
        lines.append(f"#SBATCH --time={format_duration(request.time_limit)}")
    if request.partition:
        lines.append(f"#SBATCH --partition={_quote(request.partition)}")
    if request.account:
        lines.append(f"#SBATCH --account={_quote(request.account)}")
    if request.stdout:
        lines.append(f"#SBATCH --output={_quote(request.stdout)}")
    if request.stderr:
        lines.append(f"#SBATCH --error={_quote(request.stderr)}")
    if request.array:  # checked against Slurm's syntax (models.ARRAY_SPEC): no quoting needed
        lines.append(f"#SBATCH --array={request.array}")
    dependency = dependency_option(request)
    if dependency:
        lines.append(f"#SBATCH --dependency={dependency}")
    if not lines:
        return request.script
    source = request.script.split("\n")
    end = 1 if source and source[0].startswith("#!") else 0
    index = end
    while index < len(source):  # sbatch stops reading at the first command
        stripped = source[index].strip()
        if stripped and not stripped.startswith("#"):
            break
        index += 1
        if stripped.startswith("#SBATCH"):
            end = index
    return "\n".join(source[:end] + lines + source[end:])


def _quote(value: str) -> str:
    if any(c in value for c in "\n\r"):
        raise ValidationError("A job field cannot span several lines.")
    return f'"{value}"' if any(c.isspace() for c in value) else value


async def checked_request(
    request: JobRequest, home: Callable[[], Awaitable[str]]
) -> tuple[str, dict[str, str]]:
    """The work directory of a job to submit (asked, else the script's, else `home()`) and the
    script's directives; a relative directory is refused."""
    directives = parse_sbatch_directives(request.script)
    workdir = request.workdir or directives.get("chdir") or await home()
    if not workdir.startswith("/"):
        raise ValidationError(f"The work directory {workdir!r} must be an absolute path.")
    return workdir, directives


def as_submitted(
    job_id: str,
    request: JobRequest,
    directives: dict[str, str],
    facility: str,
    system: str,
    workdir: str,
    **known: Any,
) -> Job:
    """A job just submitted, as the request described it: for when the scheduler does not
    report it yet."""
    return Job(
        id=job_id,
        name=request.name or directives.get("job-name") or "",
        state=JobState.PENDING,
        raw_state="PENDING",
        facility=facility,
        system=system,
        workdir=workdir,
        **known,
    )
