"""Checking a test double's requests, or our API's answers, against an OpenAPI spec."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_schema_validator import OAS30Validator
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


API_SPEC = Path(__file__).resolve().parents[1] / "api" / "openapi.yaml"


@functools.cache
def _api_components() -> dict[str, Any]:
    components: dict[str, Any] = yaml.safe_load(API_SPEC.read_text())["components"]
    return components


def api_violations(schema: str, data: Any) -> list[str]:
    """What is wrong with `data` as our API's `schema` (api/openapi.yaml), e.g. `"Facility"`."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": _api_components()}
    validator = OAS30Validator(root, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = validator.iter_errors(data)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]
