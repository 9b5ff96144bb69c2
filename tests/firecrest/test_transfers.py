"""Staged transfers of a `firecrest` facility: S3 multipart up, presigned URL down, 20 MiB."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

from tests.firecrest.fake_firecrest import FakeFirecrest
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
CONTENT = ("facilities", "alps", "files", "content")
HOME = "/home/hpcuser"
OCTET = {"Content-Type": "application/octet-stream"}


async def test_20_mib_round_trip_is_staged_and_byte_identical(
    api: API, jp_fetch: Fetch, fake: FakeFirecrest, hpc_app: Any
) -> None:
    # Given 20 MiB of random bytes and a server that accepts that much
    hpc_app.max_upload_size = 64 * 1024 * 1024
    data = os.urandom(20 * 1024 * 1024)

    # When they are uploaded and downloaded, whole and a range across a part boundary
    entry = await api(
        *CONTENT, method="PUT", body=data, params={"path": f"{HOME}/big.bin"}, headers=dict(OCTET)
    )
    back = await jp_fetch("hpc", "api", *CONTENT, params={"path": f"{HOME}/big.bin"})
    offset = 8 * 1024 * 1024 - 10
    part = await jp_fetch(
        "hpc",
        "api",
        *CONTENT,
        params={"path": f"{HOME}/big.bin", "offset": str(offset), "length": "100"},
    )

    # Then both went through FirecREST's S3 staging, in parts, and came back identical
    assert entry["size"] == len(data)
    assert fake.local(f"{HOME}/big.bin").read_bytes() == data
    assert back.body == data
    assert part.body == data[offset : offset + 100]
    paths = [path for _, path, _ in fake.requests]
    assert paths.count("/filesystem/localcluster/transfer/upload") == 1
    assert "/filesystem/localcluster/transfer/download" in paths
    # a new file lands at its name (no second transfer job to rename it), its checksum checked
    assert "/filesystem/localcluster/transfer/mv" not in paths
    assert "/filesystem/localcluster/ops/checksum" in paths
    assert [p.name for p in fake.local(HOME).iterdir() if "hpc-upload" in p.name] == []


async def test_failed_staged_upload_leaves_no_file_under_the_target(
    api: API, fake: FakeFirecrest, hpc_app: Any
) -> None:
    # Given an existing target, and FirecREST failing the rename after the staged upload
    hpc_app.max_upload_size = 64 * 1024 * 1024
    (fake.local(HOME) / "keep.bin").write_bytes(b"old")
    fake.fail("POST", "/filesystem/localcluster/transfer/mv", 500, {"message": "boom"})

    # When a large file is uploaded over it
    failed = await expect_error(
        api(
            *CONTENT,
            method="PUT",
            body=os.urandom(6 * 1024 * 1024),
            params={"path": f"{HOME}/keep.bin"},
            headers=dict(OCTET),
        ),
        502,
    )

    # Then the error says so, the old file is intact and no temporary file is left
    assert failed["reason"] == "facility_error"
    assert fake.local(f"{HOME}/keep.bin").read_bytes() == b"old"
    assert [p.name for p in fake.local(HOME).iterdir() if "hpc-upload" in p.name] == []
