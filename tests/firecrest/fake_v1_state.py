"""The FirecREST v1 double's state: its files, jobs and tokens (the v2 double's), and v1's tasks."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.firecrest.fake_firecrest import USER, FakeFirecrest

SYSTEM = "cluster"
VERSION = "v1.16.6"
FILESYSTEMS = (("HOME", "/home", "Users home filesystem"), ("SCRATCH", "/scratch", "Scratch"))
PARTITIONS = ("normal", "debug")


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
    version: str = VERSION
    """`FIRECREST_VERSION` in `/status/parameters`; v1's image says "not defined" unless set."""
    object_storage: str = "s3v4"
    """"s3v4": the client posts a presigned form; "s3v2": it PUTs to a signed URL."""
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
