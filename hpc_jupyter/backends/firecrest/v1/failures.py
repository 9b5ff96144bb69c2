"""FirecREST v1's failures (X- headers, task errors, Kong's refusals) in the project's errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
from firecrest import FirecrestException, NotImplementedOnAPIversion
from firecrest.FirecrestException import (
    PollingIterException,
    StorageDownloadException,
    StorageUploadException,
)

from ....errors import (
    Conflict,
    FacilityAuthError,
    FacilityError,
    HPCError,
    NotFound,
    PermissionDenied,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from ...failures import clean_message
from ..failures import from_response, translated, upstream_message

_HEADERS: dict[str, tuple[type[HPCError], str]] = {
    "X-Machine-Does-Not-Exist": (NotFound, "has no such system"),
    "X-Machine-Does-Not-Exists": (NotFound, "has no such system"),  # compute's and storage's
    "X-Machine-Not-Available": (Unavailable, "cannot reach the system right now"),
    "X-Permission-Denied": (PermissionDenied, "refused the operation"),
    "X-Not-Found": (NotFound, "found no such file"),
    "X-Invalid-Path": (NotFound, "found no such file or directory"),
    "X-Not-A-Directory": (ValidationError, "expected a directory"),
    "X-A-Directory": (ValidationError, "was given a directory"),
    "X-Exists": (Conflict, "found the target already exists"),
    "X-Size-Limit": (ValidationError, "refused a file over its size limit"),
    "X-Invalid-Mode": (ValidationError, "refused the mode"),
    "X-Invalid-Owner": (ValidationError, "knows no such owner"),
    "X-Invalid-Group": (ValidationError, "knows no such group"),
    "X-Sbatch-Error": (ValidationError, "could not submit the job"),
    "X-Timeout": (UpstreamTimeout, "gave up: the command ran past its time limit"),
    "X-Error": (FacilityError, "failed"),
}


def from_v1_response(facility: str, response: httpx.Response) -> HPCError:
    """The error for a FirecREST v1 answer that was not a success."""
    detail = upstream_message(response)
    said = f": {detail}" if detail else "."
    if response.status_code == 401:
        return FacilityAuthError(
            f"FirecREST refused the credentials of facility {facility!r}{said} "
            "Check your client credentials.",
            facility=facility,
            upstream_status=401,
            excerpt=detail,
        )
    for header, (kind, what) in _HEADERS.items():
        if header in response.headers:
            message = f"FirecREST ({facility}) {what}{said}"
            if issubclass(kind, FacilityError):
                return kind(message, facility=facility, upstream_status=response.status_code)
            return kind(message)
    if response.status_code == 413:
        return ValidationError(f"FirecREST ({facility}) refused a file over its size limit{said}")
    return from_response(facility, response)


def task_error(facility: str, response: httpx.Response) -> HPCError | None:
    """The error a failed task reports in a `/tasks` answer, if that is what `response` is."""
    try:
        tasks = response.json().get("tasks")
    except (ValueError, AttributeError):
        return None
    if not isinstance(tasks, dict):
        return None
    for task in tasks.values():
        if not isinstance(task, dict) or not str(task.get("status", "")).isdigit():
            continue
        status = int(task["status"])
        if status in (115, 118):
            return FacilityError(
                f"FirecREST ({facility}): the staged transfer did not complete.",
                facility=facility,
            )
        if status >= 400:
            return _failed_task(facility, task.get("data"))
    return None


def _failed_task(facility: str, data: Any) -> HPCError:
    """A task that finished with errors: its data is the command's error output."""
    if isinstance(data, dict):
        data = data.get("error") or data.get("msg") or ""
    detail = clean_message(str(data or ""))
    said = f": {detail}" if detail else "."
    lowered = detail.lower()
    if "invalid job id" in lowered or "not a valid job id" in lowered:
        return NotFound(f"FirecREST ({facility}) found no such job{said}")
    if "permission" in lowered or "not permitted" in lowered:
        return PermissionDenied(f"FirecREST ({facility}) refused the operation{said}")
    if "not available" in lowered:
        message = f"FirecREST ({facility}) cannot reach the system{said}"
        return Unavailable(message, facility=facility)
    # sbatch's, sacct's and scancel's refusals are about what was asked: say it in their words.
    return ValidationError(f"FirecREST ({facility}) refused the request{said}")


@contextlib.contextmanager
def translated_v1(facility: str) -> Iterator[None]:
    """Turn pyfirecrest v1's and httpx's failures into the project's errors, without secrets."""
    with translated(facility):
        try:
            yield
        except (StorageUploadException, StorageDownloadException):
            raise FacilityError(
                f"FirecREST ({facility}): the staged transfer did not complete.",
                facility=facility,
            ) from None
        except FirecrestException as err:
            responses = err.responses
            last = responses[-1] if isinstance(responses, list) and responses else None
            if isinstance(last, httpx.Response):
                raise (task_error(facility, last) or from_v1_response(facility, last)) from None
            raise
        except PollingIterException:
            raise UpstreamTimeout(
                f"FirecREST ({facility}) did not finish the task in time.", facility=facility
            ) from None
        except NotImplementedOnAPIversion:
            raise FacilityError(
                f"This FirecREST v1 ({facility}) is too old for this operation.",
                facility=facility,
            ) from None
