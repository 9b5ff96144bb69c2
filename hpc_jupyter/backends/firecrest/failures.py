"""FirecREST's and pyfirecrest's failures, told in the project's error tree."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import httpx
from firecrest import FirecrestException, NotImplementedOnAPIversion
from firecrest.FirecrestException import (
    JobTimeoutException,
    MultipartUploadException,
    TransferJobFailedException,
)

from ...errors import (
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
from ..failures import TABLE, Phrase, clean_message, upstream_error

_REMOTE = re.compile(r"^Remote process failed with exit status:\d+ and error message:", re.I)

_PHRASES: dict[int, Phrase] = {
    401: (
        FacilityAuthError,
        "FirecREST refused the credentials of facility {facility!r}{said} "
        "Check your client credentials.",
    ),
    403: (PermissionDenied, "{where} refused the operation{said}"),
    404: (NotFound, "{where} found no such file, system or job{said}"),
    409: (Conflict, "{where}: the target already exists{said}"),
}


def upstream_message(response: httpx.Response) -> str:
    """FirecREST's own words, cut to their first useful line (no server source paths).

    v2 says `message`; v1 says `error` (a command's stderr) or `description`, and the gateway
    in front of v1 `message`.
    """
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    said = [body.get(key) for key in ("message", "error", "description")]
    message = next((text for text in said if isinstance(text, str) and text.strip()), None)
    if message is None:
        return ""
    return clean_message(_REMOTE.sub("", message.strip()))


def _sniff(status: int, detail: str) -> Phrase | None:
    """FirecREST words some failures only in its message (a 500 for a missing file)."""
    lowered = detail.lower()
    if status == 401:
        return None
    if status == 403 or "permission denied" in lowered or "not permitted" in lowered:
        return _PHRASES[403]
    if status == 404 or "no such file" in lowered or "invalid job id" in lowered:
        return _PHRASES[404]
    if "file exists" in lowered or status == 409:
        return _PHRASES[409]
    if status not in TABLE and "is a directory" in lowered:
        return (ValidationError, "{where}: the path is a directory{said}")
    return None


def from_response(facility: str, response: httpx.Response) -> HPCError:
    """The error a user should see for a FirecREST answer that was not a success."""
    return upstream_error(
        response.status_code,
        upstream_message(response),
        where=f"FirecREST ({facility})",
        facility=facility,
        phrases=_PHRASES,
        sniff=_sniff,
    )


@contextlib.contextmanager
def translated(facility: str) -> Iterator[None]:
    """Turn pyfirecrest and httpx failures into the project's errors, without credentials."""
    try:
        yield
    except HPCError:
        raise
    except FirecrestException as err:
        responses = err.responses
        if isinstance(responses, list) and responses and isinstance(responses[-1], httpx.Response):
            raise from_response(facility, responses[-1]) from None
        raise FacilityError(
            f"FirecREST ({facility}): the operation failed.", facility=facility
        ) from None
    except (TransferJobFailedException, JobTimeoutException, MultipartUploadException):
        # Their messages carry presigned URLs and raw upstream bodies: say it plainly.
        raise FacilityError(
            f"FirecREST ({facility}): the staged transfer did not complete.", facility=facility
        ) from None
    except NotImplementedOnAPIversion:
        raise FacilityError(
            f"FirecREST ({facility}) is too old for this operation.", facility=facility
        ) from None
    except FileNotFoundError:
        raise NotFound(f"FirecREST ({facility}) found no such file.") from None
    except httpx.TimeoutException:
        raise UpstreamTimeout(
            f"FirecREST ({facility}) did not answer in time.", facility=facility
        ) from None
    except httpx.HTTPStatusError as err:
        raise from_response(facility, err.response) from None
    except httpx.TransportError:
        raise Unavailable(f"FirecREST ({facility}) cannot be reached.", facility=facility) from None
    except (KeyError, TypeError, ValueError):
        raise FacilityError(
            f"FirecREST ({facility}) answered in a form this version does not understand.",
            facility=facility,
        ) from None
