"""HTTP to slurmrestd: the user's JWT in its headers, one retry with a new token, clear errors."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ...auth import SlurmJWT
from ...auth.device import DeviceLogin
from ...auth.hub import HubToken
from ...errors import (
    FacilityAuthError,
    FacilityError,
    HPCError,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from ..failures import Phrase, clean_message, upstream_error
from ..http import SlurmAuth, retrying

log = logging.getLogger("hpc_jupyter.slurm")

AUTH_FAILURE = -1
"""slurmrestd 22.05 answers a bad, expired or foreign token with HTTP 500 and error -1."""

NETWORK_AUTHENTICATION_REQUIRED = 511
"""24.11 on answer a refused token on /slurm/ with HTTP 511 (error 1007, or no error at all)."""

DB_CONNECTION = 7000
"""24.11 on answer a refused token on /slurmdb/ with HTTP 502 and error 7000, as an outage."""

_PROBE = "hpc_jupyter.probe"
"""A request extension marking a probe: a refusal of it gets no new token and no retry."""

_DB_PATH = re.compile(r"^/slurmdb/v0\.0\.(\d+)/")

ErrorMapper = Callable[[int, str], HPCError | None]


class SlurmError(Exception):
    """One entry of slurmrestd's `errors` list, before it is phrased for a user."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


def first_error(body: Any) -> SlurmError | None:
    """The most telling error of a response body: the first one with a Slurm error code."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return None
    found: list[SlurmError] = []
    for entry in errors:
        if not isinstance(entry, dict):
            continue
        # v0.0.36-38 partitions write `errno`; everything else `error_number` (or `error_code`)
        code = entry.get("error_number", entry.get("error_code", entry.get("errno", 0)))
        text = entry.get("description") or entry.get("error") or ""
        found.append(SlurmError(code if isinstance(code, int) else 0, clean_message(str(text))))
    coded = [error for error in found if error.code]
    chosen = coded or found
    return chosen[0] if chosen else None


class SlurmRestClient:
    """Calls one slurmrestd as one user; every response's `errors` is checked."""

    def __init__(
        self,
        facility: str,
        url: str,
        user: str,
        token: SlurmJWT | HubToken | DeviceLogin,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.facility = facility
        self.url = url.rstrip("/")
        self.user = user
        self.token = token
        self.refused_at = 0.0
        """When Slurm last refused the token (monotonic seconds; 0 never)."""
        self._http = httpx.AsyncClient(
            base_url=self.url,
            timeout=timeout,
            transport=retrying(timeout, inner=transport, name=f"slurmrestd of {facility!r}"),
            auth=SlurmAuth(token, user, _refused),
            follow_redirects=False,
        )

    async def close(self) -> None:
        """Release the connections."""
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        errors: ErrorMapper | None = None,
        allow_errors: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """One request; JSON back, or the error phrased by `errors` (or generically).

        A token refused (401; 500 with error -1 on 22.05; 511 on 24.11 on; or, on /slurmdb/,
        502 with error 7000) is replaced once and the call repeated. `allow_errors` lists
        Slurm error codes that come back to the caller in the body.
        """
        # `SlurmAuth` has already replaced a refused token once: a refusal now is final.
        response = await self._send(method, path, body, params)
        if _auth_failure(response):
            raise self._auth_error()
        if _db_refused(response):
            await self._db_outage_or_token(path)
        data = _json(response)
        _log_warnings(self.facility, method, path, data)
        error = first_error(data)
        if error is not None and error.code not in allow_errors:
            mapped = errors(error.code, error.text) if errors else None
            raise mapped or FacilityError(
                f"Slurm refused the request: {error.text or 'no reason given'} "
                f"(error {error.code}).",
                upstream_status=response.status_code,
            )
        if response.status_code >= 400:
            raise _status_error(self.facility, response)
        if data is None:
            raise FacilityError(
                "slurmrestd answered with something that is not JSON.",
                upstream_status=response.status_code,
            )
        return data

    def token_origin(self) -> str:
        """Where the token comes from, safe to show."""
        if isinstance(self.token, HubToken):
            return "the user's JupyterHub login"
        if isinstance(self.token, DeviceLogin):
            return f"the user's login: `%hpc_login {self.facility}` or the panel"
        return self.token.source.describe()

    def _auth_error(self) -> FacilityAuthError:
        self.refused_at = time.monotonic()
        return FacilityAuthError(
            f"Slurm did not accept the token for user {self.user!r} on facility "
            f"{self.facility!r}: it is expired, signed with another key, or belongs to "
            f"another user. Check the facility's `token` ({self.token_origin()})."
        )

    async def _db_outage_or_token(self, path: str) -> None:
        """A /slurmdb/ 502 + 7000 is a refused token or a real slurmdbd outage: an
        authenticated /slurm/ call of the same version tells them apart."""
        match = _DB_PATH.match(path)
        version = int(match.group(1)) if match else 40
        probe = f"/slurm/v0.0.{version}/partitions" + ("/" if version >= 40 else "")
        if _auth_failure(await self._send("GET", probe, None, None, probe=True)):
            raise self._auth_error()
        raise Unavailable(
            f"The accounting database (slurmdbd) of facility {self.facility!r} is unavailable; "
            "finished jobs cannot be read until it is back."
        )

    async def status(self, path: str) -> int:
        """The HTTP status of an authenticated GET (for discovering versions)."""
        response = await self._send("GET", path, None, None, probe=True)
        return response.status_code

    async def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        probe: bool = False,
    ) -> httpx.Response:
        extensions = {_PROBE: True} if probe else None
        try:
            return await self._http.request(
                method, path, json=body, params=params, extensions=extensions
            )
        except httpx.TimeoutException:
            raise UpstreamTimeout(
                f"slurmrestd of facility {self.facility!r} did not answer in time."
            ) from None
        except httpx.TransportError as err:
            raise Unavailable(
                f"Cannot reach slurmrestd of facility {self.facility!r} at {self.url}: "
                f"{type(err).__name__}."
            ) from None

    def __repr__(self) -> str:
        return f"<SlurmRestClient {self.url} user={self.user!r}>"


