"""Reading `#SBATCH` directives from a batch script, as sbatch does."""

from __future__ import annotations

import shlex

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
                f"Line {number} of the script: cannot read #SBATCH option {word!r}."
            )


def expand_filename_pattern(pattern: str, job_id: str, name: str, user: str) -> str:
    """Fill sbatch's filename pattern: `%j` job id, `%x` name, `%u` user, `%%` a percent sign."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%" and index + 1 < len(pattern):
            code = pattern[index + 1]
            replacement = {"j": job_id, "J": job_id, "A": job_id, "x": name, "u": user, "%": "%"}
            if code in replacement:
                out.append(replacement[code])
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)
