"""A FirecREST v2 test double: a real HTTP server answering like the recorded live server.

Its responses are the recorded ones (`data/*.json`, from `shared/samples/firecrest-v2-live`),
filled in from a small filesystem under a temporary directory and a toy scheduler. Every
request to the API is checked against the official spec (`spec_check`); staged transfers go
through a real S3 API (moto's server) with presigned URLs, as FirecREST's do.

Status scenarios (`/status/...`), for tests of a facility's status and of the checks before a
submit, set with `FakeFirecrest.set_status(...)` (keyword arguments, each optional):

- `unhealthy={"scheduler": "Slurm does not answer"}`: those services (`ssh`, `scheduler`,
  `filesystem`) are unhealthy in `GET /status/systems`; ssh or scheduler makes the system down,
  a filesystem alone degraded.
- `reservations=[reservation("maint_2026", start, end)]`: what `GET /status/{system}/reservations`
  lists (Unix seconds; a name, features or state with `maint` is a maintenance window).
- `partitions=[{"name": "debug", "cpus": 2, "totalNodes": 1, "partition": "DOWN"}]`: what
  `GET /status/{system}/partitions` lists. FirecREST reports no partition time limit.
- `accounting=False`: `GET /status/{system}/userinfo` fails with the 500 FirecREST gives without
  slurmdbd (recorded); by default it answers the recorded account `hpcproj` (default).

Any status call can also fail on demand: `fake.fail("GET", "/status/localcluster/partitions", 500)`.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import stat
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from tornado.httpserver import HTTPServer

from hpc_jupyter.backends.directives import expand_filename_pattern, parse_sbatch_directives
from tests.double_server import DoubleHandler, load_sample, serve, take_failure
from tests.firecrest.spec_check import violations

DATA = Path(__file__).parent / "data"
SYSTEM = "localcluster"
USER = "hpcuser"
CLIENT_ID = "hpc-jupyter-test"
CLIENT_SECRET = "s3cr3t-Client-Value-0123456789"
BUCKET = "firecrest-staging"


def sample(name: str) -> dict[str, Any]:
    """A recorded exchange (`{request, status, headers, body}`) by its file name's start."""
    return load_sample(DATA, f"{name}*.json")


def error_body(name: str, message: str | None = None) -> dict[str, Any]:
    body = copy.deepcopy(sample(name)["body"])
    if message is not None:
        body["message"] = message
    return body


@dataclass
class FakeJob:
    id: str
    name: str
    state: str
    workdir: str
    script: str
    stdout: str
    stderr: str
    start: int
    end: int | None = None
    exit_code: int = 0
    limit: int = 3600
    on_poll: Any = None  # a transfer job's work, done when the job is next looked at


@dataclass
class Failure:
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int
    drop_connection: bool


