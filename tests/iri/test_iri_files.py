"""Files of an `iri` facility through the real server: every call a task, polled with backoff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

from hpc_jupyter.backends.iri.tasks import FIRST_DELAY
from tests.helpers import expect_error
from tests.iri.fake_iri import HOME, FakeIRI

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "alcf", "files")


async def op(api: API, name: str, **body: Any) -> Any:
    return await api(*FILES, name, method="POST", body=body)


async def test_listing_and_stat_come_from_polled_tasks(api: API, fake: FakeIRI) -> None:
    # Given a home with a file, a hidden file and a link; tasks that stay busy for two polls
    (fake.root / "data.txt").write_text("12345")
    (fake.root / ".hidden").write_text("")
    (fake.root / "link").symlink_to("data.txt")
    fake.busy_polls = 2

    # When the client lists without a path, then stats the file
    top = await api(*FILES)
    entry = await api(*FILES, "stat", params={"path": f"{HOME}/data.txt"})

    # Then the view opens at the configured home, and entries carry types, sizes and owners
    assert top["path"] == HOME
    entries = {e["name"]: e for e in top["entries"]}
    assert sorted(entries) == [".hidden", "data.txt", "link"]
    assert entries["data.txt"]["size"] == 5
    assert entries["data.txt"]["permissions"].startswith("-rw")
    assert entries["data.txt"]["path"] == f"{HOME}/data.txt"
    assert entries["link"]["type"] == "link"
    assert entries["link"]["link_target"] == "data.txt"
    assert entry["user"] == "iriuser"
    # ... and every task was polled three times, the second wait at least the doubled first
    # (a wait is never shorter than asked; a busy machine may stretch either)
    for polls in fake.polls():
        assert len(polls) == 3
        assert polls[2] - polls[1] >= 2 * FIRST_DELAY


async def test_view_a_range_mkdir_and_chmod(api: API, jp_fetch: Fetch, fake: FakeIRI) -> None:
    # Given a text file
    (fake.root / "hello.txt").write_text("line 1 hello iri\nline 2\nline 3\n")

    # When it is read whole and as a range, a tree is made and the file chmod'ed
    whole = await jp_fetch("hpc", "api", *FILES, "content", params={"path": f"{HOME}/hello.txt"})
    part = await jp_fetch(
        "hpc",
        "api",
        *FILES,
        "content",
        params={"path": f"{HOME}/hello.txt", "offset": "7", "length": "9"},
    )
    made = await op(api, "mkdir", path=f"{HOME}/runs/a", parents=True)
    again = await op(api, "mkdir", path=f"{HOME}/runs/a", parents=True)
    exists = await expect_error(op(api, "mkdir", path=f"{HOME}/runs/a"), 409)
    changed = await op(api, "chmod", path=f"{HOME}/hello.txt", mode="640")

    # Then the bytes are the file's, the directory exists, and the mode changed
    assert whole.body == b"line 1 hello iri\nline 2\nline 3\n"
    assert part.body == b"hello iri"
    assert made["type"] == "directory"
    assert made["path"] == f"{HOME}/runs/a"
    assert again["path"] == made["path"]
    assert "already exists" in exists["message"]
    assert (fake.root / "runs" / "a").is_dir()
    assert changed["permissions"] == "-rw-r-----"
    assert any("/filesystem/download/" in path for _, path, _ in fake.requests)
    assert any("/filesystem/view/" in path for _, path, _ in fake.requests)


async def test_upload_move_copy_delete(api: API, jp_fetch: Fetch, fake: FakeIRI) -> None:
    # Given some bytes and a directory
    data = bytes(range(256)) * 4
    (fake.root / "d").mkdir()

    # When they are uploaded, copied, moved, and things deleted
    entry = await api(
        *FILES,
        "content",
        method="PUT",
        body=data,
        params={"path": f"{HOME}/d/data.bin"},
        headers={"Content-Type": "application/octet-stream"},
    )
    copied = await op(api, "copy", source=f"{HOME}/d/data.bin", target=f"{HOME}/copy.bin")
    moved = await op(api, "move", source=f"{HOME}/copy.bin", target=f"{HOME}/d/moved.bin")
    taken = await expect_error(
        op(api, "copy", source=f"{HOME}/d/data.bin", target=f"{HOME}/d/moved.bin"), 409
    )
    not_empty = await expect_error(op(api, "delete", path=f"{HOME}/d"), 409)
    back = await jp_fetch("hpc", "api", *FILES, "content", params={"path": f"{HOME}/d/moved.bin"})
    await op(api, "delete", path=f"{HOME}/d", recursive=True)

    # Then each step did what it says
    assert entry["size"] == len(data)
    assert copied["name"] == "copy.bin"
    assert moved["path"] == f"{HOME}/d/moved.bin"
    assert "already exists" in taken["message"]
    assert "not empty" in not_empty["message"]
    assert back.body == data
    assert not (fake.root / "d").exists()


async def test_failed_task_and_missing_file_are_clear(api: API, fake: FakeIRI) -> None:
    # When a path outside the user's storage, a missing file and a failing task are asked for
    outside = await expect_error(api(*FILES, params={"path": "/etc"}), 400)
    missing = await expect_error(api(*FILES, "stat", params={"path": f"{HOME}/nope"}), 404)
    no_dir = await expect_error(api(*FILES, params={"path": f"{HOME}/nowhere"}), 404)
    (fake.root / "empty").mkdir()
    empty = await api(*FILES, params={"path": f"{HOME}/empty"})
    fake.task_failures["ls"] = "Error: 500: GPFS went away"
    broken = await expect_error(api(*FILES, params={"path": HOME}), 502)
    fake.task_failures["ls"] = "the disk is on fire"
    odd = await expect_error(api(*FILES, params={"path": HOME}), 502)

    # Then each is an error with the task's own words
    assert "Path outside sandbox: /etc" in outside["message"]
    assert missing["reason"] == "not_found"
    assert "No such file or directory" in no_dir["message"]
    assert empty["entries"] == []
    assert "GPFS went away" in broken["message"]
    assert "failed" in odd["message"]
    assert "the disk is on fire" in odd["message"]


async def test_extras_head_tail_chown(hpc_app: Any, fake: FakeIRI) -> None:
    # Given a text file and the facility's file backend
    (fake.root / "t.txt").write_text("one\ntwo\nthree\n")
    files = hpc_app.registry.get("alcf").files

    # When the IRI API's extra operations are used
    head = await files.head("perlmutter", f"{HOME}/t.txt", 1)
    tail = await files.tail("perlmutter", f"{HOME}/t.txt", 2)
    owned = await files.chown("perlmutter", f"{HOME}/t.txt", "iriuser", "iriuser")

    # Then they answer from the API
    assert head == "one\n"
    assert tail == "two\nthree\n"
    assert owned.user == "iriuser"


class TestLimits:
    @pytest.fixture
    def hpc_facilities(self, iri_options: dict[str, Any]) -> dict[str, Any]:
        return {"alcf": iri_options | {"direct_limit": 1000, "task_timeout": 0.5}}

    async def test_large_files_and_stuck_tasks_say_so(
        self, api: API, jp_fetch: Fetch, fake: FakeIRI
    ) -> None:
        # Given a file over the direct limit
        (fake.root / "big.bin").write_bytes(b"x" * 1500)

        # When it is read, a large upload is sent, and a task never finishes
        read = await expect_error(
            jp_fetch("hpc", "api", *FILES, "content", params={"path": f"{HOME}/big.bin"}), 413
        )
        sent = await expect_error(
            api(
                *FILES,
                "content",
                method="PUT",
                body=b"y" * 1500,
                params={"path": f"{HOME}/up.bin"},
                headers={"Content-Type": "application/octet-stream"},
            ),
            413,
        )
        fake.busy_polls = 10_000
        stuck = await expect_error(api(*FILES, params={"path": HOME}), 504)

        # Then each says why, and what to do instead
        assert "at most 1000 B" in read["message"] or "at most" in read["message"]
        assert "Globus transfer" in read["message"]
        assert "Globus transfer" in sent["message"]
        assert not (fake.root / "up.bin").exists()
        assert "did not finish within" in stuck["message"]
