"""An IRI Facility API v1 test double: a real HTTP server answering like the reference server.

Its responses have the shapes recorded from the reference implementation (`data/*.json`, from
`shared/samples/iri-demo`), filled in from a small filesystem under a temporary directory and a
toy scheduler. Every request is checked against the official v1 spec (`iri_spec`). It also plays
Globus Auth (`/auth/v2/oauth2/...`): the token endpoint for refresh-token grants, and a native
app's login with PKCE (the authorize page shows the code to paste, as Globus's auth-code page
does; the authorization-code grant checks the verifier against the challenge).

Status scenarios, set with `FakeIRI.set_status(...)` (keyword arguments, each optional):
`resources={"compute nodes": "down"}` changes resources' `current_status` in
`GET /status/resources` (recorded: compute and login nodes degraded, Iris down);
`incidents=[incident("planned", start, end)]` replaces what `GET /status/incidents` lists
(recorded: 53 incidents of March 2025, all ended). Accounts answer the recorded projects,
allocations (`Staff research project`: CPU, GPU, tape and GPFS) and one user's CPU share;
any call can fail on demand: `fake.fail("GET", "/status/incidents", 500)`.

Where the demo adapter is odd, the double does what the spec describes instead: `ls` lists a
directory's entries (the demo lists the directory itself) and an unknown job is a 404 (the demo
invents one).
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import json
import os
import secrets
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tornado.httpserver import HTTPServer

from tests.double_server import DoubleHandler, load_sample, serve, take_failure
from tests.iri.iri_spec import violations

DATA = Path(__file__).parent / "data"
PREFIX = "/api/v1"
HOME = "/home/iriuser"
CLIENT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
RESOURCE_SERVER = "iri-api"
COMPUTE_ID = "233cba12-fbfe-522b-9d41-dc586051b64d"  # "compute nodes", group perlmutter
STORAGE_ID = "bcc15dde-0ab6-5d31-9f20-7336adb60968"  # "hpss", as the demo's file calls used


def sample(name: str) -> dict[str, Any]:
    """A recorded exchange (`{request, status, headers, body}`) by its file name's start."""
    return load_sample(DATA, f"{name}-*.json")