@dataclass
class FakeFirecrest:
    """The double's state; tests steer it through its methods."""

    root: Path
    s3: Any  # a boto3 S3 client on moto's server
    s3_url: str
    direct_limit: int = 5 * 1024 * 1024
    part_size: int = 8 * 1024 * 1024
    token_ttl: int = 300
    tokens: dict[str, float] = field(default_factory=dict)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, Authorization header) of every request, token requests included."""
    uris: list[str] = field(default_factory=list)
    """"METHOD /path?query" of every request, for tests that count what was asked of what."""
    token_requests: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Requests the spec does not allow; every test checks it stays empty."""
    dead: set[int] = field(default_factory=set)
    partitions: list[dict[str, Any]] | None = None
    """Rows `/status/{system}/partitions` answers; the recorded ones when None."""
    unhealthy: dict[str, str] = field(default_factory=dict)
    """Service type -> message: services `/status/systems` reports unhealthy (`set_status`)."""
    reservations: list[dict[str, Any]] = field(default_factory=list)
    """Rows `/status/{system}/reservations` answers (the recorded answer has none)."""
    accounting: bool = True
    """Whether Slurm has its accounting database: without it, `userinfo` fails (recorded 500)."""
    next_job: int = 100
    url: str = ""
    jwks_url: str | None = None
    """When set, tokens are JWTs checked against this JWKS (an IdP's), as FirecREST does."""
    jwt_audience: str | None = None
    accepted: list[tuple[float, str]] = field(default_factory=list)
    """(when, token) of every request whose IdP JWT the double accepted (with `jwks_url`)."""

    # -- steering -------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        drop_connection: bool = False,
    ) -> None:
        """Answer the next `times` requests matching method and path prefix with an error."""
        self.failures.append(
            Failure(method, path, status, body, headers or {}, times, drop_connection)
        )

    def set_status(
        self,
        *,
        unhealthy: dict[str, str] | None = None,
        reservations: list[dict[str, Any]] | None = None,
        partitions: list[dict[str, Any]] | None = None,
        accounting: bool | None = None,
    ) -> None:
        """Serve a status scenario (see the module's docstring); what is not given is kept."""
        if unhealthy is not None:
            self.unhealthy = dict(unhealthy)
        if reservations is not None:
            self.reservations = list(reservations)
        if partitions is not None:
            self.partitions = list(partitions)
        if accounting is not None:
            self.accounting = accounting

    def expire_tokens(self) -> None:
        """Every token given so far expires now, as if the clock had moved on."""
        for token in self.tokens:
            self.tokens[token] = time.time() - 1

    def finish_job(self, job_id: str, exit_code: int = 0) -> None:
        job = self.jobs[job_id]
        job.state = "COMPLETED" if exit_code == 0 else "FAILED"
        job.exit_code = exit_code
        job.end = int(time.time())

    def local(self, remote: str) -> Path:
        """Where a remote path lives in the double's filesystem."""
        return self.root / remote.lstrip("/")

    # -- helpers --------------------------------------------------------------------------

    def new_job_id(self) -> str:
        self.next_job += 1
        return str(self.next_job)

    def start_job(
        self, script: str, workdir: str, env: dict[str, str], default_name: str
    ) -> FakeJob:
        """A running job of `script`, its log paths from its directives as Slurm fills them in.

        Its stdout gets a greeting and the environment it was given, when its directory exists.
        """
        directives = parse_sbatch_directives(script)
        job_id = self.new_job_id()
        name = directives.get("job-name", default_name).strip('"')

        def where(pattern: str) -> str:
            filled = expand_filename_pattern(pattern.strip('"'), job_id, name, USER)
            return filled if filled.startswith("/") else os.path.join(workdir, filled)

        stdout = where(directives.get("output", "slurm-%j.out"))
        stderr = where(directives.get("error", directives.get("output", "slurm-%j.out")))
        job = FakeJob(job_id, name, "RUNNING", workdir, script, stdout, stderr, int(time.time()))
        self.jobs[job_id] = job
        log = self.local(stdout)
        if log.parent.is_dir():
            log.write_text(f"hello from {job_id}\n" + "".join(f"{k}={v}\n" for k, v in env.items()))
        return job

    def file_row(self, path: Path, name: str) -> dict[str, Any]:
        info = path.lstat()
        kind = "l" if stat.S_ISLNK(info.st_mode) else "d" if stat.S_ISDIR(info.st_mode) else "-"
        moment = datetime.datetime.fromtimestamp(info.st_mtime, datetime.timezone.utc)
        return {
            "name": name,
            "type": kind,
            "linkTarget": os.readlink(path) if kind == "l" else None,
            "user": USER,
            "group": USER,
            "permissions": stat.filemode(info.st_mode)[1:],
            "lastModified": moment.strftime("%Y-%m-%dT%H:%M:%S"),
            "size": str(info.st_size),
        }

    def transfer_job(self, name: str, log: str, on_poll: Any = None) -> dict[str, Any]:
        job_id = self.new_job_id()
        marker = uuid.uuid4()
        out = f"/home/{USER}/.f7t_file_handling_job_{marker}.log"
        err = f"/home/{USER}/.f7t_file_handling_job_error_{marker}.log"
        job = FakeJob(job_id, name, "RUNNING", f"/home/{USER}", "", out, err, int(time.time()))
        job.limit = 900
        self.jobs[job_id] = job

        def finish() -> None:
            ok = on_poll() if on_poll else True
            if ok is None:
                return  # still waiting (for the client's S3 upload)
            self.local(out).write_text(log if ok else "Transfer failed\n")
            self.local(err).write_text("")
            job.state = "COMPLETED" if ok else "FAILED"
            job.end = int(time.time())

        job.on_poll = finish
        if on_poll is None:
            finish()
        return {
            "jobId": job_id,
            "system": SYSTEM,
            "workingDirectory": f"/home/{USER}",
            "logs": {"outputLog": out, "errorLog": err},
        }


