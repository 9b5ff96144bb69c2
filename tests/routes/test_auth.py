"""Every route and verb of /hpc/api needs a credential; the kernel token opens /hpc/api only."""

from __future__ import annotations

import contextlib
import grp
import json
import os
import re
import stat
from collections.abc import Awaitable, Callable, Iterator, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from jupyter_server.auth import Authorizer
from jupyter_server.base.handlers import APIHandler
from tornado.httpclient import HTTPClientError, HTTPResponse
from tornado.simple_httpclient import HTTPStreamClosedError

from hpc_jupyter.backends.base import (
    BackendContext,
    FacilityBackend,
    FileBackend,
    JobBackend,
    UploadSink,
)
from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.backends.local.files import LocalFiles
from hpc_jupyter.models import AuthState, AuthStatus, System
from hpc_jupyter.routes import HANDLERS
from hpc_jupyter.routes.kernel_auth import HEADER

VERBS = ("get", "post", "put", "delete", "patch", "head")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
_LITERALS = re.compile(r"\w+(\|\w+)*")
SECRET_CONTENT = "top secret contents"
JOB_NAME = "secret-job"


def _handler_verbs(handler: type) -> list[str]:
    """The verbs a handler implements itself (not tornado's 405 nor Jupyter's OPTIONS)."""
    return [verb for verb in VERBS if getattr(handler, verb) is not getattr(APIHandler, verb)]


def _expand_literal_groups(pattern: str) -> list[str]:
    """One pattern per literal alternative of a group such as `(?P<op>mkdir|move)`."""
    for group in _GROUP.finditer(pattern):
        if _LITERALS.fullmatch(group["body"]):
            head, tail = pattern[: group.start()], pattern[group.end() :]
            words = group["body"].split("|")
            return [p for word in words for p in _expand_literal_groups(head + word + tail)]
    return [pattern]


def _operations() -> list[tuple[str, str, str]]:
    """(route pattern, pattern with literal groups expanded, verb) for the whole route table."""
    return [
        (pattern, expanded, verb)
        for pattern, handler in HANDLERS
        for expanded in _expand_literal_groups(pattern)
        for verb in _handler_verbs(handler)
    ]


OPERATIONS = _operations()


def _display(expanded: str) -> str:
    """`hpc/api/facilities/(?P<facility>...)/jobs` -> `/hpc/api/facilities/{facility}/jobs`."""
    return "/" + _GROUP.sub(lambda m: "{" + m["name"] + "}", expanded)


def _id(operation: tuple[str, str, str]) -> str:
    return f"{operation[2].upper()} {_display(operation[1])}"