def problem(name: str, detail: str | None = None, status: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(sample(name)["body"])
    if detail is not None:
        body["detail"] = detail
    if status is not None:
        body["status"] = status
    return body


@dataclass
class FakeJob:
    id: str
    spec: dict[str, Any]
    state: str = "queued"
    time: float = field(default_factory=time.time)
    exit_code: int = 0
    message: str = "job submitted"


@dataclass
class FakeTask:
    id: str
    status: str
    output: Any
    polls_left: int
    polls: list[float] = field(default_factory=list)


@dataclass
class Failure:
    method: str
    path: str
    status: int
    body: Any
    times: int


@dataclass
class FakeIRI:
    """The double's state; tests steer it through its attributes and methods."""

    root: Path
    """The user's home on the storage resource (`/home/iriuser`)."""
    url: str = ""
    tokens: dict[str, float] = field(default_factory=dict)
    """Valid access tokens and when they expire (Unix seconds)."""
    refresh_tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, Authorization header) of every request."""
    problems: list[str] = field(default_factory=list)
    """Requests the spec does not allow; every test checks it stays empty."""
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    busy_polls: int = 1
    """How many polls a new task answers `active` before its result."""
    task_failures: dict[str, str] = field(default_factory=dict)
    """Operation (`ls`, `mkdir`, ...) → output of a failed task, for its next task."""
    failures: list[Failure] = field(default_factory=list)
    access_ttl: int = 48 * 3600
    next_id: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Authorization codes not yet exchanged: their PKCE challenge, redirect URI and scope."""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    resource_status: dict[str, str] = field(default_factory=dict)
    """Resource name -> `current_status` in place of the recorded one (`set_status`)."""
    incidents: list[dict[str, Any]] | None = None
    """What `/status/incidents` lists; the recorded incidents when None (`set_status`)."""

    # -- steering -------------------------------------------------------------------------

    def new_pair(self, ttl: float | None = None) -> tuple[str, str]:
        """A fresh access token (valid `ttl` seconds) and a refresh token Globus accepts."""
        access = "acc-" + secrets.token_urlsafe(16)
        refresh = "ref-" + secrets.token_urlsafe(16)
        self.tokens[access] = time.time() + (self.access_ttl if ttl is None else ttl)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def set_status(
        self,
        *,
        resources: dict[str, str] | None = None,
        incidents: list[dict[str, Any]] | None = None,
    ) -> None:
        """Serve a status scenario (see the module's docstring); what is not given is kept."""
        if resources is not None:
            self.resource_status = dict(resources)
        if incidents is not None:
            self.incidents = list(incidents)

    def revoke_all(self) -> None:
        """Every access token stops working (expired or revoked under the client)."""
        self.tokens.clear()

    def fail(self, method: str, path: str, status: int, body: Any = None, times: int = 1) -> None:
        """Answer the next `times` requests matching method and path prefix with an error."""
        self.failures.append(Failure(method, PREFIX + path, status, body, times))

    def finish_job(self, job_id: str, exit_code: int = 0, output: str | None = None) -> None:
        """The job ends; its stdout file gets `output` (default: a greeting)."""
        job = self.jobs[job_id]
        job.state = "completed" if exit_code == 0 else "failed"
        job.exit_code = exit_code
        job.time = time.time()
        job.message = "job completed successfully" if exit_code == 0 else "job failed"
        stdout = job.spec.get("stdout_path")
        if stdout:
            local = self.local(stdout)
            if local is not None and local.parent.is_dir():
                local.write_text(output if output is not None else f"hello from {job_id}\n")

    def local(self, path: str) -> Path | None:
        """Where a path of the storage lives here; None outside the user's home."""
        full = os.path.normpath(path if path.startswith("/") else os.path.join(HOME, path))
        if full != HOME and not full.startswith(HOME + "/"):
            return None
        return self.root / os.path.relpath(full, HOME)

    def polls(self) -> list[list[float]]:
        return [task.polls for task in self.tasks.values()]

    # -- helpers --------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        self.next_id += 1
        return f"{kind}_{self.next_id}"

    def row(self, path: Path, name: str) -> dict[str, Any]:
        """An `ls` row in the recorded shape (27-fs-ls-task)."""
        info = path.lstat()
        kind = (
            "link"
            if stat.S_ISLNK(info.st_mode)
            else "directory"
            if stat.S_ISDIR(info.st_mode)
            else "file"
        )
        moment = datetime.datetime.fromtimestamp(info.st_mtime, datetime.timezone.utc)
        return {
            "name": name,
            "type": kind,
            "link_target": os.readlink(path) if kind == "link" else None,
            "user": "iriuser",
            "group": "iriuser",
            "permissions": stat.filemode(info.st_mode),
            "last_modified": moment.strftime("%Y-%m-%d %H:%M:%S"),
            "size": str(info.st_size),
        }

    def job_body(self, job: FakeJob, include_spec: bool) -> dict[str, Any]:
        body: dict[str, Any] = copy.deepcopy(sample("18")["body"])
        body["id"] = job.id
        body["status"].update(
            state=job.state, time=job.time, message=job.message, exit_code=job.exit_code
        )
        if include_spec:
            body["job_spec"] = job.spec
        return body


