"""Routes for a facility's jobs: list, submit, get, cancel, hold/release/requeue, follow output."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..submission import job_request
from .base import HPCAPIHandler


class JobsHandler(HPCAPIHandler):
    """GET .../jobs lists the user's jobs (or the last good listing, marked stale); POST submits.

    The listing carries an `ETag`: a reader sending it back in `If-None-Match` gets a `304`
    with no body until the listing changes.
    """

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        payload = await self.services.jobs.list_payload(facility, self.system_argument())
        self.write_payload(payload)

    @web.authenticated
    @authorized
    async def post(self, facility: str) -> None:
        job = await self.services.jobs.submit(
            facility,
            self.system_argument(),
            job_request(self.json_body()),
            self.request.headers.get("Idempotency-Key"),
        )
        self.write_json(job.to_dict(), status=201)


class JobHandler(HPCAPIHandler):
    """GET .../jobs/{id} describes a job; DELETE cancels it."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, job_id: str) -> None:
        job = await self.services.jobs.get(facility, self.system_argument(), job_id)
        self.write_json(job.to_dict())

    @web.authenticated
    @authorized
    async def delete(self, facility: str, job_id: str) -> None:
        job = await self.services.jobs.cancel(facility, self.system_argument(), job_id)
        self.write_json(job.to_dict())


class JobActionHandler(HPCAPIHandler):
    """POST .../jobs/{id}/hold|release|requeue: change a job's place in the queue."""

    @web.authenticated
    @authorized
    async def post(self, facility: str, job_id: str, action: str) -> None:
        job = await self.services.jobs.act(facility, self.system_argument(), job_id, action)
        self.write_json(job.to_dict())


class JobOutputHandler(HPCAPIHandler):
    """GET .../jobs/{id}/output?stream=stdout|stderr&offset=N: the log from an offset."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, job_id: str) -> None:
        stream = self.query_text("stream")
        chunk = await self.services.jobs.read_output(
            facility,
            self.system_argument(),
            job_id,
            "stdout" if stream is None else stream,
            self.int_argument("offset", 0) or 0,
            self.int_argument("length"),
        )
        self.write_json(chunk.to_dict())


class JobSubmissionHandler(HPCAPIHandler):
    """GET .../jobs/{id}/submission: how the job was submitted (script, options, origin)."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, job_id: str) -> None:
        submission = await self.services.jobs.submission(facility, self.system_argument(), job_id)
        self.write_json(submission.to_json())


class PartitionsHandler(HPCAPIHandler):
    """GET .../partitions: the partitions (queues) jobs can be submitted to."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        partitions = await self.services.jobs.partitions(facility, self.system_argument())
        self.write_json({"partitions": [partition.to_dict() for partition in partitions]})


class JobCheckHandler(HPCAPIHandler):
    """POST .../jobs/check: what a job request would cost and what stands in its way.

    Nothing is submitted; the answer comes from the facility's status (`/status`).
    """

    @web.authenticated
    @authorized
    async def post(self, facility: str) -> None:
        request = job_request(self.json_body())
        verdict = await self.services.status.check(facility, self.system_argument(), request)
        self.write_json(verdict.to_dict())
