"""The REST API of hpc-jupyter, under /hpc/api (described by api/openapi.yaml)."""

from __future__ import annotations

from typing import Any

from .facilities import FacilitiesHandler, FacilityHandler, InfoHandler, StatusHandler
from .files import (
    FileChecksumHandler,
    FileContentHandler,
    FileLinesHandler,
    FileOperationHandler,
    FilesHandler,
    FileStatHandler,
)
from .jobs import (
    JobActionHandler,
    JobCheckHandler,
    JobHandler,
    JobOutputHandler,
    JobsHandler,
    JobSubmissionHandler,
    PartitionsHandler,
)
from .kernels import KernelNotebookHandler
from .login import LoginCodeHandler, LoginHandler
from .unknown import FALLBACK

_FACILITY = r"hpc/api/facilities/(?P<facility>[A-Za-z0-9_-]+)"
_JOB = _FACILITY + r"/jobs/(?P<job_id>[^/]+)"

HANDLERS: list[tuple[str, Any]] = [
    (r"hpc/api/info", InfoHandler),
    (r"hpc/api/facilities", FacilitiesHandler),
    (r"hpc/api/kernels/(?P<kernel_id>[^/]+)/notebook", KernelNotebookHandler),
    (_FACILITY, FacilityHandler),
    (_FACILITY + r"/files", FilesHandler),
    (_FACILITY + r"/files/stat", FileStatHandler),
    (_FACILITY + r"/files/content", FileContentHandler),
    (_FACILITY + r"/files/(?P<end>head|tail)", FileLinesHandler),
    (_FACILITY + r"/files/checksum", FileChecksumHandler),
    (_FACILITY + r"/files/(?P<op>mkdir|move|copy|delete|chmod|chown)", FileOperationHandler),
    (_FACILITY + r"/status", StatusHandler),
    (_FACILITY + r"/jobs", JobsHandler),
    (_FACILITY + r"/jobs/check", JobCheckHandler),  # before a job's route: `check` is no job id
    (_FACILITY + r"/partitions", PartitionsHandler),
    (_FACILITY + r"/login", LoginHandler),
    (_FACILITY + r"/login/code", LoginCodeHandler),
    (_JOB, JobHandler),
    (_JOB + r"/output", JobOutputHandler),
    (_JOB + r"/submission", JobSubmissionHandler),
    (_JOB + r"/(?P<action>hold|release|requeue)", JobActionHandler),
]

ROUTES: list[tuple[str, Any]] = [*HANDLERS, FALLBACK]
"""What the server serves: the API's routes, then a JSON 404 for any other path under it."""
