"""A FirecREST v1 test double: a real HTTP server answering as FirecREST v1.16 does.

There are no recorded v1 responses. The answers follow FirecREST v1's own code (eth-cscs/firecrest
at tag v1.16.6: its utilities, compute, storage, tasks and status services) and the response
schemas of its official spec, written down in `data/README-v1.md`. Every request is checked
against that spec (`spec_check_v1`). Long operations are tasks a client polls on `GET /tasks`;
compute tasks answer "Queued" once before they run, and staged transfers go through a real S3
API (moto's server) with a presigned POST form and a presigned GET URL, as FirecREST v1's do.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from double_server import serve, take_failure
from fake_firecrest import CLIENT_ID, CLIENT_SECRET, USER, FakeFirecrest, FakeJob, FirecrestHandler
from spec_check_v1 import violations
from tornado.httpserver import HTTPServer

from hpc_jupyter.backends.directives import expand_filename_pattern, parse_sbatch_directives

SYSTEM = "cluster"
VERSION = "v1.16.6"
FILESYSTEMS = (("HOME", "/home", "Users home filesystem"), ("SCRATCH", "/scratch", "Scratch"))
PARTITIONS = ("normal", "debug")
__all__ = ["CLIENT_ID", "CLIENT_SECRET", "SYSTEM", "FakeFirecrestV1", "start_fake_v1"]


def _now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Task:
    """A FirecREST v1 task; `step` moves it on each time a client looks at it."""

    id: str
    service: str
    status: str
    data: Any
    step: Callable[[Task], None] | None = None
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)

    def set(self, status: str, data: Any) -> None:
        self.status, self.data, self.updated = status, data, _now()

    def row(self) -> dict[str, Any]:
        descriptions = {
            "100": "Queued",
            "101": "In progress",
            "200": "Finished successfully",
            "400": "Finished with errors",
            "110": "Waiting for Form URL from Object Storage to be retrieved",
            "111": "Form URL from Object Storage received",
            "112": "Object Storage confirms that upload to Object Storage has finished",
            "113": "Download from Object Storage to server has started",
            "114": "Download from Object Storage to server has finished",
            "115": "Download from Object Storage error",
            "116": "Started upload from filesystem to Object Storage",
            "117": "Upload from filesystem to Object Storage has finished succesfully",
            "118": "Upload from filesystem to Object Storage has finished with errors",
        }
        return {
            "task_id": self.id,
            "hash_id": self.id,
            "user": USER,
            "status": self.status,
            "description": descriptions.get(self.status, ""),
            "data": self.data,
            "service": self.service,
            "system": SYSTEM,
            "created_at": self.created,
            "updated_at": self.updated,
            "last_modify": self.updated,
        }


@dataclass
class FakeFirecrestV1(FakeFirecrest):
    """The v1 double's state: the v2 double's files, jobs and tokens, plus v1's tasks."""

    bucket: str = USER  # FirecREST v1 keeps each user's staged objects in a bucket of theirs
    tasks: dict[str, Task] = field(default_factory=dict)
    accounting: bool = True
    """False: sacct fails as on a cluster without slurmdbd."""
    fail_staging: bool = False
    """True: moving a staged upload from S3 to the cluster fails (task status 115)."""
    slow_copies: bool = False
    """True: `cp` is killed at UTILITIES_TIMEOUT halfway through, as on a large file."""
    submitted_scripts: list[str] = field(default_factory=list)
    """Every script path given to `sbatch`, as it stood when sbatch read it."""

    def new_task(self, service: str, status: str, data: Any, step: Any = None) -> Task:
        counter = len(self.tasks) + 1
        task_id = hashlib.md5(f"{USER}-{counter}".encode()).hexdigest()
        task = Task(task_id, service, status, data, step)
        self.tasks[task_id] = task
        return task

    def compute_task(self, work: Callable[[], tuple[str, Any]]) -> Task:
        """A compute task: "Queued" on the first look, done (by `work`) on the next."""
        looked = []

        def step(task: Task) -> None:
            if not looked:
                looked.append(True)
                return
            task.set(*work())
            task.step = None

        return self.new_task("compute", "100", "Queued", step)


