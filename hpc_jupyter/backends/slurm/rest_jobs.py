"""Jobs through slurmrestd: submit, list, get, cancel and logs, for any API version it serves."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from ...errors import (
    CapabilityError,
    Conflict,
    FacilityError,
    HPCError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ...models import Capability, Efficiency, Job, JobRequest, Partition
from ..base import FileBackend
from .accounting import job_efficiency, record_steps_pending
from .dependencies import REFUSED, REFUSED_MESSAGE
from .history import SlurmHistory, accounting_job
from .jobs_base import SlurmJobs, check_job_id
from .request import job_spec
from .rest_client import SlurmRestClient
from .schema import (
    NEWEST,
    OLDEST,
    JobSpec,
    collection,
    number,
    parse_job,
    parse_partition,
    pick_record,
    refused_at_submit,
    submit_body,
)

log = logging.getLogger("hpc_jupyter.slurm")

# Slurm error numbers (slurm_errno.h) that a user can act on.
INVALID_PARTITION = 2000
ACCESS_DENIED = 2002
NODE_CONFIG_UNAVAILABLE = 2014
PARTITION_CONFIG_UNAVAILABLE = 2015
INVALID_JOB_ID = 2017
ALREADY_DONE = 2021
DEPENDENCY = 2038  # ESLURM_DEPENDENCY; slurmrestd's text is "Batch job submission failed"
JOB_NOT_FOUND = 9002  # 22.05, for an array task still pending with others ("Unable to find")

REQUEUE_SINCE = 45
"""The first API version with a requeue operation: GET /job/{id}/requeue (a GET, as its
spec and 26.05.5 have it: POST is a 404)."""


class SlurmRestJobs(SlurmJobs):
    """One user's jobs on one cluster behind slurmrestd."""

    # slurmrestd's job update (POST /job/{id}) takes `hold`; requeue comes with v0.0.45.
    _BASE = SlurmJobs.capabilities | {Capability.JOBS_HOLD}

    def __init__(
        self,
        facility: str,
        client: SlurmRestClient,
        files: FileBackend | None,
        *,
        home: str,
        api_version: int | None = None,
        partition: str | None = None,
        account: str | None = None,
        history: SlurmHistory | None = None,
    ) -> None:
        super().__init__(facility, client.user, files)
        self.client = client
        self.home = home
        self.partition = partition
        self.account = account
        self.history = history
        self._version = api_version
        self._version_checked = False
        self._version_lock = asyncio.Lock()

    @property
    def capabilities(self) -> frozenset[Capability]:  # type: ignore[override]
        """What the API version offers, once it is known (configured or discovered)."""
        found = self._BASE
        if self.history is not None:  # accounting says how a finished job used its resources
            found |= {Capability.JOBS_EFFICIENCY}
        if self._version is not None and self._version >= REQUEUE_SINCE:
            found |= {Capability.JOBS_REQUEUE}
        return found

    def known_version(self) -> int | None:
        """The API version, when it is configured or has been found (no request)."""
        return self._version

    async def _own_job(self, system: str, job_id: str, action: str) -> Job:
        if action == "requeue":
            await self._requeue_version()  # the version may not be known yet
        return await super()._own_job(system, job_id, action)

    async def _requeue_version(self) -> None:
        version = await self.version()
        if version < REQUEUE_SINCE:
            raise CapabilityError(
                f"slurmrestd API v0.0.{version} of facility {self.facility!r} cannot requeue "
                f"jobs (v0.0.{REQUEUE_SINCE} and later can)."
            )

    async def version(self) -> int:
        """The API version in use: configured (and served), or the newest the server serves."""
        async with self._version_lock:
            if self._version is not None and not self._version_checked:
                ping = f"/slurm/v0.0.{self._version}{collection(self._version, 'ping')}"
                if await self.client.status(ping) == 404:
                    raise FacilityError(
                        f"slurmrestd of facility {self.facility!r} does not serve the configured "
                        f"`api_version` v0.0.{self._version}: set one it serves (or none, for "
                        "the newest it serves)."
                    )
                self._version_checked = True
            if self._version is None:
                for candidate in range(NEWEST, OLDEST - 1, -1):
                    # An unserved version is a plain 404; anything else (even an auth
                    # failure) means the plugin is there.
                    ping = f"/slurm/v0.0.{candidate}{collection(candidate, 'ping')}"
                    if await self.client.status(ping) != 404:
                        self._version = candidate
                        self._version_checked = True
                        log.info(
                            "facility %r speaks slurmrestd v0.0.%d",
                            self.facility,
                            candidate,
                        )
                        break
                else:
                    raise FacilityError(
                        f"slurmrestd of facility {self.facility!r} serves none of the API "
                        f"versions v0.0.{OLDEST} to v0.0.{NEWEST}."
                    )
            return self._version

    async def _path(self, tail: str) -> str:
        return f"/slurm/v0.0.{await self.version()}{tail}"

    # -- the JobBackend interface ---------------------------------------------------------------

    async def submit(self, system: str, request: JobRequest) -> Job:
        spec = job_spec(
            request,
            user=self.client.user,
            home=self.home,
            partition=self.partition,
            account=self.account,
        )
        version = await self.version()

        def refused(code: int, text: str) -> HPCError | None:
            if code == INVALID_PARTITION:
                return ValidationError(
                    f"Partition {spec.partition!r} does not exist on this cluster."
                    if spec.partition
                    else "The cluster has no default partition: choose one."
                )
            if code == NODE_CONFIG_UNAVAILABLE:
                # 24.11 answers HTTP 500; it is the request that cannot be met.
                return ValidationError(
                    f"No node of the cluster can run the job as asked ({_asked(spec)}): "
                    "Slurm refused it."
                )
            return _user_error(code, text)

        if spec.time_limit_minutes is not None:
            await self.check_time_limit(
                system, spec.partition, spec.time_limit_minutes * 60, spec.qos
            )

        data = await self.client.call(
            "POST",
            await self._path("/job/submit"),
            body=submit_body(version, spec),
            errors=refused,
            allow_errors=frozenset({PARTITION_CONFIG_UNAVAILABLE}),
        )
        job_id = str(data.get("job_id", ""))
        if not job_id.isdigit():
            raise FacilityError("slurmrestd accepted the job but did not say its id.")
        if data.get("errors"):
            # Slurm queued a job that can never start (more than the partition offers):
            # take it back rather than leave it pending forever.
            await self._delete(job_id)
            raise ValidationError(
                "The job asks for more than the partition can ever offer (nodes, CPUs or "
                "memory); Slurm would keep it pending forever, so it was withdrawn."
            )
        as_submitted = {
            "job_id": int(job_id),
            "job_state": "PENDING",
            "name": spec.name,
            "user_name": self.client.user,
            "current_working_directory": spec.workdir,
            "standard_output": spec.stdout or "",
            "standard_error": spec.stderr or "",
        }
        return await self.just_submitted(system, parse_job(as_submitted, self.facility, system))

    async def current_jobs(self, system: str) -> list[Job]:
        tail = collection(await self.version(), "jobs")
        data = await self.client.call("GET", await self._path(tail))
        return [
            parse_job(entry, self.facility, system)
            for entry in data.get("jobs") or []
            if isinstance(entry, dict)
            and entry.get("user_name") == self.user
            and not refused_at_submit(entry)
        ]

    async def current_job(self, system: str, job_id: str) -> Job | None:
        records = await self._records(job_id)
        if any(refused_at_submit(entry) for entry in records if _is(entry, job_id)):
            raise NotFound(
                f"Slurm refused job {job_id} when it was submitted: it never ran, so it is "
                "no job of yours (Slurm keeps a FAILED record of the refusal)."
            )
        job = pick_record(records, job_id, self.facility, system)
        if job is None and "_" in job_id:
            # 22.05 does not find a task still pending with others by its `A_T`: the
            # array's records do hold it.
            array = job_id.split("_")[0]
            job = pick_record(await self._records(array), job_id, self.facility, system)
        return job

    async def _records(self, job_id: str) -> list[dict[str, object]]:
        """slurmctld's records for `job_id` (every task of an array); none when it has none."""

        def unknown(code: int, text: str) -> HPCError | None:
            if code == JOB_NOT_FOUND and "_" in job_id:
                return NotFound(f"Slurm knows no job {job_id}.")
            return _user_error(code, text)

        try:
            data = await self.client.call("GET", await self._path(f"/job/{job_id}"), errors=unknown)
        except NotFound:
            return []
        return [entry for entry in data.get("jobs") or [] if isinstance(entry, dict)]

    async def finished_jobs(self, system: str) -> list[Job]:
        return await self.history.finished(system) if self.history else []

    async def finished_job(self, system: str, job_id: str) -> Job:
        if self.history is None:
            raise NotFound(f"Slurm knows no job {job_id}.")
        return await self.history.job(system, job_id)

    async def batch_script(self, system: str, job_id: str) -> str | None:
        """The script in the job's accounting, where slurmdbd stores scripts
        (`AccountingStoreFlags=job_script`) and once the job reached it; slurmctld's job
        record has none."""
        if self.history is None:
            return None
        return await self.history.batch_script(check_job_id(job_id))

    async def efficiency(self, system: str, job: Job) -> Efficiency | None:
        if self.history is None:
            return await super().efficiency(system, job)
        record = await self.history.record(job.id)
        # The end reaches slurmdbd a moment after slurmctld: a record still running is not
        # the job's last word (None is asked again; an answer is kept for good).
        if record is None or not accounting_job(record, self.facility, system).state.is_final:
            return None
        if record_steps_pending(record, job):  # its steps' figures are still to come
            return None
        return job_efficiency(record, job, f"GET {await self.history.record_path(job.id)}")

    async def partitions(self, system: str) -> list[Partition]:
        tail = collection(await self.version(), "partitions")
        data = await self.client.call("GET", await self._path(tail))
        partitions = [
            parse_partition(entry)
            for entry in data.get("partitions") or []
            if isinstance(entry, dict) and entry.get("name")
        ]
        if self.partition and all(partition.default is None for partition in partitions):
            # v0.0.40-44 do not say which is the default: this facility's jobs go to its own.
            partitions = [
                dataclasses.replace(partition, default=partition.name == self.partition)
                for partition in partitions
            ]
        return partitions

    async def kill(self, job_id: str) -> None:
        await self._delete(job_id)

    async def control(self, action: str, job_id: str) -> None:
        check_job_id(job_id)
        if action == "requeue":
            await self._requeue_version()
            data = await self.client.call(
                "GET", await self._path(f"/job/{job_id}/requeue"), errors=_user_error
            )
            _check_status(data)
            return
        if action not in ("hold", "release"):
            raise CapabilityError(f"slurmrestd cannot {action} jobs.")
        await self.client.call(
            "POST",
            await self._path(f"/job/{job_id}"),
            body={"hold": action == "hold"},
            errors=_user_error,
        )

    async def _delete(self, job_id: str) -> None:
        check_job_id(job_id)
        data = await self.client.call(
            "DELETE", await self._path(f"/job/{job_id}"), errors=_user_error
        )
        _check_status(data)


