"""The application layer between the routes and the backends: one service per resource.

A handler parses its request, makes one call on a service and writes the answer. The services
know nothing of tornado: they raise the project's `HPCError`s, which `routes/base.py` maps to
HTTP. They reach the handlers through the tornado settings (`SETTINGS_KEY`), as
jupyter-scheduler hands its `scheduler` to `JobHandlersMixin`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ledger import SubmissionLedger
from ..records import SubmissionRecords
from ..registry import FacilityRegistry
from ..watcher import JobWatcher
from .facilities import FacilityService
from .files import FileService
from .jobs import JobService
from .login import LoginService
from .status import StatusService

SETTINGS_KEY = "hpc_jupyter_services"
"""Where the `HPCServices` of the server are in the tornado settings."""

__all__ = [
    "SETTINGS_KEY",
    "FacilityService",
    "FileService",
    "HPCServices",
    "JobService",
    "LoginService",
    "StatusService",
]


@dataclass(frozen=True)
class HPCServices:
    """What the handlers call: the facilities, their jobs and files, and the kernel token."""

    facilities: FacilityService
    jobs: JobService
    files: FileService
    login: LoginService
    status: StatusService
    kernel_token: str
    """The credential of this server's kernels (`routes/kernel_auth.py`); never logged."""

    @classmethod
    def build(
        cls,
        registry: FacilityRegistry,
        watcher: JobWatcher,
        submissions: SubmissionLedger,
        kernel_token: str,
        max_upload_size: int,
        records: SubmissionRecords | None = None,
    ) -> HPCServices:
        """The services over one server's registry, job watcher and submission ledger."""
        return cls(
            facilities=FacilityService(registry),
            jobs=JobService(registry, watcher, submissions, records),
            files=FileService(registry, max_upload_size),
            login=LoginService(registry),
            status=StatusService(registry),
            kernel_token=kernel_token,
        )

    def __repr__(self) -> str:
        return "HPCServices(facilities, jobs, files, login, status, kernel_token='***')"
