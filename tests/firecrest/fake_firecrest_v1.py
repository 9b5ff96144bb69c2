"""A FirecREST v1 test double: a real HTTP server answering as FirecREST v1.16 does.

There are no recorded v1 responses. The answers follow FirecREST v1's own code (eth-cscs/firecrest
at tag v1.16.6: its utilities, compute, storage, tasks and status services) and the response
schemas of its official spec, written down in `data/README-v1.md`. Every request is checked
against that spec (`spec_check_v1`). Long operations are tasks a client polls on `GET /tasks`;
compute tasks answer "Queued" once before they run, and staged transfers go through a real S3
API (moto's server) with a presigned POST form and a presigned GET URL, as FirecREST v1's do.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tornado.httpserver import HTTPServer

from tests.double_server import serve
from tests.firecrest.fake_firecrest import CLIENT_ID, CLIENT_SECRET, USER, FirecrestHandler
from tests.firecrest.fake_v1_compute import compute
from tests.firecrest.fake_v1_state import FILESYSTEMS, SYSTEM, FakeFirecrestV1, Task
from tests.firecrest.fake_v1_storage import storage
from tests.firecrest.fake_v1_utilities import utilities
from tests.firecrest.spec_check_v1 import violations

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "SYSTEM", "FakeFirecrestV1", "start_fake_v1"]


class FirecrestV1Handler(FirecrestHandler):
    """Every request: spec check, Kong's token check, injected failures, then v1's routes."""

    fake: FakeFirecrestV1

    app_headers: dict[str, str] = {}

    def spec_violations(self) -> list[str]:
        return violations(self.request)

    def refuse(self, message: str) -> None:
        self.reply(400, {"description": message})

    def created(self, task: Task, status: int = 200) -> None:
        """The answer of a call that started a task (201 for submissions and transfers)."""
        self.reply(
            status, {"success": "Task created", "task_id": task.id, "task_url": f"/tasks/{task.id}"}
        )

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

    def existing_file(self, name: str, description: str) -> tuple[str, Path] | None:
        """A path field naming a file, or the 400 v1's `is_valid_file` gives with its header."""
        target = self.target(name)
        if target is not None and not target[1].is_file():
            header = {"X-Invalid-Path": f"{target[0]} is an invalid path."}
            self.reply(400, {"description": description}, header)
            return None
        return target

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
            "general": [entry("FIRECREST_VERSION", h.fake.version, "", "FirecREST version.")],
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


async def start_fake_v1(fake: FakeFirecrestV1) -> HTTPServer:
    """Serve the v1 double on a free port of 127.0.0.1; `fake.url` says where."""
    server, fake.url = await serve(FirecrestV1Handler, fake, max_body_size=64 * 1024 * 1024)
    for home in ("home/" + USER, "scratch"):
        (fake.root / home).mkdir(parents=True, exist_ok=True)
    existing = {b["Name"] for b in fake.s3.list_buckets().get("Buckets", [])}
    if fake.bucket not in existing:
        fake.s3.create_bucket(Bucket=fake.bucket)
    return server
