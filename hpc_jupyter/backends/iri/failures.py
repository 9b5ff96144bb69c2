"""The IRI API's failures (problem+json bodies, failed tasks) told in the project's error tree."""

from __future__ import annotations

import re

import httpx

from ...errors import (
    Conflict,
    FacilityAuthError,
    FacilityError,
    HPCError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)

_MAX_MESSAGE = 300
_TASK_ERROR = re.compile(r"^\s*Error:\s*(?P<status>\d{3})\s*:\s*(?P<detail>.*)$", re.S)
_BEARER = re.compile(r"(?i)bearer\s+\S+")


def clean(text: str) -> str:
    """A message from the API, cut to its first line, with anything like a token removed."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return _BEARER.sub("Bearer [redacted]", first)[:_MAX_MESSAGE]


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
            return clean(value)
    return ""


def from_status(facility: str, status: int, detail: str, login_hint: str = "") -> HPCError:
    """The error for an HTTP status of the API (or of a failed task) with its detail."""
    said = f": {detail}" if detail else "."
    where = f"The IRI API of facility {facility!r}"
    if status == 401:
        return FacilityAuthError(
            f"{where} refused the token{said} {login_hint}".strip(),
            facility=facility,
            upstream_status=status,
            excerpt=detail,
        )
    if status == 403:
        return PermissionDenied(f"{where} refused the operation{said}")
    if status == 404:
        return NotFound(f"{where} found no such file, resource, job or task{said}")
    if status == 409:
        return Conflict(f"{where} reports a conflict{said}")
    if status in (400, 413, 422):
        return ValidationError(f"{where} refused the request{said}")
    if status == 429:
        return RateLimited(
            f"{where} is rate limiting requests; try again later.",
            facility=facility,
            upstream_status=status,
        )
    if status in (408, 504):
        return UpstreamTimeout(
            f"{where} did not finish in time{said}", facility=facility, upstream_status=status
        )
    if status in (502, 503):
        return Unavailable(
            f"{where} is unavailable{said}", facility=facility, upstream_status=status
        )
    return FacilityError(
        f"{where} failed (HTTP {status}){said}",
        facility=facility,
        upstream_status=status,
        excerpt=detail,
    )


def from_response(facility: str, response: httpx.Response, login_hint: str = "") -> HPCError:
    """The error a user should see for an answer that was not a success."""
    return from_status(facility, response.status_code, problem_detail(response), login_hint)


def from_task_output(facility: str, task_id: str, output: object) -> HPCError:
    """A failed task's output (`"Error: 400: Path outside sandbox: ..."`) as an error."""
    text = output if isinstance(output, str) else ""
    match = _TASK_ERROR.match(text)
    if match:
        return from_status(facility, int(match.group("status")), clean(match.group("detail")))
    detail = clean(text)
    said = f": {detail}" if detail else "."
    return FacilityError(
        f"The IRI API of facility {facility!r}: task {task_id} failed{said}", facility=facility
    )