class FirecrestV1Handler(FirecrestHandler):
    """Every request: spec check, Kong's token check, injected failures, then v1's routes."""

    fake: FakeFirecrestV1

    def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.set_status(status)
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

    def spec_violations(self) -> list[str]:
        return violations(self.request)

    def authorised(self) -> bool:
        """As Kong's jwt plugin in front of FirecREST v1 answers."""
        header = self.request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            self.reply(401, {"message": "Unauthorized"})
            return False
        expires = self.fake.tokens.get(header[len("Bearer ") :])
        if expires is None:
            self.reply(401, {"message": "Invalid signature"})
            return False
        if expires <= time.time():
            self.reply(401, {"exp": "token expired"})
            return False
        return True

    async def dispatch(self) -> None:
        fake = self.fake
        method = self.request.method or "GET"
        path = self.request.path
        fake.requests.append((method, path, self.request.headers.get("Authorization", "")))
        if path == "/auth/token":
            self.token()
            return
        problems = self.spec_violations()
        if problems:
            fake.problems.append(f"{method} {path}: {problems}")
            self.reply(400, {"description": f"request does not match the spec: {problems[0]}"})
            return
        if not self.authorised():
            return
        failure = take_failure(fake.failures, method, path)
        if failure is not None:
            self.reply(failure.status, failure.body, failure.headers)
            return
        await self.route(method, path)

    # -- request parts --------------------------------------------------------------------

    def field(self, name: str) -> str | None:
        """A form field (URL-encoded or multipart) or query argument."""
        values = self.request.body_arguments.get(name)
        if values:
            return values[0].decode()
        return self.query(name)

    def machine(self, spelling: str = "Exist") -> bool:
        """Check X-Machine-Name; utilities say `Does-Not-Exist`, compute and storage `-Exists`."""
        if self.request.headers.get("X-Machine-Name") == SYSTEM:
            return True
        word = "exist" if spelling == "Exist" else "exists"
        self.reply(
            400,
            {"description": "Failed operation", "error": f"Machine does not {word}"},
            {f"X-Machine-Does-Not-{spelling}": f"Machine does not {word}"},
        )
        return False

    def failed(self, command: str, stderr: str, header: str, value: str) -> None:
        """A command's failure, as v1's `check_command_error` reports it."""
        self.reply(
            400,
            {"description": f"Error on {command} operation", "error": stderr},
            {header: value},
        )

    def target(self, name: str = "targetPath") -> tuple[str, Path] | None:
        where = self.field(name)
        if not where:
            self.reply(
                400,
                {"description": "Error on operation", "error": f"'{name}' not specified"},
            )
            return None
        return where, self.fake.local(os.path.normpath(where))

    async def route(self, method: str, path: str) -> None:
        head, _, rest = path.strip("/").partition("/")
        if head == "status":
            status(self, rest)
        elif head == "tasks" and method == "GET":
            tasks(self)
        elif head == "utilities":
            if self.machine():
                utilities(self, method, rest)
        elif head == "compute":
            if self.machine("Exists"):
                compute(self, method, rest)
        elif head == "storage":
            if rest.endswith("/invalidate") or self.machine("Exists"):  # by task id alone
                storage(self, rest)
        else:
            self.reply(404, {"description": "Not Found"})


def status(h: FirecrestV1Handler, rest: str) -> None:
    if rest == "systems":
        rows = [{"system": SYSTEM, "status": "available", "description": "System ready"}]
        h.reply(200, {"description": "List of systems with status and description.", "out": rows})
    elif rest == "parameters":
        megabytes = h.fake.direct_limit / (1024 * 1024)

        def entry(name: str, value: Any, unit: str = "", description: str = "") -> dict[str, Any]:
            return {"name": name, "value": value, "unit": unit, "description": description}

        out = {
            "general": [entry("FIRECREST_VERSION", VERSION, "", "FirecREST version.")],
            "compute": [entry("WORKLOAD_MANAGER", "Slurm")],
            "utilities": [
                entry("UTILITIES_MAX_FILE_SIZE", f"{megabytes:g}", "MB"),
                entry("UTILITIES_TIMEOUT", "5", "seconds"),
            ],
            "storage": [
                entry("OBJECT_STORAGE", "s3v4"),
                entry("STORAGE_TEMPURL_EXP_TIME", "604800", "seconds"),
                entry("STORAGE_MAX_FILE_SIZE", "5120", "MB"),
                entry(
                    "FILESYSTEMS",
                    [{"system": SYSTEM, "mounted": [path for _, path, _ in FILESYSTEMS]}],
                ),
            ],
        }
        h.reply(200, {"description": "Firecrest's parameters", "out": out})
    elif rest == "filesystems":
        rows = [
            {
                "name": name,
                "path": path,
                "description": text,
                "status_code": 200,
                "status": "available",
            }
            for name, path, text in FILESYSTEMS
        ]
        h.reply(200, {"description": "Filesystem information", "out": {SYSTEM: rows}})
    else:
        h.reply(404, {"description": "Not Found"})


