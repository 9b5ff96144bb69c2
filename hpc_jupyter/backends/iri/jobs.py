"""An IRI facility's jobs: submit, list (paged), get and cancel through `/compute`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from ...errors import FacilityError, NotFound
from ...models import Job, JobRequest, LogStream, OutputChunk
from ..base import FileBackend, JobBackend
from ..logs import read_job_log
from .client import IRIClient
from .resources import Resources
from .script import job_spec
from .states import job_from_record

_MAX_REMEMBERED = 1000


class IRIJobs(JobBackend):
    """The compute resource's scheduler (PBS at ALCF, Slurm at NERSC) behind `/compute`.

    The API may not return a job's spec; what we sent for jobs submitted here is remembered
    (name, output paths, limits) so that their output can be followed.
    """

    def __init__(
        self, client: IRIClient, resources: Resources, files: Callable[[], FileBackend]
    ) -> None:
        self.client = client
        self.resources = resources
        self.facility = client.facility
        self._files = files
        self._sent: dict[str, dict[str, Any]] = {}

    async def _compute(self) -> str:
        compute, _ = await self.resources.ids()
        return quote(compute, safe="")

    def _job(self, record: Any, system: str) -> Job:
        if not isinstance(record, Mapping) or not record.get("id"):
            raise FacilityError(
                f"The IRI API of facility {self.facility!r} answered with no job.",
                facility=self.facility,
            )
        return job_from_record(record, self.facility, system, self._sent.get(str(record["id"])))

    async def submit(self, system: str, request: JobRequest) -> Job:
        spec = job_spec(request, self.client.settings)
        answer = await self.client.json("POST", f"compute/job/{await self._compute()}", json=spec)
        if isinstance(answer, Mapping) and answer.get("id"):
            if len(self._sent) >= _MAX_REMEMBERED:
                self._sent.pop(next(iter(self._sent)))
            self._sent[str(answer["id"])] = spec
        return self._job(answer, system)

    async def list_jobs(self, system: str) -> list[Job]:
        historical = "true" if self.client.settings.historical else "false"
        rows = await self.client.paged(
            "POST", f"compute/status/{await self._compute()}", {"historical": historical}
        )
        return [self._job(row, system) for row in rows]

    async def get_job(self, system: str, job_id: str) -> Job:
        _check_id(job_id)
        path = f"compute/status/{await self._compute()}/{quote(job_id, safe='')}"
        record = await self.client.json("GET", path, params={"include_spec": "true"})
        return self._job(record, system)

    async def _send_cancel(self, system: str, job_id: str, job: Job) -> None:
        path = f"compute/cancel/{await self._compute()}/{quote(job_id, safe='')}"
        await self.client.request("DELETE", path)

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        job = await self.get_job(system, job_id)
        size = min(max_bytes, self.client.settings.direct_limit)
        return await read_job_log(self._files(), system, job, stream, offset, size)


def _check_id(job_id: str) -> None:
    if not job_id or len(job_id) > 128 or not all(c.isalnum() or c in "._-[]:" for c in job_id):
        raise NotFound(f"{job_id!r} is not a job id of this facility.")
