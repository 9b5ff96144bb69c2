"""Checks that every request the IRI test double receives is one the official v1 spec allows."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

from openapi_core import OpenAPI
from tornado.httputil import HTTPServerRequest

from tests.spec_validation import spec_violations

SPEC = Path(__file__).parent / "data" / "openapi-v1.json.gz"


@cache
def _openapi() -> OpenAPI:
    spec = json.loads(gzip.decompress(SPEC.read_bytes()))
    spec["servers"] = [{"url": "/"}]
    # openapi-core validates an OpenAPI 3.1 `format: binary` string against the part's bytes and
    # refuses them; the double itself checks that the `file` part is there.
    spec["components"]["schemas"]["Body_upload"]["properties"]["file"] = {}
    return OpenAPI.from_dict(spec)


def violations(request: HTTPServerRequest) -> list[str]:
    """What is wrong with a request by the spec (empty when it is fine)."""
    causes = spec_violations(_openapi(), request, request.body or None)
    return [cause[:300] for cause in causes]
