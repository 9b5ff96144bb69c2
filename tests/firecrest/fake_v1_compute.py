"""The v1 double's `/compute`: squeue, sacct, sbatch and scancel as tasks on a toy scheduler."""

from __future__ import annotations

import datetime
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hpc_jupyter.backends.directives import parse_sbatch_directives
from tests.firecrest.fake_firecrest import USER, FakeJob
from tests.firecrest.fake_v1_state import PARTITIONS, FakeFirecrestV1

if TYPE_CHECKING:
    from tests.firecrest.fake_firecrest_v1 import FirecrestV1Handler


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
        target = h.existing_file("targetPath", "Failed to submit job")
        if target is None:
            return
        where, local = target
        env = json.loads(h.field("env") or "{}")
        task = fake.compute_task(lambda: _sbatch(fake, where, local, env))
        h.created(task, 201)
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
        h.created(task, 200)
    elif rest == "acct" and method == "GET":
        wanted = [j for j in (h.query("jobs") or "").split(",") if j]

        def sacct() -> tuple[str, Any]:
            if not fake.accounting:
                return "400", "sacct: error: Slurm accounting storage is disabled"
            jobs = [job for job in fake.jobs.values() if not wanted or job.id in wanted]
            return "200", [_acct_row(job) for job in jobs] or {}

        task = fake.compute_task(sacct)
        h.created(task, 200)
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
        h.created(task, 200)
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
        h.created(task, 200)
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
    job = fake.start_job(script, os.path.dirname(where), env, os.path.basename(where))
    return "200", {
        "result": "Job submitted",
        "jobid": job.id,
        "job_file": where,
        "job_file_out": job.stdout,
        "job_file_err": job.stderr,
        "job_data_out": "",
        "job_data_err": "",
        "job_info_extra": "Job info returned successfully",
    }
