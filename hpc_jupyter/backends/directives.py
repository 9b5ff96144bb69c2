"""Reading `#SBATCH` directives from a batch script, as sbatch does."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..errors import ValidationError

# Short flags sbatch knows, mapped to their long names; only the ones that take a value.
_SHORT = {
    "-J": "job-name",
    "-t": "time",
    "-o": "output",
    "-e": "error",
    "-D": "chdir",
    "-p": "partition",
    "-N": "nodes",
    "-A": "account",
    "-a": "array",
    "-d": "dependency",
    "-n": "ntasks",
    "-c": "cpus-per-task",
    "-q": "qos",
}


def parse_sbatch_directives(script: str) -> dict[str, str]:
    """Options set by `#SBATCH` lines, by long name (`job-name`, `time`, ...); later ones win.

    Like sbatch, reading stops at the first line that is neither blank nor a comment.
    Flags without a value (`--exclusive`) map to an empty string.
    """
    options: dict[str, str] = {}
    for number, line in enumerate(script.splitlines(), start=1):
        stripped = line.strip()
        if number == 1 and stripped.startswith("#!"):
            continue
        if stripped and not stripped.startswith("#"):
            break
        if not stripped.startswith("#SBATCH"):
            continue
        body = stripped[len("#SBATCH") :].split(" #", 1)[0]
        try:
            words = shlex.split(body)
        except ValueError as err:
            message = f"Line {number} of the script: bad #SBATCH line ({err})."
            raise ValidationError(message) from err
        _read_words(words, options, number)
    return options


def _read_words(words: list[str], options: dict[str, str], number: int) -> None:
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("--"):
            name, sep, value = word[2:].partition("=")
            if not sep and index < len(words) and not words[index].startswith("-"):
                value = words[index]
                index += 1
            options[name] = value
        elif word[:2] in _SHORT:
            value = word[2:]
            if not value:
                if index >= len(words):
                    raise ValidationError(f"Line {number} of the script: {word} needs a value.")
                value = words[index]
                index += 1
            options[_SHORT[word[:2]]] = value.lstrip("=")
        else:
            raise ValidationError(
                # Cut short: a message never echoes a whole (possibly huge) input back.
                f"Line {number} of the script: cannot read #SBATCH option {word[:40]!r}"
                f"{'...' if len(word) > 40 else ''}."
            )


@dataclass(frozen=True)
class FilenameFields:
    """What sbatch's filename patterns of one job refer to."""

    job_id: str
    name: str
    user: str
    array_job_id: str | None = None
    array_task_id: str | None = None
    node: str = ""


_MAX_WIDTH = 10
_PATTERN = re.compile(r"%(%|(\d*)([AajJNnstux]))")


def fill_pattern(pattern: str, fields: FilenameFields) -> str:
    """Fill sbatch's filename pattern: `%j` job id, `%x` name, `%u` user, `%A`/`%a` array job
    and task, `%N` node, `%%` a percent sign; a width (`%3a`) zero-pads numbers."""
    values = {
        "j": fields.job_id,
        "J": fields.job_id,
        "A": fields.array_job_id or fields.job_id,
        "a": fields.array_task_id if fields.array_task_id is not None else "4294967294",
        "x": fields.name,
        "u": fields.user,
        "N": fields.node,
        "n": "0",
        "s": "batch",
        "t": "0",
    }

    def one(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        width, letter = match.group(2), match.group(3)
        value = values[letter]
        # As sbatch: a width over 10 pads to 10 (`%99999999999999999999j` must not allocate).
        pad = min(int(width or 0), _MAX_WIDTH) if len(width) <= 2 else _MAX_WIDTH
        return value.zfill(pad) if value.isdigit() else value

    return _PATTERN.sub(one, pattern)


def expand_filename_pattern(pattern: str, job_id: str, name: str, user: str) -> str:
    """Fill sbatch's filename pattern for a job that is not part of an array."""
    return fill_pattern(pattern, FilenameFields(job_id=job_id, name=name, user=user))
