"""Paths under /hpc/api that no route serves, and methods a route does not take: JSON answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from hpc_jupyter.routes import HANDLERS
from hpc_jupyter.routes.base import allowed_methods

NO_ROUTE = [
    "facilities/%C3%BAM",  # a facility name no route pattern admits
    "facilities/.exe/files",
    "facilities/local/nothing-here",
    "facilities/local/files/",
    "nowhere",
]


@pytest.mark.parametrize("path", NO_ROUTE)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
async def test_a_path_no_route_serves_is_a_json_404(
    hpc_server: Any, jp_fetch: Any, path: str, method: str
) -> None:
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("hpc", "api", path, method=method, body=body)

    response = info.value.response
    assert response is not None
    assert info.value.code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    error = json.loads(response.body)
    assert error["reason"] == "not_found"
    assert "see api/openapi.yaml" in error["message"]


async def test_a_path_no_route_serves_still_needs_a_credential(
    hpc_server: Any, jp_fetch: Any
) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("hpc", "api", "nowhere", headers={"Authorization": "token wrong"})

    assert info.value.code == 403


async def test_a_long_unknown_path_is_not_echoed_whole(hpc_server: Any, jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("hpc", "api", "x" * 5000)

    assert info.value.response is not None
    assert len(info.value.response.body) < 400


@pytest.mark.parametrize("method", ["TRACE", "PATCH"])
async def test_a_method_a_route_does_not_take_is_405_with_allow(
    hpc_server: Any, jp_fetch: Any, method: str
) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(
            "hpc",
            "api",
            "facilities",
            "local",
            "jobs",
            method=method,
            body="{}" if method == "PATCH" else None,
            allow_nonstandard_methods=True,
        )

    assert info.value.code == 405
    assert info.value.response is not None
    assert info.value.response.headers["Allow"] == "GET, POST"


def test_every_route_allows_what_it_implements() -> None:
    for _pattern, handler in HANDLERS:
        assert allowed_methods(handler), handler
        assert "HEAD" not in allowed_methods(handler)  # no route implements HEAD
