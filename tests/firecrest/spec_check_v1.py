"""Checks that every request the FirecREST v1 double receives is one the official v1 spec allows."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from openapi_core import OpenAPI
from tornado.httputil import HTTPServerRequest

from tests.spec_validation import spec_violations

SPEC = Path(__file__).parent / "data" / "openapi-v1.json"
FORM = "application/x-www-form-urlencoded"


@cache
def _openapi() -> OpenAPI:
    """The v1 spec, taking a form either way a Flask `request.form` reads one.

    The spec lists `multipart/form-data` only; FirecREST v1's services read fields with
    Flask's `request.form`, which takes URL-encoded bodies too, and pyfirecrest sends those
    for forms without a file. The same schema checks both.
    """
    spec = json.loads(SPEC.read_text())
    spec["servers"] = [{"url": "/"}]
    for item in spec["paths"].values():
        for parameter in item.get("parameters", []):
            parameter.pop("allowEmptyValue", None)  # deprecated in OpenAPI 3.0.3; warns
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                parameter.pop("allowEmptyValue", None)
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            content = body.get("content", {}) if body else {}
            if "multipart/form-data" in content and FORM not in content:
                content[FORM] = content["multipart/form-data"]
    return OpenAPI.from_dict(spec)


def violations(request: HTTPServerRequest) -> list[str]:
    """What is wrong with a request by the v1 spec (empty when it is fine).

    An empty query parameter (`bytes=`, which httpx writes for pyfirecrest's `None`) is left
    out, as Flask's `request.args.get(name)` and the services' truthiness checks treat it.
    """
    query = urlencode([(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if v])
    return spec_violations(_openapi(), request, request.body or None, query)