def reservation(
    name: str, start: float, end: float, features: str | None = None, state: str = "INACTIVE"
) -> dict[str, Any]:
    """A row of `/status/{system}/reservations` in the spec's shape (ReservationModel)."""
    return {
        "name": name,
        "nodeList": "vm",
        "startTime": int(start),
        "endTime": int(end),
        "state": state,
        "features": features,
    }


@functools.cache
def _jwks(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url)


class FirecrestHandler(DoubleHandler[FakeFirecrest]):
    """Every request: connection faults, spec check, token check, injected failures, routes."""

    app_headers: dict[str, str] = {"f7t-appversion": "2.x.x"}
    """Headers on every answer."""

    def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.set_status(status)
        for key, value in self.app_headers.items():
            self.set_header(key, value)
        for key, value in (headers or {}).items():
            self.set_header(key, value)
        if isinstance(body, bytes):
            self.set_header("Content-Type", "application/octet-stream")
            self.finish(body)
        elif status == 204:
            self.finish()
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body))

    def error(self, status: int, message: str) -> None:
        body = error_body("71")  # FirecREST's error shape, with our message
        body["message"] = message
        self.reply(status, body)
        if status >= 500:
            self.drop_after()

    def drop_after(self) -> None:
        """Like FirecREST after an unhandled error: the next request on this connection dies."""
        self.fake.dead.add(id(self.request.connection.stream))  # type: ignore[union-attr]

    async def dispatch(self) -> None:
        fake = self.fake
        method = self.request.method or "GET"
        path = self.request.path
        fake.requests.append((method, path, self.request.headers.get("Authorization", "")))
        fake.uris.append(f"{method} {self.request.uri}")
        stream = self.request.connection.stream  # type: ignore[union-attr]
        if id(stream) in fake.dead:  # one keep-alive connection, many requests
            fake.dead.discard(id(stream))
            stream.close()
            return
        if path == "/auth/token":
            self.token()
            return
        problems = self.spec_violations()
        if problems:
            fake.problems.append(f"{method} {path}: {problems}")
            self.refuse(f"request does not match the spec: {problems[0]}")
            return
        if not self.authorised():
            return
        failure = take_failure(fake.failures, method, path)
        if failure is not None:
            self.reply(failure.status, failure.body, failure.headers)
            if failure.drop_connection:
                self.drop_after()
            return
        await self.route(method, path)

    def spec_violations(self) -> list[str]:
        """What the official spec says is wrong with this request."""
        return violations(self.request)

    def refuse(self, message: str) -> None:
        """Answer a request the spec does not allow, as the server's validation would."""
        self.error(422, message)

    async def route(self, method: str, path: str) -> None:
        await route(self, method, path)

    def token(self) -> None:
        form = self.form()
        self.fake.token_requests.append(form)
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
        ):
            self.set_status(401)
            self.finish(
                {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                }
            )
            return
        token = "eyJ" + secrets.token_urlsafe(24)
        self.fake.tokens[token] = time.time() + self.fake.token_ttl
        self.finish(
            {"access_token": token, "expires_in": self.fake.token_ttl, "token_type": "Bearer"}
        )

    def jwt_expiry(self, token: str) -> float | None:
        """The `exp` of a JWT whose signature the JWKS verifies (expired ones too), else None."""
        assert self.fake.jwks_url is not None
        try:
            key = _jwks(self.fake.jwks_url).get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.fake.jwt_audience,
                options={"verify_exp": False, "verify_aud": self.fake.jwt_audience is not None},
            )
        except jwt.PyJWTError:
            return None
        return float(claims["exp"])

    def authorised(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            self.reply(401, error_body("65"))
            return False
        token = header[len("Bearer ") :]
        expires = (
            self.fake.tokens.get(token) if self.fake.jwks_url is None else self.jwt_expiry(token)
        )
        if expires is None:
            self.reply(401, error_body("66"))
            return False
        left = expires - time.time()
        if left <= 0:
            self.reply(401, error_body("67"))
            return False
        if left < 30:
            self.reply(401, error_body("68"))
            return False
        if self.fake.jwks_url is not None:
            self.fake.accepted.append((time.time(), token))
        return True

    # -- request parts --------------------------------------------------------------------

    def flag(self, name: str) -> bool:
        return (self.query(name) or "false").lower() == "true"

    def json(self) -> dict[str, Any]:
        from tests.firecrest.spec_check import normalise_body

        body: dict[str, Any] = normalise_body(json.loads(self.request.body or b"{}"))
        return body

    def remote(self, path: str | None) -> Path | None:
        """The double's file for an absolute path on a known filesystem, or an error reply."""
        if not path or not path.startswith("/"):
            self.reply(400, error_body("72", f"The provided path ({path}) is not absolute."))
            return None
        if not (path == "/home" or path.startswith(("/home/", "/tmp/")) or path == "/tmp"):
            message = (
                f"The provided path ({path}) does not match any of the defined filesystem "
                f"paths for the requested system ({SYSTEM})."
            )
            self.reply(400, error_body("71", message))
            return None
        return self.fake.local(os.path.normpath(path))

    def missing(self, tool: str, path: str) -> None:
        message = (
            "Remote process failed with exit status:1 and error message:"
            f"{tool}: cannot access '{path}': No such file or directory"
        )
        self.reply(404, error_body("73", message))


async def route(h: FirecrestHandler, method: str, path: str) -> None:
    fake = h.fake
    if path == "/status/systems":
        body = copy.deepcopy(sample("02")["body"])
        operation = body["systems"][0]["dataOperation"]
        operation["max_ops_file_size"] = fake.direct_limit
        operation["data_transfer"]["publicUrl"] = fake.s3_url
        for service in body["systems"][0]["servicesHealth"]:
            if service["serviceType"] in fake.unhealthy:
                service.update(healthy=False, message=fake.unhealthy[service["serviceType"]])
        h.reply(200, body)
        return
    match = re.match(r"^/(filesystem|compute|status)/([^/]+)(/.*)?$", path)
    if match is None:
        h.reply(404, {"detail": "Not Found"})
        return
    if match.group(2) != SYSTEM:
        h.reply(404, error_body("70"))
        return
    rest = match.group(3) or ""
    if match.group(1) == "filesystem":
        await filesystem(h, method, rest)
    elif match.group(1) == "compute":
        compute(h, method, rest)
    elif rest == "/partitions" and method == "GET":
        body = copy.deepcopy(sample("04")["body"])
        if fake.partitions is not None:
            body["partitions"] = copy.deepcopy(fake.partitions)
        h.reply(200, body)
    elif rest == "/reservations" and method == "GET":
        body = copy.deepcopy(sample("05")["body"])
        body["reservations"] = copy.deepcopy(fake.reservations)
        h.reply(200, body)
    elif rest == "/userinfo" and method == "GET":
        if fake.accounting:
            h.reply(200, sample("06")["body"])
        else:
            h.reply(500, sample("no-accounting-06")["body"])
            h.drop_after()
    else:
        h.reply(404, {"detail": "Not Found"})


async def filesystem(h: FirecrestHandler, method: str, op: str) -> None:
    fake = h.fake
    if op == "/ops/ls":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.exists() and not local.is_symlink():
            h.missing("ls", where)
            return
        if local.is_dir():
            names = sorted(os.listdir(local))
            if not h.flag("showHidden"):
                names = [n for n in names if not n.startswith(".")]
            rows = [fake.file_row(local / n, n) for n in names]
        else:
            rows = [fake.file_row(local, where)]
        h.reply(200, {"output": rows})
    elif op == "/ops/stat":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.exists() and not local.is_symlink():
            h.missing("stat", where)
            return
        info = local.stat() if h.flag("dereference") else local.lstat()
        keys = ("mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "ctime", "mtime")
        h.reply(200, {"output": {k: int(getattr(info, f"st_{k}")) for k in keys}})
    elif op == "/ops/view":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if local.is_dir():
            h.error(500, f"dd: error reading '{where}': Is a directory")
            return
        if not local.exists():
            h.missing("dd", where)
            return
        offset = int(h.query("offset") or 0)
        size = int(h.query("size") or fake.direct_limit)
        with local.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
        h.reply(200, {"output": data.decode("utf-8", errors="replace")})
    elif op in ("/ops/head", "/ops/tail"):
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.is_file():
            h.missing(op[len("/ops/") :], where)
            return
        count = int(h.query("lines") or 10)
        lines = local.read_bytes().decode(errors="replace").splitlines(keepends=True)
        head = op == "/ops/head"
        answer = copy.deepcopy(sample("15" if head else "18")["body"])
        answer["output"].update(
            content="".join(lines[:count] if head else lines[-count:]),
            startPosition=0 if head else -count,
            endPosition=count if head else -1,
        )
        h.reply(200, answer)
    elif op == "/ops/checksum":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.is_file():
            h.missing("sha256sum", where)
            return
        digest = hashlib.sha256(local.read_bytes()).hexdigest()
        h.reply(200, {"output": {"algorithm": "SHA256", "checksum": digest}})
    elif op == "/ops/download":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.is_file():
            h.missing("cat", where)
            return
        h.reply(200, local.read_bytes())
    elif op == "/ops/upload":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        (upload,) = h.request.files["file"]
        if len(upload.body) > fake.direct_limit:
            h.reply(413, error_body("71", "File too large for direct upload"))
            return
        (local / os.path.basename(upload.filename)).write_bytes(upload.body)
        h.reply(204)
    elif op == "/ops/mkdir":
        body = h.json()
        where = body["sourcePath"]
        local = h.remote(where)
        if local is None:
            return
        if local.exists():
            message = (
                "Remote process failed with exit status:1 and error message:"
                f"mkdir: cannot create directory '{where}': File exists"
            )
            h.reply(400, error_body("76", message))
            return
        try:
            local.mkdir(parents=bool(body.get("parent")))
        except FileNotFoundError:
            h.missing("mkdir", where)
            return
        h.reply(201, {"output": fake.file_row(local, where)})
    elif op == "/ops/chmod":
        body = h.json()
        local = h.remote(body["sourcePath"])
        if local is None:
            return
        if not local.exists():
            h.missing("chmod", body["sourcePath"])
            return
        local.chmod(int(body["mode"], 8))
        h.reply(200, {"output": fake.file_row(local, body["sourcePath"])})
    elif op == "/ops/chown":
        body = h.json()
        local = h.remote(body["sourcePath"])
        if local is None:
            return
        if body.get("owner") not in (None, "", USER):
            message = (
                f"chown: changing ownership of '{body['sourcePath']}': Operation not permitted"
            )
            h.reply(403, error_body("71", message))
            return
        h.reply(200, {"output": fake.file_row(local, body["sourcePath"])})
    elif op == "/ops/rm":
        where = h.query("path")
        local = h.remote(where)
        if local is None or where is None:
            return
        if not local.exists() and not local.is_symlink():
            h.missing("rm", where)
            return
        if local.is_dir() and not local.is_symlink():
            shutil.rmtree(local)
        else:
            local.unlink()
        h.reply(204)
    elif op in ("/transfer/cp", "/transfer/mv"):
        body = h.json()
        source, target = h.remote(body["sourcePath"]), h.remote(body["targetPath"])
        if source is None or target is None:
            return
        verb = "copied" if op.endswith("cp") else "moved"
        if not source.exists():
            job = fake.transfer_job("CopyFiles", "", on_poll=lambda: False)
        else:
            if op.endswith("mv"):
                os.replace(source, target)
            elif source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)
            job = fake.transfer_job("CopyFiles", f"Files were successfully {verb}.\n")
        h.reply(201, {"transferJob": job})
    elif op == "/transfer/upload":
        body = h.json()
        where = body["sourcePath"]
        local = h.remote(where)
        if local is None:
            return
        size = int(body["transferDirectives"].get("fileSize") or 0)
        key = f"{USER}/{uuid.uuid4()}/{os.path.basename(where)}"
        upload_id = fake.s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        parts = max(1, math.ceil(size / fake.part_size))
        urls = [
            fake.s3.generate_presigned_url(
                "upload_part",
                Params={"Bucket": BUCKET, "Key": key, "UploadId": upload_id, "PartNumber": n},
            )
            for n in range(1, parts + 1)
        ]
        complete = fake.s3.generate_presigned_url(
            "complete_multipart_upload",
            Params={"Bucket": BUCKET, "Key": key, "UploadId": upload_id},
        )

        def land() -> bool | None:
            try:
                fake.s3.head_object(Bucket=BUCKET, Key=key)
            except fake.s3.exceptions.ClientError:
                return None  # the client has not completed its upload yet
            fake.s3.download_file(BUCKET, key, str(local))
            return True

        job = fake.transfer_job("IngressFileTransfer", "File was successfully uploaded.\n", land)
        answer = copy.deepcopy(sample("59")["body"])
        answer["transferJob"] = job
        answer["transferDirectives"].update(
            partsUploadUrls=urls, completeUploadUrl=complete, maxPartSize=fake.part_size
        )
        h.reply(201, answer)
    elif op == "/transfer/download":
        body = h.json()
        where = body["sourcePath"]
        local = h.remote(where)
        if local is None:
            return
        if not local.is_file():
            h.missing("stat", where)
            return
        key = f"{USER}/{uuid.uuid4()}/{os.path.basename(where)}"
        fake.s3.upload_file(str(local), BUCKET, key)
        url = fake.s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key})
        job = fake.transfer_job("OutgressFileTransfer", "File was successfully downloaded.\n")
        answer = copy.deepcopy(sample("62")["body"])
        answer["transferJob"] = job
        answer["transferDirectives"]["downloadUrl"] = url
        h.reply(201, answer)
    else:
        h.reply(404, {"detail": "Not Found"})