def incident(
    kind: str,
    start: float,
    end: float,
    resources: tuple[str, ...] = (COMPUTE_ID,),
    resolution: str = "pending",
    name: str = "maintenance of compute nodes",
) -> dict[str, Any]:
    """An incident in the recorded shape (07-status-incidents): `planned`, `unplanned`..."""
    row: dict[str, Any] = copy.deepcopy(sample("07")["body"][0])
    moment = datetime.datetime.fromtimestamp
    utc = datetime.timezone.utc
    row.update(
        id=f"incident-{name.replace(' ', '-')}",
        name=name,
        description=name,
        type=kind,
        resolution=resolution,
        start=moment(start, utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end=moment(end, utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        event_uris=[],
        resource_uris=[f"http://127.0.0.1:8300{PREFIX}/status/resources/{r}" for r in resources],
    )
    return row


class Failed(Exception):
    """A filesystem operation fails; its task reports `output`."""

    def __init__(self, output: str) -> None:
        self.output = output


class IRIHandler(DoubleHandler[FakeIRI]):
    """Every request: Globus token grants, spec check, token check, injected failures, routes."""

    def reply(self, status: int, body: Any = None) -> None:
        self.set_status(status)
        if status == 204:
            self.finish()
            return
        problem_body = isinstance(body, dict) and "instance" in body and status >= 400
        kind = "application/problem+json" if problem_body else "application/json"
        self.set_header("Content-Type", kind)
        self.finish(json.dumps(body))

    async def dispatch(self) -> None:
        fake = self.fake
        method = self.request.method or "GET"
        path = self.request.path
        fake.requests.append((method, path, self.request.headers.get("Authorization", "")))
        if path == "/auth/v2/oauth2/token":
            self.globus_token()
            return
        if path == "/auth/v2/oauth2/authorize":
            self.globus_authorize()
            return
        problems = violations(self.request)
        if problems:
            fake.problems.append(f"{method} {path}: {problems}")
            self.reply(422, problem("25", f"request does not match the spec: {problems[0]}", 422))
            return
        if not path.startswith(PREFIX + "/status/") and not self.authorised():
            return
        failure = take_failure(fake.failures, method, path)
        if failure is not None:
            self.reply(failure.status, failure.body)
            return
        route(self, method, path[len(PREFIX) :])

    def globus_authorize(self) -> None:
        """The user logged in and consented: show the code to paste (Globus's auth-code page)."""
        args = {k: v[0].decode() for k, v in self.request.query_arguments.items()}
        self.fake.authorize_requests.append(args)
        if (
            args.get("client_id") != CLIENT_ID
            or args.get("response_type") != "code"
            or args.get("code_challenge_method") != "S256"
            or not args.get("code_challenge")
        ):
            self.set_status(400)
            self.finish("bad authorize request")
            return
        code = "code-" + secrets.token_urlsafe(12)
        self.fake.codes[code] = {
            "challenge": args["code_challenge"],
            "redirect_uri": args.get("redirect_uri", ""),
            "scope": args.get("scope", ""),
        }
        self.set_header("Content-Type", "text/html")
        self.finish(f"<html><body>Native App Authorization Code: <code>{code}</code></body></html>")

    def globus_code_grant(self, form: dict[str, str]) -> None:
        asked = self.fake.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            asked is None
            or form.get("client_id") != CLIENT_ID
            or form.get("redirect_uri") != asked["redirect_uri"]
            or challenge != asked["challenge"]
        ):
            self.set_status(400)
            self.finish({"error": "invalid_grant"})
            return
        access, refresh = self.fake.new_pair()
        self.finish(
            {
                "access_token": "auth-access-not-ours",
                "expires_in": self.fake.access_ttl,
                "resource_server": "auth.globus.org",
                "scope": "openid",
                "token_type": "Bearer",
                "refresh_token": "auth-refresh-not-ours",
                "other_tokens": [
                    {
                        "access_token": access,
                        "refresh_token": refresh,
                        "expires_in": self.fake.access_ttl,
                        "resource_server": RESOURCE_SERVER,
                        "scope": "iri",
                        "token_type": "Bearer",
                    }
                ],
            }
        )

    def globus_token(self) -> None:
        form = self.form()
        self.fake.token_requests.append(form)
        if form.get("grant_type") == "authorization_code":
            self.globus_code_grant(form)
            return
        refresh = form.get("refresh_token", "")
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("client_id") != CLIENT_ID
            or refresh not in self.fake.refresh_tokens
        ):
            self.set_status(400)
            self.finish({"error": "invalid_grant"})
            return
        self.fake.refresh_tokens.discard(refresh)  # Globus may rotate refresh tokens
        access, new_refresh = self.fake.new_pair()
        self.finish(
            {
                "access_token": access,
                "refresh_token": new_refresh,
                "expires_in": self.fake.access_ttl,
                "resource_server": RESOURCE_SERVER,
                "scope": "iri",
                "token_type": "Bearer",
                "other_tokens": [],
            }
        )

    def authorised(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        token = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        if self.fake.tokens.get(token, 0) <= time.time():
            self.set_header("WWW-Authenticate", "Bearer")
            self.reply(401, problem("70"))
            return False
        return True

    def body_json(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.request.body or b"{}")
        return body


def route(h: IRIHandler, method: str, path: str) -> None:
    parts = path.strip("/").split("/")
    offset, limit = int(h.query("offset") or 0), int(h.query("limit") or 100)
    if parts[:2] == ["status", "resources"]:
        rows = copy.deepcopy(sample("04")["body"])
        for row in rows:
            row["current_status"] = h.fake.resource_status.get(row["name"], row["current_status"])
        h.reply(200, rows[offset : offset + limit])
    elif parts == ["status", "incidents"]:
        found = h.fake.incidents
        rows = sample("07")["body"] if found is None else found
        wanted = h.query("resolution")
        rows = [row for row in rows if wanted is None or row["resolution"] == wanted]
        h.reply(200, rows[offset : offset + limit])
    elif parts[0] == "account":
        account(h, parts[1:])
    elif parts[0] == "compute":
        compute(h, method, parts[1:])
    elif parts[0] == "filesystem" and len(parts) == 3:
        if parts[2] != STORAGE_ID:
            h.reply(404, problem("68", "Resource not found"))
            return
        start_task(h, parts[1])
    elif parts[0] == "task" and len(parts) == 2:
        poll_task(h, parts[1])
    else:
        h.reply(404, problem("68", "Not Found"))


def account(h: IRIHandler, parts: list[str]) -> None:
    """The recorded accounts: projects, one project's allocations, one allocation's user share."""
    allocations = sample("14")["body"]
    shares = sample("15")["body"]
    project = _last(allocations[0]["project_uri"])
    shared = _last(shares[0]["project_allocation_uri"])
    if parts == ["capabilities"]:
        h.reply(200, sample("11")["body"])
    elif parts == ["projects"]:
        h.reply(200, sample("12")["body"])
    elif len(parts) == 3 and parts[0] == "projects" and parts[2] == "project_allocations":
        h.reply(200, allocations if parts[1] == project else [])
    elif len(parts) == 5 and parts[0] == "projects" and parts[4] == "user_allocations":
        h.reply(200, shares if parts[3] == shared else [])
    else:
        h.reply(404, problem("68", "Not Found"))


def _last(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def compute(h: IRIHandler, method: str, parts: list[str]) -> None:
    fake = h.fake
    if len(parts) < 2 or parts[1] != COMPUTE_ID:
        h.reply(404, problem("68", "Resource not found"))
        return
    action, rest = parts[0], parts[2:]
    if action == "job" and method == "POST" and not rest:
        job = FakeJob(fake.new_id("job"), h.body_json())
        fake.jobs[job.id] = job
        h.reply(200, fake.job_body(job, include_spec=False))
    elif action == "status" and method == "POST" and not rest:
        historical = (h.query("historical") or "false") == "true"
        jobs = [j for j in fake.jobs.values() if historical or j.state not in FINAL]
        offset, limit = int(h.query("offset") or 0), int(h.query("limit") or 100)
        include = (h.query("include_spec") or "false") == "true"
        h.reply(200, [fake.job_body(j, include) for j in jobs[offset : offset + limit]])
    elif action in ("status", "cancel") and len(rest) == 1:
        job = fake.jobs.get(rest[0])
        if job is None:
            h.reply(404, problem("68", f"Job {rest[0]} not found"))
        elif action == "status":
            h.reply(200, fake.job_body(job, (h.query("include_spec") or "") == "true"))
        elif job.state in FINAL:
            h.reply(409, problem("68", f"Job {job.id} has already ended", 409))
        else:
            job.state, job.message, job.time = "canceled", "job canceled", time.time()
            h.reply(204)
    else:
        h.reply(404, problem("68", "Not Found"))


FINAL = frozenset({"completed", "failed", "canceled"})


def start_task(h: IRIHandler, op: str) -> None:
    fake = h.fake
    task_id = fake.new_id("task")
    failed = fake.task_failures.pop(op, None)
    try:
        if failed is not None:
            raise Failed(failed)
        output, status = filesystem(h, op), "completed"
    except Failed as failure:
        output, status = failure.output, "failed"
    fake.tasks[task_id] = FakeTask(task_id, status, output, fake.busy_polls)
    body = copy.deepcopy(sample("26")["body"])
    body.update(task_id=task_id, task_uri=f"{fake.url}{PREFIX}/task/{task_id}")
    h.reply(201 if op in ("mkdir", "symlink", "cp", "mv", "compress", "extract") else 200, body)


def poll_task(h: IRIHandler, task_id: str) -> None:
    task = h.fake.tasks.get(task_id)
    if task is None:
        h.reply(404, problem("68", f"Task {task_id} not found"))
        return
    task.polls.append(time.monotonic())
    if task.polls_left > 0:
        task.polls_left -= 1
        h.reply(200, {"id": task_id, "status": "active", "result": None})
        return
    body = copy.deepcopy(sample("27")["body"])
    body.update(id=task_id, status=task.status, result={"output": task.output})
    h.reply(200, body)


def _where(h: IRIHandler, path: str | None) -> Path:
    local = h.fake.local(path or "")
    if local is None:
        raise Failed(f"Error: 400: Path outside sandbox: {path}")  # as 65-fs-ls-escape-task
    return local


def _existing(h: IRIHandler, path: str | None) -> Path:
    local = _where(h, path)
    if not local.exists() and not local.is_symlink():
        raise Failed(f"Error: 404: No such file or directory: {path}")
    return local


def filesystem(h: IRIHandler, op: str) -> Any:
    fake = h.fake
    if op in ("ls", "stat", "view", "head", "tail", "download", "rm", "upload", "checksum"):
        where = h.query("path")
    else:
        body = h.body_json()
        where = body.get("path")
    if op == "ls":
        local = _where(h, where)
        if not local.exists():
            return []  # the demo lists a missing path as empty (63-fs-ls-missing-task)
        if not local.is_dir():
            return [fake.row(local, local.name)]
        names = sorted(os.listdir(local))
        if h.query("showHidden") != "true":
            names = [n for n in names if not n.startswith(".")]
        return [fake.row(local / n, n) for n in names]
    if op == "stat":
        info = _existing(h, where).lstat()
        keys = ("mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "ctime", "mtime")
        return {k: int(getattr(info, f"st_{k}")) for k in keys}
    if op in ("view", "head", "tail", "download"):
        local = _existing(h, where)
        if local.is_dir():
            raise Failed(f"Error: 400: Is a directory: {where}")
        data = local.read_bytes()
        if op == "download":
            return base64.b64encode(data).decode()
        if op == "view":
            offset, size = int(h.query("offset") or 0), int(h.query("size") or 5242880)
            chunk = data[offset : offset + size]
            shape = copy.deepcopy(sample("35")["body"]["result"]["output"])
            shape.update(
                content=chunk.decode(errors="replace"),
                start_position=offset,
                end_position=offset + len(chunk),
            )
            return shape
        count = int(h.query("lines") or 10)
        lines = data.decode(errors="replace").splitlines(keepends=True)
        text = "".join(lines[:count] if op == "head" else lines[-count:])
        shape = copy.deepcopy(sample("37")["body"]["result"]["output"])
        shape.update(content=text, end_position=len(text.encode()))
        return shape
    if op == "checksum":
        local = _existing(h, where)
        if local.is_dir():
            raise Failed(f"Error: 400: Is a directory: {where}")
        shape = copy.deepcopy(sample("41")["body"]["result"]["output"])
        shape.update(checksum=hashlib.sha256(local.read_bytes()).hexdigest())
        return shape
    if op == "upload":
        local = _where(h, where)
        (upload,) = h.request.files["file"]
        if not local.parent.is_dir():
            raise Failed(f"Error: 404: No such directory: {os.path.dirname(where or '')}")
        local.write_bytes(upload["body"])
        return f"Uploaded to {where}"
    if op == "mkdir":
        local = _where(h, where)
        if local.exists():
            raise Failed(f"Error: 409: File exists: {where}")
        try:
            local.mkdir(parents=bool(body.get("parent")))
        except FileNotFoundError:
            raise Failed(f"Error: 404: No such file or directory: {where}") from None
        return fake.row(local, local.name)
    if op in ("chmod", "chown"):
        local = _existing(h, where)
        if op == "chmod":
            local.chmod(int(body["mode"], 8))
        return fake.row(local, local.name)
    if op in ("mv", "cp"):
        source = _existing(h, where)
        target = _where(h, body["target_path"])
        if op == "mv":
            source.rename(target)
        elif source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)
        return fake.row(target, target.name)
    if op == "rm":
        local = _existing(h, where)
        if local.is_dir() and not local.is_symlink():
            shutil.rmtree(local)
        else:
            local.unlink()
        return f"Removed {where}"
    raise Failed(f"Error: 501: {op} is not part of this double")


async def start_fake(fake: FakeIRI) -> HTTPServer:
    """Serve the double on a free local port; `fake.url` says where."""
    server, fake.url = await serve(IRIHandler, fake)
    return server
