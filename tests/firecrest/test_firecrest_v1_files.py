"""Files of a FirecREST v1 facility (`api_version: 1`) through the real server, on the v1 double."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from tornado.httpclient import HTTPResponse

from tests.firecrest.double_fixtures import ON_V1
from tests.firecrest.fake_firecrest_v1 import FakeFirecrestV1
from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Fetch = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "alps", "files")
HOME = "/home/hpcuser"


pytestmark = ON_V1


async def op(api: API, name: str, **body: Any) -> Any:
    return await api(*FILES, name, method="POST", body=body)


async def test_facility_shows_systems_and_the_users_home(api: API) -> None:
    # When the client asks for the facility and lists without a path
    facility = await api("facilities", "alps")
    top = await api(*FILES)

    # Then the system comes from /status/systems, and the view opens in the user's home
    assert facility["auth"]["status"] == "ok"
    assert [(s["name"], s["status"], s["home"]) for s in facility["systems"]] == [
        ("cluster", "available", HOME)
    ]
    assert top["path"] == HOME


async def test_listing_stat_and_clear_errors(api: API, fake_v1: FakeFirecrestV1) -> None:
    # Given a home directory with a file, a hidden file and a link
    (fake_v1.local(HOME) / "data.txt").write_text("12345")
    (fake_v1.local(HOME) / ".hidden").write_text("")
    (fake_v1.local(HOME) / "link").symlink_to("data.txt")

    # When it is listed, a file stat'ed, and a missing and a relative path asked for
    listing = await api(*FILES, params={"path": HOME})
    entry = await api(*FILES, "stat", params={"path": f"{HOME}/data.txt"})
    missing = await expect_error(api(*FILES, params={"path": f"{HOME}/nope"}), 404)
    relative = await expect_error(api(*FILES, params={"path": "home"}), 400)

    # Then entries carry v1's types, sizes and link targets, and failures are clear 4xx
    entries = {e["name"]: e for e in listing["entries"]}
    assert sorted(entries) == [".hidden", "data.txt", "link"]
    assert entries["data.txt"]["size"] == 5
    assert entries["data.txt"]["permissions"].startswith("-rw")
    assert entries["link"]["type"] == "link"
    assert entries["link"]["link_target"] == "data.txt"
    assert entry["path"] == f"{HOME}/data.txt"
    assert missing["reason"] == "not_found"
    assert "No such file or directory" in missing["message"]
    assert "absolute" in relative["message"]


async def test_mkdir_move_copy_chmod_delete(api: API, fake_v1: FakeFirecrestV1) -> None:
    # Given a file in the home directory
    (fake_v1.local(HOME) / "f.txt").write_text("content")

    # When a directory tree is made, the file copied, moved, chmod'ed and things deleted
    made = await op(api, "mkdir", path=f"{HOME}/d/e", parents=True)
    again = await expect_error(op(api, "mkdir", path=f"{HOME}/d/e"), 409)
    copied = await op(api, "copy", source=f"{HOME}/f.txt", target=f"{HOME}/d/g.txt")
    moved = await op(api, "move", source=f"{HOME}/f.txt", target=f"{HOME}/d/e/f.txt")
    changed = await op(api, "chmod", path=f"{HOME}/d/g.txt", mode="640")
    exists = await expect_error(
        op(api, "copy", source=f"{HOME}/d/g.txt", target=f"{HOME}/d/e/f.txt"), 409
    )
    not_empty = await expect_error(op(api, "delete", path=f"{HOME}/d"), 409)
    home = await expect_error(op(api, "delete", path=HOME, recursive=True), 400)
    await op(api, "delete", path=f"{HOME}/d", recursive=True)

    # Then each step did what it says, through v1's utilities
    assert made["type"] == "directory"
    assert made["path"] == f"{HOME}/d/e"
    assert "already exists" in again["message"]
    assert copied["name"] == "g.txt"
    assert moved["path"] == f"{HOME}/d/e/f.txt"
    assert changed["permissions"] == "-rw-r-----"
    assert "already exists" in exists["message"]
    assert "not empty" in not_empty["message"]
    assert "not deleted" in home["message"]
    assert not fake_v1.local(f"{HOME}/d").exists()
    assert fake_v1.local(HOME).is_dir()


async def test_head_tail_checksum_and_chown(hpc_app: Any, fake_v1: FakeFirecrestV1) -> None:
    # Given a text file and the facility's file backend
    (fake_v1.local(HOME) / "t.txt").write_text("one\ntwo\nthree\n")
    files = hpc_app.registry.get("alps").files

    # When FirecREST's extra operations are used
    head = await files.head("cluster", f"{HOME}/t.txt", 2)
    tail = await files.tail("cluster", f"{HOME}/t.txt", 1)
    digest = await files.checksum("cluster", f"{HOME}/t.txt")
    owned = await files.chown("cluster", f"{HOME}/t.txt", "hpcuser", "hpcuser")

    # Then they answer from the API
    assert head == "one\ntwo\n"
    assert tail == "three\n"
    assert digest == hashlib.sha256(b"one\ntwo\nthree\n").hexdigest()
    assert owned.user == "hpcuser"