def job_record(job: FakeJob) -> dict[str, Any]:
    record = copy.deepcopy(sample("40")["body"]["jobs"][0])
    record.update(jobId=job.id, name=job.name, workingDirectory=job.workdir)
    record["status"].update(state=job.state, exitCode=job.exit_code)
    elapsed = (job.end or int(time.time())) - job.start
    record["time"].update(start=job.start, end=job.end, limit=job.limit, elapsed=elapsed)
    record["tasks"][0].update(id=f"{job.id}.batch")
    return record


def compute(h: FirecrestHandler, method: str, rest: str) -> None:
    fake = h.fake
    if rest == "/jobs" and method == "POST":
        spec = h.json()["job"]
        script = spec.get("script") or ""
        job = fake.start_job(script, spec["workingDirectory"], spec.get("env") or {}, "batch")
        h.reply(201, {"jobId": job.id})
        return
    if rest == "/jobs" and method == "GET":
        for job in list(fake.jobs.values()):
            if job.on_poll and job.state == "RUNNING":
                job.on_poll()
        h.reply(200, {"jobs": [job_record(job) for job in fake.jobs.values()]})
        return
    match = re.match(r"^/jobs/([^/]+)(/metadata)?$", rest)
    if match is None:
        h.reply(404, {"detail": "Not Found"})
        return
    job = fake.jobs.get(match.group(1))
    if job is None:
        if method == "DELETE":
            message = error_body("50")["message"].replace("999999", match.group(1))
            h.error(500, message)
        else:
            h.reply(404, error_body("49"))
        return
    if method == "DELETE":
        job.state = "CANCELLED by 1001"
        job.end = int(time.time())
        h.reply(204)
        return
    if job.on_poll and job.state == "RUNNING":
        job.on_poll()
    if match.group(2):
        metadata = copy.deepcopy(sample("41")["body"])
        metadata["jobs"][0].update(
            jobId=job.id, script=job.script, standardOutput=job.stdout, standardError=job.stderr
        )
        h.reply(200, metadata)
        return
    h.reply(200, {"jobs": [job_record(job)]})


async def start_fake(fake: FakeFirecrest) -> HTTPServer:
    """Serve the double on a free port of 127.0.0.1; `fake.url` says where."""
    server, fake.url = await serve(FirecrestHandler, fake, max_body_size=64 * 1024 * 1024)
    for home in ("home/" + USER, "tmp"):
        (fake.root / home).mkdir(parents=True, exist_ok=True)
    return server
