"""Routes for a facility's jobs: list, submit, get, cancel, hold/release/requeue, follow output."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..inputs import check_job_id
from ..models import Job, check_stream
from ..submission import job_request
from .base import HPCAPIHandler

DEFAULT_OUTPUT_CHUNK = 256 * 1024
MAX_OUTPUT_CHUNK = 4 * 1024 * 1024


class JobsHandler(HPCAPIHandler):
    """GET .../jobs lists the user's jobs (or the last good listing, marked stale); POST submits."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        system = await self.system(facility)
        listing = await self.watcher.jobs(facility, system)
        self.write_json(listing.to_dict())

    @web.authenticated
    @authorized
    async def post(self, facility: str) -> None:
        backend = self.registry.get(facility).require_jobs()
        system = await self.system(facility)
        request = job_request(self.json_body())
        key = self.request.headers.get("Idempotency-Key")

        async def start() -> Job:
            job = await backend.submit(system, request)
            self.watcher.changed(facility, system, job)  # only a new job is news
            return job

        job = await self.hpc.submissions.submit(facility, system, key, request, start)
        self.write_json(job.to_dict(), status=201)


class JobHandler(HPCAPIHandler):
    """GET .../jobs/{id} describes a job; DELETE cancels it."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, job_id: str) -> None:
        check_job_id(job_id)
        system = await self.system(facility)
        job = await self.watcher.job(facility, system, job_id)
        self.write_json(job.to_dict())

    @web.authenticated
    @authorized
    async def delete(self, facility: str, job_id: str) -> None:
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        system = await self.system(facility)
        job = await backend.cancel_job(system, job_id)
        self.watcher.changed(facility, system, job)
        self.write_json(job.to_dict())


class JobActionHandler(HPCAPIHandler):
    """POST .../jobs/{id}/hold|release|requeue: change a job's place in the queue."""

    @web.authenticated
    @authorized
    async def post(self, facility: str, job_id: str, action: str) -> None:
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        system = await self.system(facility)
        operation = {
            "hold": backend.hold,
            "release": backend.release,
            "requeue": backend.requeue,
        }[action]
        job = await operation(system, job_id)
        self.watcher.changed(facility, system, job)
        self.write_json(job.to_dict())


class JobOutputHandler(HPCAPIHandler):
    """GET .../jobs/{id}/output?stream=stdout|stderr&offset=N: the log from an offset."""

    @web.authenticated
    @authorized
    async def get(self, facility: str, job_id: str) -> None:
        check_job_id(job_id)
        backend = self.registry.get(facility).require_jobs()
        system = await self.system(facility)
        stream = self.query_text("stream")
        stream = "stdout" if stream is None else stream
        check_stream(stream)
        length = self.int_argument("length", DEFAULT_OUTPUT_CHUNK) or DEFAULT_OUTPUT_CHUNK
        chunk = await backend.read_output(
            system,
            job_id,
            stream,
            self.int_argument("offset", 0) or 0,
            min(length, MAX_OUTPUT_CHUNK),
        )
        self.write_json(chunk.to_dict())


class PartitionsHandler(HPCAPIHandler):
    """GET .../partitions: the partitions (queues) jobs can be submitted to."""

    @web.authenticated
    @authorized
    async def get(self, facility: str) -> None:
        backend = self.registry.get(facility).require_jobs()
        system = await self.system(facility)
        partitions = await backend.partitions(system)
        self.write_json({"partitions": [partition.to_dict() for partition in partitions]})
