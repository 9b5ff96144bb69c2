"""Paths and request input through the real server: what a path says is what is touched,
query arguments arrive as sent, and bad input of any kind is a short, clear 4xx."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from tests.helpers import expect_error

API = Callable[..., Awaitable[Any]]
Raw = Callable[..., Awaitable[HTTPResponse]]
FILES = ("facilities", "local", "files")
URL = "facilities/local/files"
SHORT = 300
"""The longest message a refusal may have here: it repeats only a short prefix of the input."""


@pytest.fixture
def raw(
    hpc_server: Any,
    http_server: Any,  # listens on jp_http_port
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
) -> Raw:
    """Send a request whose query string is written by hand (`%20`, `%00`, `%FF` kept as is)."""
    client = AsyncHTTPClient()

    async def call(tail: str, method: str = "GET", body: bytes | None = None) -> HTTPResponse:
        url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}hpc/api/{tail}"
        headers = {**jp_auth_header, "Content-Type": "application/octet-stream"}
        if method == "PUT" and body is None:
            body = b""
        return await client.fetch(
            url, method=method, body=body, headers=headers, raise_error=False, request_timeout=60
        )

    return call


def error_of(response: HTTPResponse, status: int) -> str:
    """The message of a JSON error answer with `status`, checked to be short and clean."""
    assert response.code == status, (response.code, response.body[:300])
    body = json.loads(response.body)
    assert set(body) >= {"message", "reason"}, body
    assert "Traceback" not in body["message"]
    assert len(body["message"]) < SHORT, len(body["message"])
    message: str = body["message"]
    return message


async def refused(call: Awaitable[Any], status: int, reason: str | None = None) -> str:
    """Await an API call that must fail with `status`; its short message."""
    body = await expect_error(call, status)
    if reason is not None:
        assert body["reason"] == reason, body
    assert len(body["message"]) < SHORT, len(body["message"])
    message: str = body["message"]
    return message


async def op(api: API, name: str, **body: Any) -> Any:
    return await api(*FILES, name, method="POST", body=body)


# -- `..`, `.`, trailing slashes and links (defect 3) ----------------------------------------


@pytest.fixture
def tree(jp_root_dir: Path) -> Path:
    """`dir/` holding a file named like the root itself, links to the root, outside, nowhere."""
    (jp_root_dir / "dir").mkdir()
    (jp_root_dir / "dir" / jp_root_dir.name).write_text("namesake of the root")
    (jp_root_dir / "dir" / "f.txt").write_text("f")
    outside = jp_root_dir.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for you")
    (jp_root_dir / "out").symlink_to(outside)
    (jp_root_dir / "rootlink").symlink_to(jp_root_dir)
    (jp_root_dir / "dangling").symlink_to(jp_root_dir / "missing")
    return jp_root_dir


async def test_dir_dotdot_is_the_root_and_is_never_deleted_or_moved(api: API, tree: Path) -> None:
    namesake = tree / "dir" / tree.name

    # When the client deletes or moves `dir/..` (the root, spelt another way)
    for spelling in ("dir/..", "dir/../", "dir/./..", "./dir/.."):
        await refused(op(api, "delete", path=spelling), 403, "forbidden")
        await refused(op(api, "delete", path=spelling, recursive=True), 403, "forbidden")
        await refused(op(api, "move", source=spelling, target="moved"), 403, "forbidden")

    # Then neither the root nor the file of `dir` named like the root was touched
    assert namesake.read_text() == "namesake of the root"
    assert not (tree / "moved").exists()
    assert sorted(os.listdir(tree / "dir")) == sorted([tree.name, "f.txt"])


async def test_stat_and_list_of_dot_and_dotdot_mean_what_they_say(api: API, tree: Path) -> None:
    # `dir/..` is the root, `dir/.` and `dir/` are `dir`, `dir//f.txt` is `dir/f.txt`
    assert (await api(*FILES, "stat", params={"path": "dir/.."}))["path"] == "."
    assert (await api(*FILES, "stat", params={"path": "dir/."}))["path"] == "dir"
    assert (await api(*FILES, "stat", params={"path": "dir/"}))["path"] == "dir"
    assert (await api(*FILES, "stat", params={"path": "dir//f.txt"}))["path"] == "dir/f.txt"
    listing = await api(*FILES, params={"path": "dir/.."})
    assert "dir" in [entry["name"] for entry in listing["entries"]]
    # and `..` of the root is outside it: refused, never the parent's name inside the root
    message = await refused(api(*FILES, "stat", params={"path": ".."}), 403, "forbidden")
    assert "outside" in message
    await refused(api(*FILES, "stat", params={"path": "dir/../.."}), 403, "forbidden")


async def test_a_target_must_end_with_a_name(api: API, tree: Path) -> None:
    # A move, copy or upload target ending in `..`, `.` or `/` names no new entry: 400
    for target in ("dir/..", "dir/.", "new/", "new/."):
        await refused(op(api, "move", source="dir/f.txt", target=target), 400, "bad_request")
        await refused(op(api, "copy", source="dir/f.txt", target=target), 400, "bad_request")
    assert (tree / "dir" / "f.txt").read_text() == "f"
    assert not (tree / "new").exists()
    # and making `dir/..` is making the root, which exists
    await refused(op(api, "mkdir", path="dir/.."), 409, "conflict")


async def test_an_upload_to_a_directory_spelling_writes_no_file(raw: Raw, tree: Path) -> None:
    for path in ("new/", "new/.", "dir/..", "dir/.", "dir/"):
        response = await raw(f"{URL}/content?path={path}", "PUT", b"data")
        error_of(response, 400)
    assert not (tree / "new").exists()
    assert (tree / "dir").is_dir()
    assert sorted(os.listdir(tree / "dir")) == sorted([tree.name, "f.txt"])


async def test_reading_a_file_as_a_directory_is_400(api: API, tree: Path) -> None:
    # `f.txt/` says f.txt is a directory; it is not
    for end in ("head", "tail", "checksum", "content"):
        await refused(api(*FILES, end, params={"path": "dir/f.txt/"}), 400, "bad_request")
    await refused(api(*FILES, "stat", params={"path": "dir/f.txt/."}), 400, "bad_request")


async def test_every_operation_on_dir_dotdot_leaves_the_namesake_alone(
    api: API, tree: Path
) -> None:
    namesake = tree / "dir" / tree.name
    calls = {
        "head": api(*FILES, "head", params={"path": "dir/.."}),
        "tail": api(*FILES, "tail", params={"path": "dir/.."}),
        "checksum": api(*FILES, "checksum", params={"path": "dir/.."}),
        "content": api(*FILES, "content", params={"path": "dir/.."}),
    }
    # Reading the root as a file is 400, each time
    for name, call in calls.items():
        message = await refused(call, 400, "bad_request")
        assert "directory" in message, (name, message)
    assert namesake.read_text() == "namesake of the root"


async def test_links_to_the_root_outside_and_nowhere(api: API, tree: Path) -> None:
    # A link to the root: deleting the link removes the link; through it (`rootlink/`) is the root
    await refused(op(api, "delete", path="rootlink/", recursive=True), 403, "forbidden")
    await refused(op(api, "delete", path="rootlink/.", recursive=True), 403, "forbidden")
    assert tree.is_dir()
    assert (tree / "dir" / "f.txt").exists()
    await op(api, "delete", path="rootlink")
    assert not (tree / "rootlink").is_symlink()
    assert (tree / "dir" / "f.txt").exists()

    # A link outside: through it is refused, the link itself may go
    await refused(op(api, "delete", path="out/", recursive=True), 403, "forbidden")
    await refused(op(api, "move", source="out/.", target="x"), 403, "forbidden")
    await refused(op(api, "chmod", path="out/", mode="777"), 403, "forbidden")
    assert (tree.parent / "outside" / "secret.txt").read_text() == "not for you"

    # A dangling link is seen as a link, read as missing, and removed as a link
    assert (await api(*FILES, "stat", params={"path": "dangling"}))["type"] == "link"
    await refused(api(*FILES, "content", params={"path": "dangling"}), 404, "not_found")
    await refused(api(*FILES, "stat", params={"path": "dangling/"}), 404, "not_found")
    await op(api, "delete", path="dangling")
    assert not (tree / "dangling").is_symlink()


# -- query arguments arrive as sent (defect 4) -----------------------------------------------


async def test_a_trailing_space_is_part_of_the_name(raw: Raw, jp_root_dir: Path) -> None:
    # Given ws.txt, and a file whose name starts with a space
    (jp_root_dir / "ws.txt").write_text("keep me")
    (jp_root_dir / " lead.txt").write_text("leading space")

    # When the client uploads to "ws.txt " and reads " lead.txt"
    put = await raw(f"{URL}/content?path=ws.txt%20", "PUT", b"new")
    read = await raw(f"{URL}/content?path=%20lead.txt")

    # Then "ws.txt " is a new file beside ws.txt, and " lead.txt" is read
    assert put.code == 201, put.body
    assert json.loads(put.body)["path"] == "ws.txt "
    assert (jp_root_dir / "ws.txt").read_text() == "keep me"
    assert (jp_root_dir / "ws.txt ").read_text() == "new"
    assert read.code == 200
    assert read.body == b"leading space"


async def test_a_trailing_tab_is_part_of_the_name(raw: Raw, jp_root_dir: Path) -> None:
    (jp_root_dir / "tab.txt").write_text("no tab")
    (jp_root_dir / "tab.txt\t").write_text("tab")
    response = await raw(f"{URL}/content?path=tab.txt%09")
    assert response.body == b"tab"


async def test_a_nul_in_a_query_argument_is_400(raw: Raw, jp_root_dir: Path) -> None:
    # Given a.txt
    (jp_root_dir / "a.txt").write_text("a")

    # When a NUL follows its name in any query argument, of any route
    tails = [
        "/content?path=a.txt%00",
        "/stat?path=a.txt%00",
        "/head?path=a.txt%00",
        "/checksum?path=a.txt%00",
        "?path=a.txt%00",
        "/stat?path=a.txt&system=localhost%00",
    ]
    for tail in tails:
        message = error_of(await raw(f"{URL}{tail}"), 400)
        assert "NUL" in message, (tail, message)
    # an upload too, before a byte of it is written
    error_of(await raw(f"{URL}/content?path=a.txt%00", "PUT", b"pwned"), 400)
    assert (jp_root_dir / "a.txt").read_text() == "a"
    assert sorted(os.listdir(jp_root_dir)) == ["a.txt"]


async def test_a_system_is_taken_as_sent(raw: Raw, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    assert (await raw(f"{URL}/stat?path=a.txt&system=localhost")).code == 200
    message = error_of(await raw(f"{URL}/stat?path=a.txt&system=localhost%20"), 404)
    assert "localhost " in message


async def test_a_query_argument_that_is_not_utf8_is_400(raw: Raw) -> None:
    message = error_of(await raw(f"{URL}/stat?path=%FF%FE"), 400)
    assert "UTF-8" in message


async def test_a_path_given_twice_is_400(raw: Raw, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    error_of(await raw(f"{URL}/content?path=a.txt&path=b.txt", "PUT", b"x"), 400)
    assert sorted(os.listdir(jp_root_dir)) == ["a.txt"]


async def test_an_absent_or_empty_path_is_400(raw: Raw) -> None:
    for end in ("stat", "head", "tail", "checksum", "content"):
        for query in ("", "?path=", "?path"):
            message = error_of(await raw(f"{URL}/{end}{query}"), 400)
            assert "path" in message, (end, query, message)
    error_of(await raw(f"{URL}/content?path=", "PUT", b"x"), 400)


async def test_a_log_stream_is_taken_as_sent(raw: Raw) -> None:
    message = error_of(await raw("facilities/local/jobs/1/output?stream=stdout%20"), 400)
    assert "stream" in message


# -- long paths (defect 5) -------------------------------------------------------------------


async def test_a_huge_path_is_refused_at_once_and_others_are_served(
    api: API, jp_root_dir: Path
) -> None:
    # Given a path of 200,000 components (400 KB), which took 15 s to resolve on the event loop
    huge = "a/" * 200_000

    # When it is sent while another client asks for something else
    delete = asyncio.ensure_future(expect_error(op(api, "delete", path=huge, recursive=True), 400))
    info = await api("info", request_timeout=10)

    # Then the other client is answered, and the huge path refused with a short reason
    assert "version" in info
    body = await asyncio.wait_for(delete, 10)
    assert body["reason"] == "bad_request"
    assert "4096" in body["message"]
    assert len(body["message"]) < SHORT


async def test_paths_and_names_beyond_the_limits_are_400(
    api: API, raw: Raw, jp_root_dir: Path
) -> None:
    long_name = "n" * 256
    too_long = "d/" * 2048 + "x"  # 4097 bytes
    # A name of 256 bytes or a path of 4097 bytes is refused by every route that takes a path
    for path in (long_name, f"dir/{long_name}/x", too_long, "é" * 128):
        for end in ("stat", "head", "checksum", "content"):
            message = await refused(api(*FILES, end, params={"path": path}), 400, "bad_request")
            assert "bytes" in message
        await refused(api(*FILES, params={"path": path}), 400, "bad_request")
        await refused(op(api, "mkdir", path=path, parents=True), 400, "bad_request")
        await refused(op(api, "delete", path=path), 400, "bad_request")
        await refused(op(api, "move", source="x", target=path), 400, "bad_request")
        error_of(await raw(f"{URL}/content?path={path}", "PUT", b"x"), 400)
    assert os.listdir(jp_root_dir) == []
    # while a name of 255 bytes is a name like any other
    await refused(api(*FILES, "stat", params={"path": "n" * 255}), 404, "not_found")


async def test_a_path_just_within_the_limit_is_never_a_500(api: API, jp_root_dir: Path) -> None:
    # 4095 bytes: the checks let it through; joined to the root it is too long for the kernel
    (jp_root_dir / "d").mkdir()
    path = "d/" * 2047 + "x"
    for end in ("stat", "content", "checksum"):
        await refused(api(*FILES, end, params={"path": path}), 400, "bad_request")
    await refused(op(api, "mkdir", path=path, parents=True), 400, "bad_request")


# -- other bad input (defect 11) -------------------------------------------------------------


async def test_an_offset_beyond_any_file_is_empty_or_400(raw: Raw, jp_root_dir: Path) -> None:
    (jp_root_dir / "f.txt").write_text("0123456789")
    content = f"{URL}/content?path=f.txt"
    # A huge offset within a signed 64-bit number: nothing there, an empty body
    far = await raw(f"{content}&offset={2**63 - 1}")
    assert (far.code, far.body) == (200, b"")
    # Beyond it, or a thousand digits: 400
    for offset in (str(2**63), str(2**64), "9" * 1000):
        message = error_of(await raw(f"{content}&offset={offset}"), 400)
        assert "offset" in message
    # Leading zeros are still a number
    assert (await raw(f"{content}&offset={'0' * 30}3&length=002")).body == b"34"


@pytest.mark.parametrize("digits", ["²", "\u0661", "\uff11", "+1", "-0", " 1", "1e3"])
async def test_only_ascii_digits_make_a_number(raw: Raw, jp_root_dir: Path, digits: str) -> None:
    (jp_root_dir / "f.txt").write_text("one\ntwo\n")
    value = quote(digits)
    for tail in (
        f"/content?path=f.txt&offset={value}",
        f"/content?path=f.txt&length={value}",
        f"/head?path=f.txt&lines={value}",
        f"/tail?path=f.txt&lines={value}",
    ):
        message = error_of(await raw(f"{URL}{tail}"), 400)
        assert "whole number" in message or "lines" in message, message
    error_of(await raw(f"facilities/local/jobs/1/output?offset={value}"), 400)


async def test_a_loop_of_links_is_400(api: API, jp_root_dir: Path) -> None:
    # Given two links pointing at each other
    (jp_root_dir / "loop1").symlink_to("loop2")
    (jp_root_dir / "loop2").symlink_to("loop1")

    # Reading, listing or writing through them is a 400 that names the loop
    for call in (
        api(*FILES, "content", params={"path": "loop1"}),
        api(*FILES, params={"path": "loop1"}),
        api(*FILES, "stat", params={"path": "loop1/x"}),
        api(*FILES, "checksum", params={"path": "loop2"}),
        op(api, "mkdir", path="loop1/sub", parents=True),
        op(api, "chmod", path="loop1", mode="700"),
        op(api, "copy", source="loop1", target="copy"),
    ):
        message = await refused(call, 400, "bad_request")
        assert "loop" in message
    # while the links themselves can be seen and removed
    assert (await api(*FILES, "stat", params={"path": "loop1"}))["type"] == "link"
    await op(api, "delete", path="loop1")
    assert not (jp_root_dir / "loop1").is_symlink()


async def test_a_deeply_nested_body_is_400(api: API, jp_root_dir: Path) -> None:
    body = '{"path": ' + "[" * 100_000 + "]" * 100_000 + "}"
    message = await refused(api(*FILES, "mkdir", method="POST", body=body), 400, "bad_request")
    assert "JSON" in message
    assert os.listdir(jp_root_dir) == []


async def test_chown_refuses_nul_and_ids_beyond_the_maximum(api: API, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    for body in (
        {"owner": "root\x00"},
        {"group": "root\x00x"},
        {"owner": "4294967296"},
        {"group": "99999999999999999999999"},
        {"owner": "4294967295"},  # (uid_t)-1: "leave unchanged", not a user
        {"owner": "²"},
    ):
        await refused(op(api, "chown", path="a.txt", **body), 400, "bad_request")


async def test_messages_repeat_only_a_short_prefix_of_the_input(api: API, raw: Raw) -> None:
    long_path = "p" * 250 + "/" + "q" * 250 + "/missing"
    message = await refused(api(*FILES, "stat", params={"path": long_path}), 404, "not_found")
    assert "…" in message
    message = await refused(op(api, "chmod", path="x", mode="7" * 10_000), 400, "bad_request")
    assert "octal" in message
    message = await refused(op(api, "chown", path="x", owner="u" * 10_000), 400, "bad_request")
    assert "…" in message


# -- job ids the route refuses before any facility sees them ---------------------------------


@pytest.mark.parametrize(
    "job_id",
    ["%00", "1%00", "%EF%BC%91", "%C2%B2", "a%20b", "1%0A", "%2F", "x" * 129],
    ids=[
        "nul",
        "nul-after",
        "fullwidth-one",
        "superscript-two",
        "space",
        "newline",
        "slash",
        "long",
    ],
)
async def test_a_job_id_no_facility_uses_is_400(raw: Raw, job_id: str) -> None:
    jobs = "facilities/local/jobs"
    for tail, method in (
        (f"{jobs}/{job_id}", "GET"),
        (f"{jobs}/{job_id}", "DELETE"),
        (f"{jobs}/{job_id}/output", "GET"),
        (f"{jobs}/{job_id}/hold", "POST"),
    ):
        body = b"" if method == "POST" else None
        message = error_of(await raw(tail, method, body), 400)
        assert "job id" in message


async def test_a_path_that_is_not_unicode_text_is_400(api: API, jp_root_dir: Path) -> None:
    # JSON can carry a lone surrogate, which no filesystem name can be made of
    for name in ("mkdir", "delete"):
        body = '{"path": "bad\\ud800name"}'
        message = await refused(api(*FILES, name, method="POST", body=body), 400, "bad_request")
        assert "Unicode" in message
    assert os.listdir(jp_root_dir) == []
