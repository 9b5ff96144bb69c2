"""Checking a test double's requests, or our API's answers, against an OpenAPI spec."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V30RequestSecurityValidator,
)
from openapi_core.validation.response import V30ResponseHeadersValidator
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


# -- our API's requests and answers, as an httpx transport sees them ---------------------------


class HttpxRequest:
    """An httpx request to our API as openapi-core reads one; `base_path` is Jupyter's base_url."""

    def __init__(self, request: httpx.Request, base_path: str, body: bytes | None) -> None:
        raw = request.url.raw_path.decode().split("?", 1)[0]
        assert raw.startswith(base_path), (raw, base_path)
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = "/" + raw[len(base_path) :]  # the spec's paths start after the base_url
        self.method = request.method.lower()
        self.body = body
        self.content_type = request.headers.get("Content-Type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class HttpxResponse:
    """An httpx response as openapi-core reads one; `data` None for a streamed body."""

    def __init__(self, response: httpx.Response, data: bytes | None) -> None:
        self.status_code = response.status_code
        self.data = data
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("Content-Type", "").lower()


def _causes(err: BaseException) -> list[str]:
    causes = [str(err)]
    inner = err.__cause__
    while inner is not None:
        causes.append(str(inner))
        for sub in getattr(inner, "schema_errors", []) or []:
            causes.append(str(getattr(sub, "message", sub)))
        inner = inner.__cause__
    return causes


@functools.cache
def api_spec() -> OpenAPI:
    """api/openapi.yaml, for openapi-core."""
    return OpenAPI.from_dict(yaml.safe_load(API_SPEC.read_text()))


def exchange_violations(
    request: HttpxRequest, response: HttpxResponse, *, check_body: bool, check_security: bool
) -> list[str]:
    """What is wrong with one request to our API and its answer, by api/openapi.yaml.

    `check_body=False` for a request whose body was streamed (an upload), `check_security=False`
    for a client given no credential. A response without `data` is checked by its headers.
    """
    spec = api_spec()
    problems: list[str] = []
    validators: list[Any] = [V30RequestParametersValidator]
    validators += [V30RequestBodyValidator] if check_body else []
    validators += [V30RequestSecurityValidator] if check_security else []
    for validator in validators:
        try:
            validator(spec.spec).validate(request)
        except OpenAPIError as err:
            problems += [f"{request.method} {request.path} request: {c}" for c in _causes(err)]
    try:
        if response.data is not None:
            spec.validate_response(request, response)
        else:
            V30ResponseHeadersValidator(spec.spec).validate(request, response)
    except OpenAPIError as err:
        problems += [f"{request.method} {request.path} answer: {c}" for c in _causes(err)]
    return problems
