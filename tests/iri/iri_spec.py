"""Checks that every request the IRI test double receives is one the official v1 spec allows."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from tornado.httputil import HTTPServerRequest
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = Path(__file__).parent / "data" / "openapi-v1.json.gz"


@cache
def _openapi() -> OpenAPI:
    spec = json.loads(gzip.decompress(SPEC.read_bytes()))
    spec["servers"] = [{"url": "/"}]
    # openapi-core validates an OpenAPI 3.1 `format: binary` string against the part's bytes and
    # refuses them; the double itself checks that the `file` part is there.
    spec["components"]["schemas"]["Body_upload"]["properties"]["file"] = {}
    return OpenAPI.from_dict(spec)


class _Request:
    def __init__(self, request: HTTPServerRequest) -> None:
        self.host_url = f"{request.protocol}://{request.host}"
        self.path = request.path
        self.method = (request.method or "GET").lower()
        self.body = request.body or None
        self.content_type = request.headers.get("Content-Type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.query, keep_blank_values=True)),
            header=Headers(list(request.headers.get_all())),
            cookie=ImmutableMultiDict(),
        )


def violations(request: HTTPServerRequest) -> list[str]:
    """What is wrong with a request by the spec (empty when it is fine)."""
    try:
        _openapi().validate_request(_Request(request))
    except OpenAPIError as err:
        causes = [str(err)]
        inner = err.__cause__
        while inner is not None:
            causes.append(str(inner))
            for sub in getattr(inner, "schema_errors", []) or []:
                causes.append(str(getattr(sub, "message", sub)))
            inner = inner.__cause__
        return [cause[:300] for cause in causes]
    return []
