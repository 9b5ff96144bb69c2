"""One facility's HTTP client for the IRI API: token on every call, one refresh-and-retry, 429s."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from ...auth import TokenSource
from ...errors import FacilityError, Unavailable, UpstreamTimeout
from ..http import BearerAuth, retrying
from .failures import from_response
from .settings import IRISettings

log = logging.getLogger(__name__)


def _refused(response: httpx.Response) -> bool:
    return response.status_code in (401, 403)


class IRIClient:
    """Requests to one IRI API; every failure comes out as the project's error."""

    def __init__(
        self,
        facility: str,
        settings: IRISettings,
        provider: TokenSource,
    ) -> None:
        self.facility = facility
        self.settings = settings
        self.provider = provider
        self._http: httpx.AsyncClient | None = None
        self.inner_transport: httpx.AsyncBaseTransport | None = None
        """What sends the requests: the network, or a test's `httpx.MockTransport`."""

    def __repr__(self) -> str:
        return f"<IRIClient {self.facility!r} {self.settings.url}>"

    @property
    def http(self) -> httpx.AsyncClient:
        """The HTTP client (created on first use, on the running loop)."""
        if self._http is None:
            settings = self.settings
            self._http = httpx.AsyncClient(
                base_url=settings.url + "/",
                timeout=httpx.Timeout(settings.timeout),
                transport=retrying(
                    settings.timeout,
                    inner=self.inner_transport,
                    verify=settings.verify,
                    max_retries=settings.max_retries,
                    max_retry_after=settings.max_retry_after,
                    name=f"The IRI API of facility {self.facility!r}",
                ),
                # a 403 may be a token the API no longer takes: one fresh token, one retry
                auth=BearerAuth(self.provider, settings.url, _refused),
                headers={"Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one request (relative to the API's URL); an answer of 400 or more is raised."""
        content, headers = None, None
        if files is not None:
            # The form's files are bytes in memory: rendered once, a 429 may send it again.
            form = httpx.Request(method, self.settings.url, files=files)
            content, headers = form.read(), {"Content-Type": form.headers["Content-Type"]}
        try:
            response = await self.http.request(
                method, path.lstrip("/"), params=params, json=json, content=content, headers=headers
            )
        except httpx.TimeoutException:
            raise UpstreamTimeout(
                f"The IRI API of facility {self.facility!r} did not answer in time.",
                facility=self.facility,
            ) from None
        except httpx.TransportError:
            raise Unavailable(
                f"The IRI API of facility {self.facility!r} cannot be reached.",
                facility=self.facility,
            ) from None
        if response.status_code >= 400:
            raise from_response(self.facility, response, self.provider.refused_message())
        return response

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer of a request."""
        response = await self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise FacilityError(
                f"The IRI API of facility {self.facility!r} did not answer in JSON.",
                facility=self.facility,
            ) from None

    async def paged(
        self, method: str, path: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a list endpoint, page by page (`offset`/`limit`), up to `max_pages`."""
        items: list[dict[str, Any]] = []
        size = self.settings.page_size
        for page in range(self.settings.max_pages):
            query = {**(params or {}), "offset": page * size, "limit": size}
            answer = await self.json(method, path, params=query)
            if not isinstance(answer, list):
                raise FacilityError(
                    f"The IRI API of facility {self.facility!r} answered {path} with no list.",
                    facility=self.facility,
                )
            items.extend(item for item in answer if isinstance(item, dict))
            if len(answer) < size:
                return items
        log.warning(
            "facility %r lists more than %d items at %s; showing the first ones",
            self.facility,
            len(items),
            path,
        )
        return items

    async def close(self) -> None:
        """Close the HTTP client; it is created again on next use."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
