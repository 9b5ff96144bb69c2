"""Where a Slurm job's logs went, worked out from how it was sent when its record kept no paths."""

from __future__ import annotations

from hpc_jupyter.backends.slurm.outputs import submitted_logs
from hpc_jupyter.models import Job, JobRequest, JobState


def forgotten(**fields: object) -> Job:
    """A job as accounting before v0.0.41 keeps it: its work directory, no log paths."""
    base: dict[str, object] = {
        "id": "812",
        "name": "fit run",
        "state": JobState.COMPLETED,
        "raw_state": "COMPLETED",
        "user": "ana",
        "workdir": "/home/ana/runs/a b",
    }
    return Job(**{**base, **fields})  # type: ignore[arg-type]


def test_a_job_sent_with_no_log_options_wrote_sbatchs_default_in_its_workdir() -> None:
    job = submitted_logs(forgotten(), JobRequest(script="#!/bin/bash\necho hi\n"))

    assert (job.stdout, job.stderr) == ("/home/ana/runs/a b/slurm-812.out",) * 2


def test_the_requests_paths_come_before_the_scripts_and_patterns_are_filled() -> None:
    script = "#!/bin/bash\n#SBATCH -o ignored.out\n#SBATCH --error=/scratch/%u/%x-%j.err\n"
    request = JobRequest(script=script, stdout="logs/%x_%5j.txt")

    job = submitted_logs(forgotten(), request)

    assert job.stdout == "/home/ana/runs/a b/logs/fit run_00812.txt"
    assert job.stderr == "/scratch/ana/fit run-812.err"


def test_an_array_tasks_default_names_its_array_and_index() -> None:
    task = forgotten(id="815", array_job_id="812", array_task_id="3")

    job = submitted_logs(task, JobRequest(script="#!/bin/bash\n#SBATCH -o out-%A.%a\n"))

    assert job.stdout == job.stderr == "/home/ana/runs/a b/out-812.3"
    assert submitted_logs(task, JobRequest(script="#!/bin/bash\n")).stdout == (
        "/home/ana/runs/a b/slurm-812_3.out"
    )


def test_what_the_record_cannot_tell_is_left_unknown() -> None:
    request = JobRequest(script="#!/bin/bash\n")
    on_node = JobRequest(script="#!/bin/bash\n#SBATCH --output=%N.log\n")
    pending = forgotten(array_job_id="812", array_task_id="4-6")

    # the node that ran it, a relative or missing work directory, tasks not yet split
    assert submitted_logs(forgotten(), on_node).stdout is None
    assert submitted_logs(forgotten(workdir="runs"), request).stdout is None
    assert submitted_logs(forgotten(workdir=None), request).stdout is None
    assert submitted_logs(pending, request).stdout is None


def test_paths_the_record_kept_are_kept() -> None:
    job = forgotten(stdout="/kept/out", stderr=None)

    found = submitted_logs(job, JobRequest(script="#!/bin/bash\n", stderr="err.txt"))

    assert (found.stdout, found.stderr) == ("/kept/out", "/home/ana/runs/a b/err.txt")