F = "/hpc/api/facilities/{facility}"
OWN_GROUP = grp.getgrgid(os.getegid()).gr_name  # chown to it needs no root
OCTET = {"Content-Type": "application/octet-stream"}
# A request for every operation that succeeds with a credential and would change something
# (or show something) if it were let through without one.
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("/hpc/api/info", "get"): {},
    ("/hpc/api/facilities", "get"): {},
    # No kernel runs here: past authentication the answer says so.
    ("/hpc/api/kernels/{kernel_id}/notebook", "get"): {"accepted": (404, "not_found")},
    (F, "get"): {},
    (F + "/files", "get"): {"params": {"path": "."}},
    (F + "/files/stat", "get"): {"params": {"path": "a.txt"}},
    (F + "/files/content", "get"): {"params": {"path": "a.txt"}},
    (F + "/files/content", "put"): {
        "params": {"path": "uploaded.txt"},
        "body": b"uploaded bytes",
        "headers": OCTET,
    },
    (F + "/files/mkdir", "post"): {"body": {"path": "made"}},
    (F + "/files/move", "post"): {"body": {"source": "a.txt", "target": "moved.txt"}},
    (F + "/files/copy", "post"): {"body": {"source": "a.txt", "target": "copied.txt"}},
    (F + "/files/delete", "post"): {"body": {"path": "a.txt"}},
    (F + "/files/chmod", "post"): {"body": {"path": "a.txt", "mode": "600"}},
    (F + "/files/chown", "post"): {"body": {"path": "a.txt", "group": OWN_GROUP}},
    (F + "/files/head", "get"): {"params": {"path": "a.txt", "lines": "1"}},
    (F + "/files/tail", "get"): {"params": {"path": "a.txt", "lines": "1"}},
    (F + "/files/checksum", "get"): {"params": {"path": "a.txt"}},
    (F + "/jobs", "get"): {},
    (F + "/jobs", "post"): {"body": {"script": "#!/bin/bash\ntouch submitted\n"}},
    (F + "/jobs/{job_id}", "get"): {},
    (F + "/jobs/{job_id}", "delete"): {},
    (F + "/jobs/{job_id}/output", "get"): {},
    (F + "/jobs/{job_id}/submission", "get"): {},  # the world's job, and its secret env
    (F + "/partitions", "get"): {},
    (F + "/status", "get"): {},
    (F + "/jobs/check", "post"): {"body": {"script": "#!/bin/bash\n#SBATCH -t 10\ntrue\n"}},
    # The world's job runs on the local facility, which holds only pending jobs and does not
    # requeue: past authentication these answer the facility's own refusal (see `accepted`).
    (F + "/jobs/{job_id}/hold", "post"): {"accepted": (409, "conflict")},
    (F + "/jobs/{job_id}/release", "post"): {"accepted": (409, "conflict")},
    (F + "/jobs/{job_id}/requeue", "post"): {"accepted": (400, "not_supported")},
    # The local facility takes no login: past authentication these say so.
    (F + "/login", "get"): {"accepted": (400, "not_supported")},
    (F + "/login", "post"): {"accepted": (400, "not_supported")},
    (F + "/login", "delete"): {"accepted": (400, "not_supported")},
    (F + "/login/code", "post"): {"body": {"code": "x"}, "accepted": (400, "not_supported")},
}


# -- fixtures ---------------------------------------------------------------------------------

Send = Callable[..., Awaitable[HTTPResponse]]


@pytest.fixture
def world(
    hpc_server: Any, api: Any, jp_root_dir: Path, jp_asyncio_loop: Any
) -> Iterator[dict[str, str]]:
    """A file and a running job that a refused request must leave exactly as they are."""
    (jp_root_dir / "a.txt").write_text(SECRET_CONTENT)
    (jp_root_dir / "a.txt").chmod(0o644)
    (jp_root_dir / "run").mkdir()
    job = jp_asyncio_loop.run_until_complete(
        api(
            "facilities",
            "local",
            "jobs",
            method="POST",
            body={
                "script": "#!/bin/bash\necho $GREETING\nsleep 30\n",
                "name": JOB_NAME,
                "workdir": "run",
                "env": {"GREETING": SECRET_CONTENT},
            },
        )
    )
    yield {"facility": "local", "job_id": job["id"], "kernel_id": "0b6a1c2e-none"}
    # Jobs outlive the server, as batch jobs do: do not leave this one sleeping.
    with contextlib.suppress(HTTPClientError):  # already cancelled by the test
        jp_asyncio_loop.run_until_complete(
            api("facilities", "local", "jobs", job["id"], method="DELETE")
        )


@pytest.fixture
def send(hpc_server: Any, http_server_client: Any, jp_base_url: str) -> Send:
    """A request with exactly the headers given: no credential is added."""

    async def call(
        path: str,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> HTTPResponse:
        headers = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        query = urlencode(params or {})
        response: HTTPResponse = await http_server_client.fetch(
            jp_base_url.rstrip("/") + path + (f"?{query}" if query else ""),
            method=method,
            headers=headers,
            body=body,
            raise_error=False,
            follow_redirects=False,
            allow_nonstandard_methods=True,
        )
        return response

    return call


def concrete(operation: tuple[str, str, str], values: Mapping[str, str]) -> str:
    pattern, expanded, _verb = operation
    path = _GROUP.sub(lambda m: values[m["name"]], expanded)
    assert re.fullmatch(pattern, path), (pattern, path)  # the route table serves this path
    return "/" + path


async def send_operation(
    send: Send,
    operation: tuple[str, str, str],
    values: Mapping[str, str],
    headers: Mapping[str, str],
) -> HTTPResponse:
    spec = REQUESTS[(_display(operation[1]), operation[2])]
    return await send(
        concrete(operation, values),
        method=operation[2].upper(),
        headers={**spec.get("headers", {}), **headers},
        params=spec.get("params"),
        body=spec.get("body"),
    )


def assert_refused(response: HTTPResponse) -> None:
    """403 (or 401) with Jupyter's bare error body: nothing of the facility in it."""
    assert response.code in (401, 403), (response.code, response.body)
    body = json.loads(response.body)
    assert set(body) <= {"message", "reason"}
    assert body["reason"] is None  # Jupyter's own refusal, not one of ours
    for marker in (SECRET_CONTENT, "a.txt", JOB_NAME, "localhost", "hpc-kernel"):
        assert marker not in response.body.decode(), marker
    assert "Content-Disposition" not in response.headers


async def assert_untouched(api: Any, root: Path, job_id: str) -> None:
    """The world fixture's file and job, as they were."""
    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "run"]
    assert (root / "a.txt").read_text() == SECRET_CONTENT
    assert stat.S_IMODE((root / "a.txt").stat().st_mode) == 0o644
    jobs = (await api("facilities", "local", "jobs"))["jobs"]
    assert [(job["id"], job["state"]) for job in jobs] in (
        [(job_id, "PENDING")],
        [(job_id, "RUNNING")],
    )


