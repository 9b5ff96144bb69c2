"""Checks that every request the FirecREST test double receives is one the official spec allows."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from tornado.httputil import HTTPServerRequest

from tests.spec_validation import spec_violations

SPEC = Path(__file__).parent / "data" / "openapi-v2.json"


@cache
def _openapi() -> OpenAPI:
    spec = json.loads(SPEC.read_text())
    spec["servers"] = [{"url": "/"}]
    # openapi-core cannot check an oauth2 scheme; the same operations also take HTTPBearer,
    # which it checks, and the double checks the token itself.
    del spec["components"]["securitySchemes"]["APIAuthDependency"]
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "security" in operation:
                operation["security"] = [
                    s for s in operation["security"] if "APIAuthDependency" not in s
                ]
    return OpenAPI.from_dict(spec)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def normalise_body(value: Any, top: bool = True) -> Any:
    """The body as the server's models read it.

    FirecREST's request models take snake_case field names as well as their camelCase aliases,
    and `path` for `sourcePath`: the live samples (`26-ops-chmod`, `59-transfer-upload-s3`)
    sent `path` and were accepted, and pyfirecrest sends `transfer_directives`, `file_size`,
    `working_directory`. The published spec lists the aliases only.
    """
    if isinstance(value, dict):
        out = {_camel(k): normalise_body(v, top=False) for k, v in value.items()}
        if top and "path" in out and "sourcePath" not in out:
            out["sourcePath"] = out.pop("path")
        return out
    if isinstance(value, list):
        return [normalise_body(v, top=False) for v in value]
    return value


def violations(request: HTTPServerRequest) -> list[str]:
    """What is wrong with a request by the spec (empty when it is fine)."""
    body: bytes | None = request.body or None
    content = request.headers.get("Content-Type", "")
    if body and content.startswith("application/json"):
        body = json.dumps(normalise_body(json.loads(body))).encode()
    return spec_violations(_openapi(), request, body)
