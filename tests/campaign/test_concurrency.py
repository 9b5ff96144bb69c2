"""Concurrent transfers of one path on the local facility, through a real `jupyter server`.

Clients in threads (httpx) against a server subprocess, so that requests really overlap: a
download racing uploads of the same path gets the old or the new bytes whole, never a mix;
twin uploads to one path leave one whole file of either and no temporary file; an upload cut
off on its way leaves the old file and no temporary file.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fault_proxy import FaultProxy
from tests.server_process import ServerProcess

CONTENT = "hpc/api/facilities/local/files/content"
SIZE = 4 * 1024 * 1024  # several socket reads and disk writes per transfer
OCTET = {"Content-Type": "application/octet-stream"}


def version(tag: int) -> bytes:
    """A file's content that names its version in every byte, so a mix shows."""
    return bytes([tag]) * SIZE


def upload(client: httpx.Client, server: ServerProcess, path: str, data: bytes) -> httpx.Response:
    return client.put(
        server.url + CONTENT,
        params={"path": path},
        content=data,
        headers={**server.headers, **OCTET},
        timeout=60,
    )


def temporary_files(root: Path) -> list[str]:
    """Anything in the root but the files the test made: the upload's temporaries."""
    return sorted(p.name for p in root.iterdir() if p.name not in {"a.txt", "dir", "data.bin"})


def wait_until_no_temporaries(root: Path, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := temporary_files(root)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as session:
        yield session


def test_a_download_racing_uploads_gets_one_whole_version(
    server_process: ServerProcess, client: httpx.Client
) -> None:
    # Given a file, rewritten again and again by two uploaders with other versions
    server = server_process
    assert upload(client, server, "data.bin", version(0)).status_code == 201
    versions = {hashlib.sha256(version(tag)).hexdigest(): tag for tag in (0, 1, 2)}
    stop = threading.Event()
    failures: list[str] = []

    def uploader(tag: int) -> None:
        with httpx.Client() as own:
            while not stop.is_set():
                response = upload(own, server, "data.bin", version(tag))
                if response.status_code != 201:
                    failures.append(f"upload {tag}: {response.status_code} {response.text}")

    threads = [threading.Thread(target=uploader, args=(tag,)) for tag in (1, 2)]
    for thread in threads:
        thread.start()

    # When it is downloaded meanwhile, many times
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline or len(set(seen)) < 2:
            response = client.get(
                server.url + CONTENT, params={"path": "data.bin"}, headers=server.headers
            )
            assert response.status_code == 200, response.text
            digest = hashlib.sha256(response.content).hexdigest()
            # Then every download is one version, whole: never a mix, never short
            assert digest in versions, (len(response.content), set(response.content[::65536]))
            seen.append(versions[digest])
            assert time.monotonic() < deadline + 30, "the uploads never showed"
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert failures == []
    assert len(seen) > 5
    assert wait_until_no_temporaries(server.root) == []


def twin(server: ServerProcess, tag: int, start: threading.Barrier, codes: list[int]) -> None:
    """One of two clients that upload to one path at the same moment."""
    with httpx.Client() as own:
        start.wait()
        codes.append(upload(own, server, "twin.bin", version(tag)).status_code)


def test_twin_uploads_to_one_path_leave_one_whole_file(
    server_process: ServerProcess, client: httpx.Client
) -> None:
    server = server_process
    for round_ in range(8):
        # Given two clients uploading different contents to one path at the same moment
        start = threading.Barrier(2)
        codes: list[int] = []

        threads = [
            threading.Thread(target=twin, args=(server, tag, start, codes)) for tag in (3, 4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # Then both are answered, and the file is one of them, whole
        assert sorted(codes) == [201, 201], (round_, codes)
        data = (server.root / "twin.bin").read_bytes()
        assert data in (version(3), version(4)), (round_, len(data), set(data[::65536]))
    (server.root / "twin.bin").unlink()
    assert wait_until_no_temporaries(server.root) == []


def test_an_upload_cut_off_on_its_way_leaves_the_old_file(server_process: ServerProcess) -> None:
    # Given a file, and a client whose connection to the server breaks half-way through an
    # upload of a new version (a proxy resets both sides after 1 MiB of the body)
    server = server_process
    (server.root / "data.bin").write_bytes(b"old contents")

    async def cut_off() -> None:
        proxy = await FaultProxy(server.url).start()
        proxy.inject("reset_mid_request", "PUT", "/hpc/api", after_bytes=1024 * 1024)
        try:
            async with httpx.AsyncClient() as session:
                with pytest.raises(httpx.TransportError):
                    await session.put(
                        proxy.url + "/" + CONTENT,
                        params={"path": "data.bin"},
                        content=version(5),
                        headers={**server.headers, **OCTET},
                        timeout=30,
                    )
        finally:
            await proxy.stop()
        assert [kind for kind, _, _ in proxy.injected] == ["reset_mid_request"]

    asyncio.run(cut_off())

    # Then the file is the old one, whole, and the server leaves no temporary file behind
    assert wait_until_no_temporaries(server.root) == []
    assert (server.root / "data.bin").read_bytes() == b"old contents"
    listing = httpx.get(
        server.url + "hpc/api/facilities/local/files",
        params={"path": "."},
        headers=server.headers,
    ).json()
    assert sorted(entry["name"] for entry in listing["entries"]) == ["a.txt", "data.bin", "dir"]
