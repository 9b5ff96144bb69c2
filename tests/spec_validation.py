"""Checking a test double's requests against an OpenAPI spec with openapi-core."""

from __future__ import annotations

from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from tornado.httputil import HTTPServerRequest
from werkzeug.datastructures import Headers, ImmutableMultiDict


class TornadoRequest:
    """A tornado request as openapi-core reads one; `body` may stand in for the one received."""

    def __init__(
        self, request: HTTPServerRequest, body: bytes | None, query: str | None = None
    ) -> None:
        self.host_url = f"{request.protocol}://{request.host}"
        self.path = request.path
        self.method = (request.method or "GET").lower()
        self.body = body
        self.content_type = request.headers.get("Content-Type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(
                parse_qsl(request.query if query is None else query, keep_blank_values=True)
            ),
            header=Headers(list(request.headers.get_all())),
            cookie=ImmutableMultiDict(),
        )


def spec_violations(
    spec: OpenAPI, request: HTTPServerRequest, body: bytes | None, query: str | None = None
) -> list[str]:
    """What is wrong with a request by `spec`, with every cause (empty when it is fine).

    `body` and `query` stand in for the request's own, as the server would read them.
    """
    try:
        spec.validate_request(TornadoRequest(request, body, query))
    except OpenAPIError as err:
        causes = [str(err)]
        inner = err.__cause__
        while inner is not None:
            causes.append(str(inner))
            for sub in getattr(inner, "schema_errors", []) or []:
                causes.append(str(getattr(sub, "message", sub)))
            inner = inner.__cause__
        return causes
    return []