def _json(response: httpx.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _refused(response: httpx.Response) -> bool:
    """slurmrestd's refusals of a token, in every release's way of saying it; a probe's
    answer is taken as it comes (it asks what the server says of this token, not for data)."""
    if response.request.extensions.get(_PROBE):
        return False
    return _auth_failure(response) or _db_refused(response)


def _auth_failure(response: httpx.Response) -> bool:
    if response.status_code in (401, NETWORK_AUTHENTICATION_REQUIRED):
        return True
    if response.status_code != 500:
        return False
    error = first_error(_json(response))
    return error is not None and error.code == AUTH_FAILURE


def _db_refused(response: httpx.Response) -> bool:
    if response.status_code != 502:
        return False
    error = first_error(_json(response))
    return error is not None and error.code == DB_CONNECTION


def _log_warnings(facility: str, method: str, path: str, data: dict[str, Any] | None) -> None:
    """slurmrestd 24.11 on only warn of what they ignore (an unknown submit field): say so."""
    if method == "GET" or not isinstance(data, dict):
        return
    for entry in data.get("warnings") or []:
        if isinstance(entry, dict):
            text = clean_message(str(entry.get("description") or ""))
            source = clean_message(str(entry.get("source") or ""))[:100]
            log.warning(
                "slurmrestd of %r warned on %s %s: %s (%s)", facility, method, path, text, source
            )


_PHRASES: dict[int, Phrase] = {
    400: (ValidationError, "{where} could not read the request: {detail}."),
    404: (FacilityError, "{where} does not serve this path; is `api_version` right for this site?"),
    502: (Unavailable, "{where} is unavailable (HTTP {status})."),
    503: (Unavailable, "{where} is unavailable (HTTP {status})."),
    504: (UpstreamTimeout, "{where} timed out (HTTP {status})."),
}


def _status_error(facility: str, response: httpx.Response) -> HPCError:
    return upstream_error(
        response.status_code,
        response.text.strip() or "bad request",
        where="slurmrestd",
        facility=facility,
        phrases=_PHRASES,
        other=(FacilityError, "{where} failed with HTTP {status}."),
    )
