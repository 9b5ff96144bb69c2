"""Upstream failures in the project's error tree: one status table, one message cleaner."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..errors import (
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

MAX_MESSAGE = 300
"""The longest excerpt of an upstream message that reaches a user."""

REDACTED = "[redacted]"
_TOKEN_LIKE = [
    (re.compile(r"(?i)\bbearer\s+\S+"), f"Bearer {REDACTED}"),
    # A JWT (Slurm's, OIDC access tokens) wherever it appears.
    (re.compile(r"\beyJ[\w-]*\.[\w-]+(?:\.[\w-]*)?"), REDACTED),
    # `access_token=…`, `"refresh_token": "…"`, `X-SLURM-USER-TOKEN: …` and the like.
    (
        re.compile(
            r"(?i)\b((?:access|refresh|id)_token|client_secret|password|x-slurm-user-token)"
            r"(\"?\s*[=:]\s*\"?)[^\s&\"',;}]+"
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)([?&]token=)[^\s&\"']+"), rf"\1{REDACTED}"),
]

Phrase = tuple[type[HPCError], str]
"""An error class and its message template; the template may use `{where}`, `{said}` (": the
upstream's words" or "."), `{detail}`, `{status}`, `{facility}` and `{hint}`."""

TABLE: Mapping[int, Phrase] = {
    400: (ValidationError, "{where} refused the request{said}"),
    401: (FacilityAuthError, "{where} refused the credentials{said} {hint}"),
    403: (PermissionDenied, "{where} refused the operation{said}"),
    404: (NotFound, "{where} found no such file, system or job{said}"),
    408: (UpstreamTimeout, "{where} did not finish in time{said}"),
    409: (Conflict, "{where} reports a conflict{said}"),
    422: (ValidationError, "{where} refused the request{said}"),
    429: (RateLimited, "{where} is rate limiting requests; try again later."),
    502: (Unavailable, "{where} is unavailable{said}"),
    503: (Unavailable, "{where} is unavailable{said}"),
    504: (UpstreamTimeout, "{where} did not finish in time{said}"),
}
"""Upstream HTTP status to error, for every kind; a kind words its own with `phrases`."""

OTHER: Phrase = (FacilityError, "{where} failed (HTTP {status}){said}")

Sniffer = Callable[[int, str], "Phrase | None"]
"""A kind's look at the status and the upstream's words before the table (FirecREST's
"no such file" in a 500)."""


def clean_message(text: str) -> str:
    """An upstream message fit to show: its first line, bounded, with anything token-like out."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    for pattern, replacement in _TOKEN_LIKE:
        first = pattern.sub(replacement, first)
    return first[:MAX_MESSAGE]


def upstream_error(
    status: int,
    detail: str,
    *,
    where: str,
    facility: str = "",
    hint: str = "",
    phrases: Mapping[int, Phrase] | None = None,
    sniff: Sniffer | None = None,
    other: Phrase = OTHER,
) -> HPCError:
    """The error a user sees for an upstream answer `status` whose own words are `detail`."""
    detail = clean_message(detail)
    phrase = (
        (sniff(status, detail) if sniff else None)
        or (phrases or {}).get(status)
        or TABLE.get(status)
        or other
    )
    kind, template = phrase
    said = f": {detail}" if detail else "."
    message = template.format(
        where=where, said=said, detail=detail, status=status, facility=facility, hint=hint
    ).strip()
    if issubclass(kind, FacilityError):
        return kind(message, facility=facility, upstream_status=status, excerpt=detail)
    return kind(message)