# -- the route table ----------------------------------------------------------------------------


def test_every_operation_has_a_request_here() -> None:
    # A new route or verb must be added to REQUESTS, and so to every test below.
    assert {(_display(op[1]), op[2]) for op in OPERATIONS} == set(REQUESTS)
    assert len(OPERATIONS) == len(REQUESTS)


# -- refused without a valid credential ---------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
async def test_refused_without_a_valid_credential(
    operation: tuple[str, str, str],
    send: Send,
    api: Any,
    world: dict[str, str],
    hpc_app: Any,
    jp_root_dir: Path,
) -> None:
    jupyter_token = hpc_app.serverapp.identity_provider.token
    for headers in [
        {},  # nothing, and no cookie either
        {HEADER: "not-the-kernel-token"},
        {HEADER: ""},
        {HEADER: hpc_app.kernel_token[:-1]},  # a prefix of the right one
        {"Authorization": f"token {hpc_app.kernel_token}"},  # kernel token, wrong header
        {"Authorization": f"token {jupyter_token}x"},
        {"X-HPC-Kernel-Token": jupyter_token},  # the Jupyter token is not a kernel token
    ]:
        response = await send_operation(send, operation, world, headers)

        assert_refused(response)
    await assert_untouched(api, jp_root_dir, world["job_id"])


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
async def test_kernel_token_in_the_query_is_refused(
    operation: tuple[str, str, str],
    send: Send,
    world: dict[str, str],
    hpc_app: Any,
    api: Any,
    jp_root_dir: Path,
) -> None:
    spec = REQUESTS[(_display(operation[1]), operation[2])]
    response = await send(
        concrete(operation, world),
        method=operation[2].upper(),
        headers=spec.get("headers"),
        params={**spec.get("params", {}), "token": hpc_app.kernel_token},
        body=spec.get("body"),
    )

    assert_refused(response)
    await assert_untouched(api, jp_root_dir, world["job_id"])


# -- accepted with the Jupyter token or the kernel token ----------------------------------------


