"""The one error tree of hpc-jupyter, raised by backends and the client alike.

    HPCError                      anything hpc-jupyter reports to a user
    ├── ValidationError           bad input: a path, a script, a parameter (HTTP 400)
    ├── CapabilityError           the facility cannot do this (HTTP 400)
    ├── PermissionDenied          the path or action is not allowed here (HTTP 403)
    ├── NotFound                  no such facility, system, file or job (HTTP 404)
    ├── Conflict                  the target exists, or the job is past changing (HTTP 409)
    ├── TooLarge                  the upload is larger than this server accepts (HTTP 413)
    └── FacilityError             the facility failed to answer well (HTTP 502)
        ├── FacilityAuthError     the facility refused our credentials (HTTP 401)
        ├── RateLimited           the facility asked us to slow down (HTTP 429)
        ├── Unavailable           the facility is down or unreachable (HTTP 502)
        ├── Misconfigured         the server's configuration of the facility is wrong (HTTP 502)
        └── UpstreamTimeout       the facility did not answer in time (HTTP 504)

    ConfigError (a ValueError)    a facility's configuration is wrong, found at server start;
                                  the facility is then listed as misconfigured (`Misconfigured`)

Every message is written for a scientist and never contains a credential.
"""

from __future__ import annotations


class HPCError(Exception):
    """Anything hpc-jupyter reports to a user; `message` is safe to show."""

    status = 500
    reason = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HPCError):
    """The request is malformed: a bad path, parameter or script."""

    status = 400
    reason = "bad_request"


class CapabilityError(HPCError):
    """The facility does not support the requested operation."""

    status = 400
    reason = "not_supported"


class PermissionDenied(HPCError):
    """The path or action is outside what this facility allows."""

    status = 403
    reason = "forbidden"


class NotFound(HPCError):
    """No such facility, system, file or job."""

    status = 404
    reason = "not_found"


class Conflict(HPCError):
    """The target already exists, or the object is in a state that forbids the action."""

    status = 409
    reason = "conflict"


class TooLarge(HPCError):
    """The request body is larger than this server is configured to accept."""

    status = 413
    reason = "too_large"


class FacilityError(HPCError):
    """The facility answered badly; carries its HTTP status and a short, credential-free excerpt."""

    status = 502
    reason = "facility_error"

    def __init__(
        self,
        message: str,
        *,
        facility: str = "",
        upstream_status: int | None = None,
        excerpt: str = "",
    ) -> None:
        super().__init__(message)
        self.facility = facility
        self.upstream_status = upstream_status
        self.excerpt = excerpt[:500]


class FacilityAuthError(FacilityError):
    """The facility rejected or could not obtain our credentials; the user must log in again."""

    status = 401
    reason = "facility_auth"
    login_helps = True
    """False when renewing the login cannot help (e.g. no JupyterHub to get a token from): a
    facility's auth status then says `error`, not `expired`."""


class RateLimited(FacilityError):
    """The facility asked us to slow down."""

    status = 429
    reason = "rate_limited"


class Unavailable(FacilityError):
    """The facility is down or unreachable."""

    status = 502
    reason = "unavailable"


class Misconfigured(FacilityError):
    """The facility's configuration is wrong, so this server cannot use it until it is fixed."""

    status = 502
    reason = "misconfigured"


class UpstreamTimeout(FacilityError):
    """The facility did not answer in time."""

    status = 504
    reason = "timeout"


ERRORS_BY_REASON: dict[str, type[HPCError]] = {
    cls.reason: cls
    for cls in (
        HPCError,
        ValidationError,
        CapabilityError,
        PermissionDenied,
        NotFound,
        Conflict,
        TooLarge,
        FacilityError,
        FacilityAuthError,
        RateLimited,
        Unavailable,
        Misconfigured,
        UpstreamTimeout,
    )
}


class ConfigError(ValueError):
    """A facility's configuration is wrong; raised at server start, naming facility and key.

    Its message never contains a secret: `problem` names keys and sources, not their values.
    """

    def __init__(self, facility: str, key: str, problem: str) -> None:
        super().__init__(f"facility {facility!r}, key {key!r}: {problem}")
        self.facility = facility
        self.key = key
        self.problem = problem
