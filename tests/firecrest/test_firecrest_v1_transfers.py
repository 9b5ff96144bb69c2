"""Staged transfers of a FirecREST v1 facility: presigned POST up, presigned URL down, 20 MiB."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

from tests.firecrest.double_fixtures import ON_V1
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
CONTENT = ("facilities", "alps", "files", "content")
HOME = "/home/hpcuser"
OCTET = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024


pytestmark = ON_V1


def leftovers(fake_v1: FakeFirecrestV1) -> list[str]:
    return [p.name for p in fake_v1.local(HOME).iterdir() if "hpc-upload" in p.name]


async def test_20_mib_round_trip_is_staged_and_byte_identical(
    api: API, jp_fetch: Fetch, fake_v1: FakeFirecrestV1, hpc_app: Any, s3: Any
) -> None:
    # Given 20 MiB of random bytes and a server that accepts that much
    hpc_app.max_upload_size = 64 * MiB
    data = os.urandom(20 * MiB)

    # When they are uploaded and downloaded, whole and as a range
    entry = await api(
        *CONTENT, method="PUT", body=data, params={"path": f"{HOME}/big.bin"}, headers=dict(OCTET)
    )
    back = await jp_fetch("hpc", "api", *CONTENT, params={"path": f"{HOME}/big.bin"})
    offset = 8 * MiB - 10
    part = await jp_fetch(
        "hpc",
        "api",
        *CONTENT,
        params={"path": f"{HOME}/big.bin", "offset": str(offset), "length": "100"},
    )

    # Then both went through v1's external transfers and came back identical
    assert entry["size"] == len(data)
    assert fake_v1.local(f"{HOME}/big.bin").read_bytes() == data
    assert back.body == data
    assert part.body == data[offset : offset + 100]
    paths = [path for _, path, _ in fake_v1.requests]
    assert paths.count("/storage/xfer-external/upload") == 1
    assert paths.count("/storage/xfer-external/download") == 2
    # the upload landed under a temporary name and was renamed once its checksum matched
    assert "/utilities/rename" in paths
    assert leftovers(fake_v1) == []
    # each download link is withdrawn once read (just after the last byte is sent), so the
    # staging area is empty again
    for _ in range(50):
        if s3.list_objects_v2(Bucket=fake_v1.bucket).get("KeyCount", 0) == 0:
            break
        await asyncio.sleep(0.1)
    paths = [path for _, path, _ in fake_v1.requests]
    assert paths.count("/storage/xfer-external/invalidate") == 2
    assert s3.list_objects_v2(Bucket=fake_v1.bucket).get("KeyCount", 0) == 0


async def test_failed_staged_upload_leaves_no_file_under_the_target(
    api: API, fake_v1: FakeFirecrestV1, hpc_app: Any
) -> None:
    # Given an existing target, and FirecREST failing to move the staged file to the cluster
    hpc_app.max_upload_size = 64 * MiB
    (fake_v1.local(HOME) / "keep.bin").write_bytes(b"old")
    fake_v1.fail_staging = True

    # When a large file is uploaded over it
    failed = await expect_error(
        api(
            *CONTENT,
            method="PUT",
            body=os.urandom(6 * MiB),
            params={"path": f"{HOME}/keep.bin"},
            headers=dict(OCTET),
        ),
        502,
    )

    # Then the error says so, the old file is intact and no temporary file is left
    assert failed["reason"] == "facility_error"
    assert "staged transfer did not complete" in failed["message"]
    assert fake_v1.local(f"{HOME}/keep.bin").read_bytes() == b"old"
    assert leftovers(fake_v1) == []


async def test_staged_upload_puts_to_a_signed_url_on_s3v2(
    api: API, fake_v1: FakeFirecrestV1, hpc_app: Any
) -> None:
    # Given a deployment whose object storage is s3v2: uploads are PUT, not a posted form
    hpc_app.max_upload_size = 64 * MiB
    fake_v1.object_storage = "s3v2"
    data = os.urandom(6 * MiB)

    # When a large file is uploaded
    entry = await api(
        *CONTENT, method="PUT", body=data, params={"path": f"{HOME}/put.bin"}, headers=dict(OCTET)
    )

    # Then it arrived whole through the staging area, under its name only once checked
    assert entry["size"] == len(data)
    assert fake_v1.local(f"{HOME}/put.bin").read_bytes() == data
    assert leftovers(fake_v1) == []


async def test_a_small_binary_file_downloads_whole(
    api: API, jp_fetch: Fetch, fake_v1: FakeFirecrestV1, s3: Any
) -> None:
    # Given a small file that is not text (a pickle starts with 0x80), under the direct limit
    data = b"\x80\x05\x95abc\xff\xfe" + os.urandom(300)
    fake_v1.local(f"{HOME}/call.in").write_bytes(data)

    # When it is downloaded, whole and as a range
    back = await jp_fetch("hpc", "api", *CONTENT, params={"path": f"{HOME}/call.in"})
    part = await jp_fetch(
        "hpc", "api", *CONTENT, params={"path": f"{HOME}/call.in", "offset": "1", "length": "5"}
    )

    # Then its bytes come back (pyfirecrest's direct download reads the answer as JSON first,
    # which bytes that are not UTF-8 break: such a file goes through a staged transfer)
    assert back.body == data
    assert part.body == data[1:6]