@pytest.mark.parametrize("credential", ["jupyter", "kernel"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
async def test_accepted_with_the_jupyter_or_the_kernel_token(
    operation: tuple[str, str, str],
    credential: str,
    send: Send,
    world: dict[str, str],
    hpc_app: Any,
    jp_auth_header: dict[str, str],
) -> None:
    headers = jp_auth_header if credential == "jupyter" else {HEADER: hpc_app.kernel_token}

    response = await send_operation(send, operation, world, headers)

    accepted = REQUESTS[(_display(operation[1]), operation[2])].get("accepted")
    if accepted is None:
        assert 200 <= response.code < 300, (response.code, response.body)
    else:  # hpc-jupyter's own answer about the job, so the request got past Jupyter's checks
        assert (response.code, json.loads(response.body)["reason"]) == accepted, response.body


# -- the kernel token opens nothing else of the server ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/contents", None),
        ("GET", "/api/contents/a.txt", None),
        ("PUT", "/api/contents/b.txt", {"type": "file", "format": "text", "content": "x"}),
        ("GET", "/api/kernels", None),
        ("GET", "/api/sessions", None),
        ("GET", "/api/kernelspecs", None),
        ("GET", "/api/config/notebook", None),
        ("GET", "/api/me", None),
        ("GET", "/api/status", None),
    ],
)
async def test_kernel_token_is_refused_on_jupyter_routes(
    method: str,
    path: str,
    body: Any,
    send: Send,
    world: dict[str, str],
    hpc_app: Any,
    hpc_server: Any,
    jp_auth_header: dict[str, str],
    jp_root_dir: Path,
) -> None:
    refused = await send(path, method, headers={HEADER: hpc_app.kernel_token}, body=body)
    kernels_after_refusal = list(hpc_server.kernel_manager.list_kernel_ids())
    files_after_refusal = sorted(p.name for p in jp_root_dir.iterdir())
    accepted = await send(path, method, headers=jp_auth_header, body=body)  # the control

    assert refused.code == 403, refused.body
    assert SECRET_CONTENT not in refused.body.decode()
    assert kernels_after_refusal == []
    assert files_after_refusal == ["a.txt", "run"]
    assert 200 <= accepted.code < 300, accepted.body


async def test_kernel_token_cannot_start_a_kernel_or_a_session(
    send: Send, hpc_app: Any, hpc_server: Any
) -> None:
    kernel = {HEADER: hpc_app.kernel_token}
    session = {"path": "x.ipynb", "type": "notebook", "name": "x", "kernel": {"name": "python3"}}

    responses = [
        await send("/api/kernels", "POST", kernel, None, {"name": "python3"}),
        await send("/api/sessions", "POST", kernel, None, session),
    ]

    assert [r.code for r in responses] == [403, 403]
    assert list(hpc_server.kernel_manager.list_kernel_ids()) == []


# -- cookies: Jupyter's XSRF protection holds on /hpc/api ---------------------------------------


async def login_cookie(send: Send, jp_auth_header: dict[str, str]) -> str:
    """The login cookie Jupyter sets on a token-authenticated request, as a Cookie header."""
    response = await send("/hpc/api/info", headers=jp_auth_header)
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    cookie = "; ".join(f"{name}={morsel.coded_value}" for name, morsel in jar.items())
    assert cookie, "the token login set no cookie"
    return cookie


async def test_login_cookie_needs_xsrf_for_changes(
    send: Send,
    api: Any,
    world: dict[str, str],
    jp_auth_header: dict[str, str],
    jp_root_dir: Path,
) -> None:
    # Given the login cookie a browser gets after a token login
    login = await login_cookie(send, jp_auth_header)
    cookie_only = {"Cookie": login}
    with_xsrf = {"Cookie": f"{login}; _xsrf=the-xsrf-value", "X-XSRFToken": "the-xsrf-value"}
    job = f"/hpc/api/facilities/local/jobs/{world['job_id']}"

    # Then it reads, but changes nothing without the XSRF token
    listing = await send("/hpc/api/facilities/local/files", headers=cookie_only)
    refused = [
        await send(
            "/hpc/api/facilities/local/files/mkdir", "POST", cookie_only, None, {"path": "made"}
        ),
        await send(
            "/hpc/api/facilities/local/files/content",
            "PUT",
            {**cookie_only, **OCTET},
            {"path": "uploaded.txt"},
            b"bytes",
        ),
        await send(job, "DELETE", cookie_only),
        await send(job, "DELETE", {**cookie_only, "X-XSRFToken": "guessed"}),
    ]

    assert listing.code == 200
    for response in refused:
        assert response.code == 403, response.body
        assert "xsrf" in json.loads(response.body)["message"].lower()
    await assert_untouched(api, jp_root_dir, world["job_id"])
    # ...and with it, it does
    made = await send(
        "/hpc/api/facilities/local/files/mkdir", "POST", with_xsrf, None, {"path": "made"}
    )
    assert made.code == 201, made.body
    assert (jp_root_dir / "made").is_dir()


# -- OPTIONS, the one verb Jupyter leaves open for CORS preflight, tells nothing -----------------