def tasks(h: FirecrestV1Handler) -> None:
    wanted = [t for t in (h.query("tasks") or "").split(",") if t]
    found = {}
    for task_id in wanted or list(h.fake.tasks):
        task = h.fake.tasks.get(task_id)
        if task is None:
            continue  # v1 leaves unknown ids out of the list
        if task.step is not None:
            task.step(task)
        found[task_id] = task.row()
    h.reply(200, {"tasks": found})


def ls_row(path: Path, name: str) -> dict[str, Any]:
    info = path.lstat()
    mode = stat.filemode(info.st_mode)
    moment = datetime.datetime.fromtimestamp(info.st_mtime)
    return {
        "name": name,
        "type": mode[0],
        "link_target": os.readlink(path) if mode[0] == "l" else "",
        "user": USER,
        "group": USER,
        "permissions": mode[1:],
        "last_modified": moment.strftime("%Y-%m-%dT%H:%M:%S"),
        "size": str(info.st_size),
    }


def _exists(local: Path) -> bool:
    return local.exists() or local.is_symlink()


def utilities(h: FirecrestV1Handler, method: str, op: str) -> None:
    fake = h.fake
    if op == "whoami":
        h.reply(200, {"description": "User information", "output": USER})
        return
    target = h.target("sourcePath" if op == "download" else "targetPath")
    if target is None:
        return
    where, local = target
    no_such = "No such file or directory"
    if op == "ls":
        if not _exists(local):
            h.failed(
                "ls",
                f"ls: cannot access '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
        elif local.is_dir():
            names = sorted(os.listdir(local))
            if (h.query("showhidden") or "").lower() != "true":
                names = [n for n in names if not n.startswith(".")]
            rows = [ls_row(local / n, n) for n in names]
            h.reply(200, {"description": "List of contents", "output": rows})
        else:
            h.reply(200, {"description": "List of contents", "output": [ls_row(local, where)]})
    elif op == "stat":
        if not _exists(local):
            h.failed(
                "stat",
                f"stat: cannot stat '{where}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
            return
        info = local.stat() if h.query("dereference") else local.lstat()
        keys = ("mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "mtime", "ctime")
        output = {k: int(getattr(info, f"st_{k}")) for k in keys}
        h.reply(200, {"description": "Success to stat file.", "output": output})
    elif op == "checksum":
        if local.is_dir():
            h.failed(
                "checksum",
                f"sha256sum: {where}: Is a directory",
                "X-A-Directory",
                "path is a directory, can't checksum directories",
            )
        elif not local.is_file():
            h.failed(
                "checksum",
                f"sha256sum: {where}: {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
        else:
            digest = hashlib.sha256(local.read_bytes()).hexdigest()
            h.reply(200, {"description": "Success to checksum file.", "output": digest})
    elif op in ("head", "tail"):
        if not local.is_file():
            h.failed(
                op,
                f"{op}: cannot open '{where}' for reading: {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
            return
        count = int(h.query("lines") or 10)
        lines = local.read_bytes().decode(errors="replace").splitlines(keepends=True)
        part = lines[:count] if op == "head" else lines[-count:]
        h.reply(200, {"description": f"Success to {op} file.", "output": "".join(part)})
    elif op == "download":
        if not local.is_file():
            h.failed(
                "fsize",
                f"stat: cannot stat '{where}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
        elif local.stat().st_size > fake.direct_limit:
            h.reply(
                400,
                {"description": "Failed to download file"},
                {"X-Size-Limit": "File exceeds size limit"},
            )
        else:
            h.reply(200, local.read_bytes())
    elif op == "upload":
        (upload,) = h.request.files["file"]
        if len(h.request.body) > fake.direct_limit:
            message = f"Failed to upload file. The file is over {fake.direct_limit} bytes"
            h.reply(413, {"description": message})
        elif not local.is_dir():
            h.failed(
                "upload",
                f"cannot create '{where}/{upload.filename}': {no_such}",
                "X-Invalid-Path",
                f"{where} is an invalid path.",
            )
        else:
            (local / os.path.basename(upload.filename)).write_bytes(upload.body)
            h.reply(201, {"description": "File upload successful", "output": ""})
    elif op == "rm" and method == "DELETE":
        if not _exists(local):
            h.failed(
                "rm",
                f"rm: cannot remove '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path.",
            )
            return
        if local.is_dir() and not local.is_symlink():
            shutil.rmtree(local)
        else:
            local.unlink()
        h.reply(204)
    elif op == "mkdir":
        if _exists(local) and not h.field("p"):
            h.failed(
                "mkdir",
                f"mkdir: cannot create directory '{where}': File exists",
                "X-Exists",
                "targetPath already exists",
            )
            return
        try:
            local.mkdir(parents=bool(h.field("p")), exist_ok=bool(h.field("p")))
        except FileNotFoundError:
            h.failed(
                "mkdir",
                f"mkdir: cannot create directory '{where}': {no_such}",
                "X-Invalid-Path",
                "sourcePath and/or targetPath are invalid paths",
            )
            return
        h.reply(201, {"description": "Success to mkdir file.", "output": ""})
    elif op in ("rename", "copy"):
        source = h.target("sourcePath")
        if source is None:
            return
        verb = "mv" if op == "rename" else "cp"
        if not _exists(source[1]):
            h.failed(
                op,
                f"{verb}: cannot stat '{source[0]}': {no_such}",
                "X-Not-Found",
                "sourcePath not found",
            )
            return
        if op == "copy" and fake.slow_copies:
            local.write_bytes(source[1].read_bytes()[: source[1].stat().st_size // 2])
            h.failed(op, "", "X-Timeout", "Command has finished with timeout signal")
            return
        if op == "rename":
            os.replace(source[1], local)
        elif source[1].is_dir():
            shutil.copytree(source[1], local, symlinks=True)
        else:
            shutil.copy2(source[1], local)
        h.reply(
            200 if op == "rename" else 201, {"description": f"Success to {op} file.", "output": ""}
        )
    elif op == "chmod":
        mode = h.field("mode") or ""
        if not _exists(local):
            h.failed(
                "chmod",
                f"chmod: cannot access '{where}': {no_such}",
                "X-Invalid-Path",
                "path is an invalid path",
            )
            return
        local.chmod(int(mode, 8))
        h.reply(
            200,
            {
                "description": "Success to chmod file or directory.",
                "output": f"mode of '{where}' changed to {mode}",
            },
        )
    elif op == "chown":
        owner = h.field("owner")
        if owner not in (None, "", USER):
            h.failed(
                "chown",
                f"chown: changing ownership of '{where}': Operation not permitted",
                "X-Permission-Denied",
                "User does not have permissions to access path",
            )
            return
        h.reply(200, {"description": "Success to chown file or directory.", "output": ""})
    else:
        h.reply(404, {"description": "Not Found"})


def _job_row(job: FakeJob) -> dict[str, Any]:
    """A squeue row as v1 gives it: `start_time` is %M (time used), `time` is %S (start)."""
    used = int(time.time()) - job.start
    left = max(0, job.limit - used)
    return {
        "jobid": job.id,
        "partition": "normal",
        "name": job.name,
        "user": USER,
        "state": job.state,
        "start_time": f"{used // 60}:{used % 60:02d}",
        "time": datetime.datetime.fromtimestamp(job.start).strftime("%Y-%m-%dT%H:%M:%S"),
        "time_left": f"{left // 60}:{left % 60:02d}",
        "nodes": "1",
        "nodelist": "nid0001",
        "job_file": os.path.join(job.workdir, "script.sh"),
        "job_file_out": job.stdout,
        "job_file_err": job.stderr,
        "job_data_out": "",
        "job_data_err": "",
        "job_info_extra": "Job info returned successfully",
    }


def _acct_row(job: FakeJob) -> dict[str, Any]:
    """A sacct row as v1 gives it (`sacct -X --parsable2`, named fields)."""

    def clock(moment: int | None) -> str:
        if moment is None:
            return "Unknown"
        return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )

    elapsed = (job.end or int(time.time())) - job.start
    spent = f"{elapsed // 3600:02d}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}"
    return {
        "jobid": job.id,
        "partition": "normal",
        "name": job.name,
        "user": USER,
        "state": job.state,
        "start_time": clock(job.start),
        "time": spent,
        "cpu_time": spent,
        "elapsed_time": spent,
        "termination_time": clock(job.end),
        "time_left": clock(job.end),
        "nodes": "1",
        "nodelist": "nid0001",
        "exit_code": f"{job.exit_code}:0",
    }


def _active(job: FakeJob) -> bool:
    return job.state in ("RUNNING", "PENDING")


def compute(h: FirecrestV1Handler, method: str, rest: str) -> None:
    fake = h.fake
    if rest == "jobs/path" and method == "POST":
        target = h.target()
        if target is None:
            return
        where, local = target
        if not local.is_file():
            h.reply(
                400,
                {"description": "Failed to submit job"},
                {"X-Invalid-Path": f"{where} is an invalid path."},
            )
            return
        env = json.loads(h.field("env") or "{}")
        task = fake.compute_task(lambda: _sbatch(fake, where, local, env))
        h.reply(
            201, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )
    elif rest == "jobs" and method == "GET":
        wanted = [j for j in (h.query("jobs") or "").split(",") if j]

        def squeue() -> tuple[str, Any]:
            jobs = [job for job in fake.jobs.values() if _active(job)]
            if wanted:
                jobs = [job for job in jobs if job.id in wanted]
                if not jobs:
                    return "400", "slurm_load_jobs error: Invalid job id specified"
            return "200", {str(n): _job_row(job) for n, job in enumerate(jobs)}

        task = fake.compute_task(squeue)
        h.reply(
            200, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )
    elif rest == "acct" and method == "GET":
        wanted = [j for j in (h.query("jobs") or "").split(",") if j]

        def sacct() -> tuple[str, Any]:
            if not fake.accounting:
                return "400", "sacct: error: Slurm accounting storage is disabled"
            jobs = [job for job in fake.jobs.values() if not wanted or job.id in wanted]
            return "200", [_acct_row(job) for job in jobs] or {}

        task = fake.compute_task(sacct)
        h.reply(
            200, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )
    elif rest.startswith("jobs/") and method == "DELETE":
        job_id = rest[len("jobs/") :]

        def scancel() -> tuple[str, Any]:
            job = fake.jobs.get(job_id)
            if job is None or not _active(job):
                return (
                    "400",
                    f"scancel: error: Kill job error on job id {job_id}: Invalid job id specified",
                )
            job.state = "CANCELLED by 1001"
            job.end = int(time.time())
            return "200", f"scancel: Terminating job {job_id}"

        task = fake.compute_task(scancel)
        h.reply(
            200, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )
    elif rest == "partitions" and method == "GET":
        rows = [
            {
                "PartitionName": name,
                "State": "UP",
                "TotalCPUs": "8",
                "TotalNodes": "2",
                "Default": "YES" if name == PARTITIONS[0] else "NO",
            }
            for name in PARTITIONS
        ]
        task = fake.compute_task(lambda: ("200", rows))
        h.reply(
            200, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )
    else:
        h.reply(404, {"description": "Not Found"})


def _sbatch(fake: FakeFirecrestV1, where: str, local: Path, env: dict[str, str]) -> tuple[str, Any]:
    """`sbatch --chdir=<the script's directory> <script>`, run when the task is first polled."""
    if not local.is_file():
        return "400", f"sbatch: error: Unable to open file {where}"
    fake.submitted_scripts.append(where)
    script = local.read_text()
    directives = parse_sbatch_directives(script)
    partition = directives.get("partition", PARTITIONS[0]).strip('"')
    if partition not in PARTITIONS:
        return "400", (
            "sbatch: error: Batch job submission failed: Invalid partition name specified"
        )
    job_id = fake.new_job_id()
    name = directives.get("job-name", os.path.basename(where)).strip('"')
    workdir = os.path.dirname(where)

    def path(pattern: str) -> str:
        filled = expand_filename_pattern(pattern.strip('"'), job_id, name, USER)
        return filled if filled.startswith("/") else os.path.join(workdir, filled)

    stdout = path(directives.get("output", "slurm-%j.out"))
    stderr = path(directives.get("error", directives.get("output", "slurm-%j.out")))
    job = FakeJob(job_id, name, "RUNNING", workdir, script, stdout, stderr, int(time.time()))
    fake.jobs[job_id] = job
    log = fake.local(stdout)
    if log.parent.is_dir():
        log.write_text(f"hello from {job_id}\n" + "".join(f"{k}={v}\n" for k, v in env.items()))
    return "200", {
        "result": "Job submitted",
        "jobid": job_id,
        "job_file": where,
        "job_file_out": stdout,
        "job_file_err": stderr,
        "job_data_out": "",
        "job_data_err": "",
        "job_info_extra": "Job info returned successfully",
    }


def storage(h: FirecrestV1Handler, rest: str) -> None:
    fake = h.fake
    if rest == "xfer-external/upload":
        source, target = h.field("sourcePath") or "", h.target()
        if target is None:
            return
        where, local = target
        if not local.is_dir():
            h.reply(
                400,
                {
                    "description": "Failed to upload file",
                    "error": "'targetPath' directory not allowed",
                },
                {"X-Invalid-Path": f"{where} is an invalid path."},
            )
            return
        name = os.path.basename(source)
        destination = os.path.join(where, name)
        base = {
            "user": USER,
            "system_name": SYSTEM,
            "system_addr": "cluster:22",
            "target": destination,
            "source": name,
            "hash_id": "",
            "trace_id": "",
        }
        task = fake.new_task(
            "storage",
            "110",
            {
                **base,
                "status": "110",
                "msg": "Waiting for Presigned URL to upload file to staging area "
                "(Amazon S3 - Signature v4)",
            },
        )
        key = f"{task.id}/{name}"
        base["hash_id"] = task.id

        def step(task: Task) -> None:
            if task.status == "110":
                form = fake.s3.generate_presigned_post(fake.bucket, key, ExpiresIn=604800)
                fields = " ".join(f"-F '{k}={v}'" for k, v in form["fields"].items())
                msg = {
                    "parameters": {
                        "method": "POST",
                        "url": form["url"],
                        "data": form["fields"],
                        "files": source,
                        "json": {},
                        "params": {},
                        "headers": {},
                    },
                    "command": f"curl -f --show-error -s -i -X POST {form['url']} {fields} "
                    f"-F file=@{source}",
                }
                task.set("111", {**base, "status": "111", "msg": msg})
            elif task.status == "111":
                try:
                    fake.s3.head_object(Bucket=fake.bucket, Key=key)
                except fake.s3.exceptions.ClientError:
                    return  # the client has not sent the file yet
                task.set("112", task.data)
            elif task.status == "112":
                task.set(
                    "113", {k: base[k] for k in ("source", "target", "system_name", "system_addr")}
                )
            elif task.status == "113":
                if fake.fail_staging:
                    task.set(
                        "115",
                        {
                            **base,
                            "status": "115",
                            "msg": "curl: (23) Failure writing output to destination",
                        },
                    )
                else:
                    fake.s3.download_file(fake.bucket, key, str(fake.local(destination)))
                    fake.s3.delete_object(Bucket=fake.bucket, Key=key)
                    task.set("114", task.data)
                task.step = None

        task.step = step
        h.reply(
            201, {"success": "Task created", "task_url": f"/tasks/{task.id}", "task_id": task.id}
        )
    elif rest == "xfer-external/download":
        target = h.target("sourcePath")
        if target is None:
            return
        where, local = target
        if not local.is_file():
            h.reply(
                400,
                {"description": "sourcePath error"},
                {"X-Invalid-Path": f"{where} is an invalid path."},
            )
            return
        task = fake.new_task("storage", "116", {"source": where, "system_name": SYSTEM})
        key = f"{task.id}/{os.path.basename(where)}"

        def publish(task: Task) -> None:
            fake.s3.upload_file(str(local), fake.bucket, key)
            url = fake.s3.generate_presigned_url(
                "get_object", Params={"Bucket": fake.bucket, "Key": key}, ExpiresIn=604800
            )
            task.set("117", {"url": url, "source": where, "system_name": SYSTEM})
            task.step = None

        task.step = publish
        h.reply(
            201, {"success": "Task created", "task_url": f"/tasks/{task.id}", "task_id": task.id}
        )
    elif rest == "xfer-external/invalidate":
        task = fake.tasks.get(h.request.headers.get("X-Task-Id", ""))
        if task is None or not isinstance(task.data, dict) or "url" not in task.data:
            h.reply(400, {"error": "Invalid X-Task-Id"})
            return
        name = os.path.basename(task.data["source"])
        fake.s3.delete_object(Bucket=fake.bucket, Key=f"{task.id}/{name}")
        h.reply(201, {"success": "URL invalidated successfully"})
    else:
        h.reply(404, {"description": "Not Found"})


async def start_fake_v1(fake: FakeFirecrestV1) -> HTTPServer:
    """Serve the v1 double on a free port of 127.0.0.1; `fake.url` says where."""
    server, fake.url = await serve(FirecrestV1Handler, fake, max_body_size=64 * 1024 * 1024)
    for home in ("home/" + USER, "scratch"):
        (fake.root / home).mkdir(parents=True, exist_ok=True)
    existing = {b["Name"] for b in fake.s3.list_buckets().get("Buckets", [])}
    if fake.bucket not in existing:
        fake.s3.create_bucket(Bucket=fake.bucket)
    return server
