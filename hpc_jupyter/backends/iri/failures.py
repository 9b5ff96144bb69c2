"""The IRI API's failures (problem+json bodies, failed tasks) told in the project's error tree."""

from __future__ import annotations

import re

import httpx

from ...errors import FacilityAuthError, FacilityError, HPCError, NotFound, ValidationError
from ..failures import Phrase, clean_message, upstream_error

_TASK_ERROR = re.compile(r"^\s*Error:\s*(?P<status>\d{3})\s*:\s*(?P<detail>.*)$", re.S)

_PHRASES: dict[int, Phrase] = {
    401: (FacilityAuthError, "{where} refused the token{said} {hint}"),
    404: (NotFound, "{where} found no such file, resource, job or task{said}"),
    413: (ValidationError, "{where} refused the request{said}"),
}


def problem_detail(response: httpx.Response) -> str:
    """The `detail` (or `title`) of an RFC 9457 problem body; empty when there is none."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    for key in ("detail", "title", "message"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return clean_message(value)
    return ""


def from_status(facility: str, status: int, detail: str, login_hint: str = "") -> HPCError:
    """The error for an HTTP status of the API (or of a failed task) with its detail."""
    where = f"The IRI API of facility {facility!r}"
    return upstream_error(
        status, detail, where=where, facility=facility, hint=login_hint, phrases=_PHRASES
    )


def from_response(facility: str, response: httpx.Response, login_hint: str = "") -> HPCError:
    """The error a user should see for an answer that was not a success."""
    return from_status(facility, response.status_code, problem_detail(response), login_hint)


def from_task_output(facility: str, task_id: str, output: object) -> HPCError:
    """A failed task's output (`"Error: 400: Path outside sandbox: ..."`) as an error."""
    text = output if isinstance(output, str) else ""
    match = _TASK_ERROR.match(text)
    if match:
        return from_status(facility, int(match.group("status")), match.group("detail"))
    detail = clean_message(text)
    said = f": {detail}" if detail else "."
    return FacilityError(
        f"The IRI API of facility {facility!r}: task {task_id} failed{said}", facility=facility
    )