def _check_status(data: dict[str, Any]) -> None:
    """24.11 on answer DELETE (and requeue) with 200 and `errors: []`: a refusal is only in
    `status[].error.code`."""
    for entry in data.get("status") or []:
        error = entry.get("error") if isinstance(entry, dict) else None
        if not isinstance(error, dict):
            continue
        code = error.get("code")
        if isinstance(code, int) and code:
            text = str(error.get("message") or error.get("string") or "")[:200]
            raise _user_error(code, text) or FacilityError(
                f"Slurm refused: {text or 'no reason given'} (error {code})."
            )


def _is(record: dict[str, object], job_id: str) -> bool:
    """Whether the record is job `job_id` itself (a plain id; never an array's task)."""
    return str(number(record.get("job_id"))) == job_id


def _asked(spec: JobSpec) -> str:
    """What a submission asks for, in sbatch's words (for a refusal)."""
    asked = {
        "--partition": spec.partition,
        "--nodes": spec.nodes,
        "--ntasks": spec.tasks,
        "--cpus-per-task": spec.cpus_per_task,
        "--mem": f"{spec.memory_mb}M" if spec.memory_mb else None,
        "--constraint": spec.constraints,
    }
    words = [f"{flag}={value}" for flag, value in asked.items() if value is not None]
    return " ".join(words)[:200] or "the partition's defaults"


def _user_error(code: int, text: str) -> HPCError | None:
    if code == DEPENDENCY or REFUSED in text.lower():
        return ValidationError(REFUSED_MESSAGE)
    if code == INVALID_JOB_ID:
        return NotFound("Slurm knows no such job (it may have ended long ago).")
    if code == ACCESS_DENIED:
        return PermissionDenied("Slurm refused: the job belongs to another user.")
    if code == ALREADY_DONE:
        return Conflict("The job has already ended.")
    if code == INVALID_PARTITION:
        return ValidationError("No such partition on this cluster.")
    return None
