"""Credentials stay secret: the kernel token never appears in a response, a log line or a repr."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from hpc_jupyter.routes.kernel_auth import HEADER, KernelTokenIdentity


async def test_kernel_token_is_in_no_response_or_log_line(
    hpc_app: Any, jp_fetch: Any, caplog: pytest.LogCaptureFixture, jp_root_dir: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    token = hpc_app.kernel_token
    headers = {HEADER: token}
    (jp_root_dir / "data.txt").write_text("numbers")
    bodies: list[bytes] = []

    for parts, kwargs in [
        (("info",), {}),
        (("facilities",), {}),
        (("facilities", "local"), {}),
        (("facilities", "local", "files"), {"params": {"path": "."}}),
        (("facilities", "local", "files", "content"), {"params": {"path": "data.txt"}}),
        (("facilities", "local", "jobs"), {}),
        (("facilities", "local", "files"), {"params": {"path": "../outside"}}),
        (("facilities", "nowhere"), {}),
        (("facilities", "local", "jobs"), {"method": "POST", "body": json.dumps({"x": 1})}),
    ]:
        try:
            response = await jp_fetch("hpc", "api", *parts, headers=headers, **kwargs)
            bodies.append(response.body)
            bodies.append(str(response.headers).encode())
        except HTTPClientError as err:
            assert err.response is not None
            bodies.append(err.response.body)
            bodies.append(str(err.response.headers).encode())

    assert all(token.encode() not in body for body in bodies)
    logs = caplog.text
    assert "hpc/api" in logs  # the requests were logged...
    assert token not in logs  # ...without the credential


def test_identity_wrapper_repr_has_no_token() -> None:
    class Inner:
        token = "jupyter-token-value"

    wrapper = KernelTokenIdentity(Inner(), "kernel-token-value")  # type: ignore[arg-type]

    assert "kernel-token-value" not in repr(wrapper)
    assert "jupyter-token-value" not in repr(wrapper)
