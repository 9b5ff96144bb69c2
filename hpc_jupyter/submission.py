"""Reading a submit request: a `JobRequest` from JSON, or a 400 naming the field at fault.

(Never starting the same job twice is `ledger.py`'s part.)
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from .errors import ValidationError
from .inputs import utf8
from .models import Dependency, JobRequest, Origin, Via

_TEXT_FIELDS = ("name", "partition", "account", "workdir", "stdout", "stderr", "array")
_KNOWN = frozenset(field.name for field in dataclasses.fields(JobRequest))
MAX_SCRIPT_BYTES = 1024 * 1024
MAX_DEPENDENCIES = 1000
"""The most jobs one job may wait for (Slurm's own limit is its 1 MiB message)."""
MAX_WHOLE = 2**31 - 1
"""The largest node count or time limit (seconds) a request may give: no scheduler takes more."""


def job_request(body: dict[str, Any]) -> JobRequest:
    """A `JobRequest` from a JSON body, or a `ValidationError` naming the field at fault."""
    unknown = sorted(set(body) - _KNOWN)
    if unknown:
        raise ValidationError(f"Unknown field(s) {', '.join(unknown)}; known: {sorted(_KNOWN)}.")
    script = body.get("script")
    if not isinstance(script, str) or not script.strip():
        raise ValidationError("'script' is required: the text of a batch script.")
    if len(utf8("'script'", script)) > MAX_SCRIPT_BYTES:
        raise ValidationError("The script is larger than 1 MiB; put data in files instead.")
    text: dict[str, str | None] = {}
    for key in _TEXT_FIELDS:
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not value or "\x00" in value):
            raise ValidationError(f"{key!r} must be a non-empty string.")
        if value is not None:
            utf8(repr(key), value)
        text[key] = value
    env = body.get("env") or {}
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in env.items()
    ):
        raise ValidationError("'env' must map names to string values.")
    return JobRequest(  # which checks the script, the variables, the array and the job ids
        script=script,
        nodes=_positive(body, "nodes"),
        time_limit=_positive(body, "time_limit"),
        env=env,
        depends_on=_job_ids(body.get("depends_on")),
        dependency=_word(Dependency, "dependency", body.get("dependency") or "afterok"),
        origin=_origin(body.get("origin")),
        **text,
    )


def _job_ids(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("'depends_on' must be a list of job ids.")
    if len(value) > MAX_DEPENDENCIES:
        raise ValidationError(f"'depends_on' names more than {MAX_DEPENDENCIES} jobs.")
    return tuple(dict.fromkeys(value))  # each once, in the order given


_E = TypeVar("_E", Dependency, Via)


def _word(kind: type[_E], key: str, value: Any) -> _E:
    words = [member.value for member in kind]
    if not isinstance(value, str) or value not in words:
        raise ValidationError(f"{key!r} must be one of {', '.join(words)}.")
    return kind(value)


def _origin(value: Any) -> Origin | None:
    if value is None:
        return None
    fields = ("via", "notebook", "cell", "resubmit_of")
    if not isinstance(value, dict) or set(value) - set(fields):
        raise ValidationError(f"'origin' must be an object of {', '.join(fields)}.")
    text = {key: value.get(key) for key in fields[1:]}
    if not all(v is None or isinstance(v, str) for v in text.values()):
        raise ValidationError("'origin' must give its notebook, cell and resubmit_of as text.")
    return Origin(via=_word(Via, "origin.via", value.get("via") or "other"), **text)


def _positive(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WHOLE:
        raise ValidationError(f"{key!r} must be a whole number from 1 to {MAX_WHOLE}.")
    return value