async def test_options_preflight_shows_no_data(send: Send, world: dict[str, str]) -> None:
    for path in ["/hpc/api/facilities/local", "/hpc/api/facilities/local/files/content"]:
        response = await send(path, "OPTIONS")

        assert response.code in (200, 204)
        assert response.body == b""


# -- authorization: every verb asks the server's authorizer, for resource "hpc" ------------------


class DenyAllAuthorizer(Authorizer):
    """Refuses everything and remembers what it was asked."""

    asked: list[tuple[str, str]]

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        self.asked.append((action, resource))
        return False


@pytest.mark.parametrize("operation", OPERATIONS, ids=_id)
async def test_every_verb_asks_the_authorizer(
    operation: tuple[str, str, str],
    send: Send,
    api: Any,
    world: dict[str, str],
    hpc_server: Any,
    jp_auth_header: dict[str, str],
    jp_root_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authorizer = DenyAllAuthorizer(identity_provider=hpc_server.identity_provider)
    authorizer.asked = []
    monkeypatch.setitem(hpc_server.web_app.settings, "authorizer", authorizer)

    response = await send_operation(send, operation, world, jp_auth_header)

    assert response.code == 403, response.body
    assert SECRET_CONTENT not in response.body.decode()
    action = "read" if operation[2] == "get" else "write"
    assert authorizer.asked == [(action, "hpc")]
    monkeypatch.undo()
    await assert_untouched(api, jp_root_dir, world["job_id"])


@pytest.mark.parametrize("refusal", ["no credential", "cookie without xsrf", "authorizer"])
async def test_a_refused_upload_never_reaches_the_facility(
    refusal: str,
    send: Send,
    hpc_server: Any,
    jp_auth_header: dict[str, str],
    jp_root_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An upload streams its body to the facility as it arrives (prepare/data_received), before
    # put() and its decorators run: every refusal must come before the first byte.
    opened: list[str] = []
    open_upload = LocalFiles.open_upload

    async def recording_open_upload(self: LocalFiles, system: str, path: str) -> UploadSink:
        opened.append(path)
        return await open_upload(self, system, path)

    monkeypatch.setattr(LocalFiles, "open_upload", recording_open_upload)
    headers = {**OCTET}
    if refusal == "cookie without xsrf":
        headers["Cookie"] = await login_cookie(send, jp_auth_header)
    elif refusal == "authorizer":
        headers.update(jp_auth_header)
        authorizer = DenyAllAuthorizer(identity_provider=hpc_server.identity_provider)
        authorizer.asked = []
        monkeypatch.setitem(hpc_server.web_app.settings, "authorizer", authorizer)
    content = "/hpc/api/facilities/local/files/content"

    refused = await send(content, "PUT", headers, {"path": "up.bin"}, b"x" * 300_000)

    assert refused.code == 403, refused.body
    assert opened == []
    assert list(jp_root_dir.iterdir()) == []
    # The control: the same upload with the token goes through.
    monkeypatch.undo()
    accepted = await send(
        content, "PUT", {**OCTET, **jp_auth_header}, {"path": "up.bin"}, b"x" * 300_000
    )
    assert accepted.code == 201, accepted.body
    assert (jp_root_dir / "up.bin").stat().st_size == 300_000


# -- the runtime file that tells kernels how to reach the server --------------------------------

FACILITY_SECRET = "facility-password-9f8e7d"


class VaultFacility(FacilityBackend):
    """A facility with a credential in its configuration, and nothing else."""

    kind = "vault"

    def __init__(self, name: str, password: str) -> None:
        super().__init__(name)
        self._password = password

    @classmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> VaultFacility:
        return cls(name, str(options["password"]))

    @property
    def files(self) -> FileBackend | None:
        return None

    @property
    def jobs(self) -> JobBackend | None:
        return None

    async def systems(self) -> list[System]:
        return [System(name="vault-1", default=True)]

    async def auth_state(self) -> AuthState:
        return AuthState(AuthStatus.OK)


class TestRuntimeFile:
    """With a facility that has a password configured."""

    @pytest.fixture
    def hpc_facilities(self, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        monkeypatch.setattr(
            "hpc_jupyter.app.discover_backends",
            lambda: {"local": LocalFacility, "vault": VaultFacility},
        )
        return {
            "local": {"kind": "local"},
            "vault": {"kind": "vault", "password": FACILITY_SECRET},
        }

    async def test_runtime_file_is_private_and_holds_only_the_kernel_credential(
        self, hpc_app: Any, hpc_server: Any, send: Send
    ) -> None:
        path = Path(hpc_app.runtime_file)

        info = json.loads(path.read_text())
        mode = stat.S_IMODE(path.stat().st_mode)

        assert path.parent == Path(hpc_server.runtime_dir)
        assert mode == 0o600, oct(mode)
        assert set(info) == {"url", "token", "pid", "version"}
        assert info["token"] == hpc_app.kernel_token
        assert info["pid"] == os.getpid()
        assert info["url"] == hpc_server.connection_url
        text = path.read_text()
        assert FACILITY_SECRET not in text
        assert hpc_server.identity_provider.token not in text
        # The credential in the file works, and shows the facility without its secret.
        response = await send("/hpc/api/facilities/vault", headers={HEADER: info["token"]})
        assert response.code == 200
        assert json.loads(response.body)["auth"]["status"] == "ok"
        assert FACILITY_SECRET not in response.body.decode()


# -- the matrix, from the route table: a cookie without XSRF on every unsafe operation ----------

UNSAFE = [operation for operation in OPERATIONS if operation[2] != "get"]


@pytest.mark.parametrize("operation", UNSAFE, ids=_id)
async def test_cookie_without_xsrf_is_refused_on_every_unsafe_operation(
    operation: tuple[str, str, str],
    send: Send,
    api: Any,
    world: dict[str, str],
    jp_auth_header: dict[str, str],
    jp_root_dir: Path,
) -> None:
    cookie = await login_cookie(send, jp_auth_header)
    for headers in [
        {"Cookie": cookie},
        {"Cookie": cookie, "X-XSRFToken": "guessed"},
        {"Cookie": f"{cookie}; _xsrf=one-value", "X-XSRFToken": "another-value"},
    ]:
        response = await send_operation(send, operation, world, headers)

        assert_refused(response)
        assert "xsrf" in json.loads(response.body)["message"].lower()
    await assert_untouched(api, jp_root_dir, world["job_id"])


# -- the kernel token on every other route of the server, Lab and terminals included ------------

# A value for each named group of Jupyter's route patterns, so every route can be requested.
GROUP_SAMPLES = {
    "path": "/a.txt",
    "kernel_id": "00000000-0000-0000-0000-000000000000",
    "session_id": "00000000-0000-0000-0000-000000000000",
    "checkpoint_id": "checkpoint",
    "section_name": "notebook",
    "kernel_name": "python3",
    "format": "html",
    "action": "restart",
    "term_name": "1",
    "schema_name": "@jupyterlab/apputils-extension:themes",
    "section": "@jupyterlab/apputils-extension:themes",
    "space_name": "default",
    "locale": "en",
    "name": "x",
    "mode": "lab",
    "workspace": "default",
    "tree_path": "a.txt",
    "path_": "a.txt",
}
CATCH_ALL = {"(.*)$", "/.*/$"}
"""Tornado's 404 and the trailing-slash redirect: patterns of every path, no route of their own."""
UNANSWERED = ("/lab/api/licenses",)
"""JupyterLab 4.6's LicensesHandler refuses (403) but never sends it: its `finish` is a
coroutine that tornado's error path does not await, so the request hangs, for anyone."""


def _sample_path(pattern: str) -> str:
    """A path the pattern matches: named groups from GROUP_SAMPLES, others their first form."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            name = pattern[i + 4 : pattern.index(">", i)]
            depth, j = 0, i
            while True:
                depth += {"(": 1, ")": -1}.get(pattern[j], 0) if pattern[j - 1 : j] != "\\" else 0
                j += 1
                if depth == 0:
                    break
            if pattern[j : j + 1] == "?":  # an optional group: leave it out
                j += 1
            else:
                out += GROUP_SAMPLES.get(name, "x")
            i = j
        elif pattern[i] == "(" and pattern[i - 1 : i] != "\\":
            j = pattern.index(")", i)
            body = pattern[i + 1 : j].removeprefix("?:")
            first = body.split("|")[0]
            out += "x" if first in (".*", "[^/]+", ".+", "\\w+") else first
            i = j + 1
            if pattern[i : i + 1] == "?":
                i += 1
        else:
            out += pattern[i]
            i += 1
    path = out.lstrip("^").removesuffix("$").replace("\\.", ".").replace("/?", "/")
    return path.replace("//", "/")


def _jupyter_routes(server: Any) -> list[tuple[str, str, str]]:
    """(pattern, sample path, verb) for every route of the server that is not hpc-jupyter's."""
    from tornado.web import RequestHandler

    def rules(router: Any) -> Iterator[Any]:
        # Extensions add their handlers as routers of their own next to the server's
        for rule in router.rules:
            if hasattr(rule.target, "rules"):
                yield from rules(rule.target)
            else:
                yield rule

    routes = []
    for rule in rules(server.web_app.default_router):
        pattern = rule.matcher.regex.pattern
        local = pattern.removeprefix(server.base_url.rstrip("/"))
        if "/hpc/api" in pattern or local in CATCH_ALL or local.startswith(UNANSWERED):
            continue
        handler = rule.target
        verbs = [
            verb
            for verb in ("get", "post", "put", "patch", "delete")
            if getattr(handler, verb, None) is not getattr(RequestHandler, verb)
        ]
        path = _sample_path(pattern)
        assert re.fullmatch(pattern, path), (pattern, path)  # a new route shape: add a sample
        routes.extend((pattern, path, verb) for verb in verbs)
    return routes


class TestKernelTokenOnEveryOtherRoute:
    """With JupyterLab and terminals loaded, as a user's server has them.

    Jupyter's default `allow_unauthenticated_access` (True), as users run it: with False,
    jupyter_server_terminals 0.5 refuses to load (its websocket lacks Jupyter's decorator).
    Every route still checks its own credential; the test compares with no credential at all.
    """

    @pytest.fixture
    def jp_server_config(self, hpc_data_dir: Path) -> dict[str, Any]:
        return {
            "ServerApp": {
                "jpserver_extensions": {
                    "hpc_jupyter": True,
                    "jupyterlab": True,
                    "jupyter_server_terminals": True,
                },
                "allow_unauthenticated_access": True,
                "terminals_enabled": True,
            },
            "HPCJupyterApp": {"data_dir": str(hpc_data_dir), "facilities": {}},
        }

    async def test_the_kernel_token_opens_nothing_a_stranger_cannot_open(
        self, send: Send, hpc_app: Any, hpc_server: Any, jp_root_dir: Path
    ) -> None:
        (jp_root_dir / "a.txt").write_text(SECRET_CONTENT)
        routes = _jupyter_routes(hpc_server)
        base = hpc_server.base_url.rstrip("/")
        shown = {path.removeprefix(base) for _, path, _ in routes}
        # The routes a kernel must never reach are in the table (else this test proves little)
        for needed in ("/api/contents/a.txt", "/api/kernels", "/api/sessions", "/api/terminals"):
            assert needed in shown, " ".join(sorted(shown))
        assert any(path.startswith("/lab") for path in shown)

        async def answer(path: str, verb: str, headers: dict[str, str]) -> tuple[int, str]:
            body = b"{}" if verb in ("post", "put", "patch") else None
            try:
                response = await send(path, verb.upper(), headers, None, body)
            except HTTPStreamClosedError:  # a route that fails for anyone (jupyterlab's robots.txt)
                return 599, ""
            return response.code, response.body.decode(errors="replace")

        opened = []
        for pattern, path, verb in routes:
            path = path.removeprefix(base)
            kernel, shown_to_kernel = await answer(path, verb, {HEADER: hpc_app.kernel_token})
            stranger, _ = await answer(path, verb, {})
            # Refused (403, or the login page's redirect) unless the route is open to anyone
            if 200 <= kernel < 300 and not 200 <= stranger < 300:
                opened.append(f"{verb.upper()} {path} ({pattern}): {kernel}")
            assert SECRET_CONTENT not in shown_to_kernel, path

        assert opened == []
        assert list(hpc_server.kernel_manager.list_kernel_ids()) == []
        assert hpc_server.web_app.settings["terminal_manager"].list() == []
        assert sorted(p.name for p in jp_root_dir.iterdir()) == ["a.txt"]
