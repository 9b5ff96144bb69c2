"""What a request may give us as a path or a job id, and how a user's value appears in a message."""

from __future__ import annotations

import re

from .errors import ValidationError

PATH_MAX = 4096
"""The most bytes a path may have (Linux's PATH_MAX); longer ones are refused before any work."""

NAME_MAX = 255
"""The most bytes one name (a path's component between slashes) may have."""

JOB_ID_MAX = 128
"""The most characters a job id may have; no facility kind uses more than a few dozen."""

SHOWN_MAX = 100
"""About how many characters of a user's value a message repeats."""

# Every kind's ids are visible ASCII: local `42`, Slurm `123` and `123_4` (also through
# FirecREST), IRI's UUIDs. A space, a control character, a slash or a non-ASCII character
# (a fullwidth one is a digit to `str.isdigit`) is never part of one.
JOB_ID_PATTERN = rf"^[!-.0-~]{{1,{JOB_ID_MAX}}}$"
"""The job id pattern, as the OpenAPI document states it."""
_JOB_ID = re.compile(JOB_ID_PATTERN, re.ASCII)


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """`value` as it appears in a message: its repr, cut to about `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def utf8(label: str, value: str) -> bytes:
    """`value` as UTF-8, or a `ValidationError` naming `label`.

    JSON's "\\ud800" decodes to a lone surrogate, which no file, database or facility API takes.
    """
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"{label} is not valid text (it holds an unpaired surrogate)."
        ) from None


def check_path(path: str, what: str = "path") -> str:
    """`path` if a filesystem could take it, else a `ValidationError` that says why.

    Cheap checks only (no filesystem work), so that a huge or malformed path is refused at once
    whatever facility it is meant for: a NUL, text that is not UTF-8, more than PATH_MAX bytes,
    or a name of more than NAME_MAX bytes.
    """
    if "\x00" in path:
        raise ValidationError(f"The {what} contains a NUL character, which no file name can hold.")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValidationError(f"The {what} is not valid Unicode text.") from None
    if size > PATH_MAX:
        raise ValidationError(
            f"The {what} is too long: {size} bytes, where a path may have at most {PATH_MAX}."
        )
    for name in path.split("/"):
        if len(name.encode("utf-8")) > NAME_MAX:
            raise ValidationError(
                f"The {what} has a name that is too long ({shown(name, 40)}, "
                f"{len(name.encode('utf-8'))} bytes): a file name may have at most {NAME_MAX}."
            )
    return path


def check_job_id(job_id: str) -> str:
    """`job_id` if it could be a job id of some facility kind, else a `ValidationError`."""
    if not _JOB_ID.fullmatch(job_id):  # not match: `$` also matches before a final newline
        raise ValidationError(
            f"{shown(job_id)} is not a job id: an id is 1 to {JOB_ID_MAX} visible ASCII "
            "characters without '/' (such as 42 or 123_4)."
        )
    return job_id
