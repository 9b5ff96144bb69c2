"""FirecREST v1's squeue and sacct rows read as the project's jobs."""

from __future__ import annotations

from hpc_jupyter.backends.firecrest.v1.records import from_accounting, from_queue
from hpc_jupyter.models import JobState


def test_rows_map_to_jobs() -> None:
    # Given squeue and sacct rows as FirecREST v1 gives them
    pending = {
        "jobid": "7_[1-3]",
        "name": "arr",
        "state": "PENDING",
        "start_time": "0:00",
        "time": "N/A",
        "time_left": "1:00:00",
        "nodes": "1",
        "nodelist": "(Priority)",
        "job_file": "/home/u/run/s.sh",
        "job_file_out": "stdout-file-not-found",
    }
    running = {**pending, "jobid": "8", "state": "RUNNING", "start_time": "1:30", "nodelist": "n1"}
    killed = {
        "jobid": "9",
        "state": "CANCELLED by 1001",
        "start_time": "2026-11-30T10:00:00",
        "termination_time": "2026-11-30T10:05:00",
        "exit_code": "0:9",
    }

    # When they are read
    waiting = from_queue(pending, "f", "s")
    busy = from_queue(running, "f", "s")
    gone = from_accounting(killed, "f", "s")

    # Then the project's job says what each row meant
    assert waiting.state is JobState.PENDING
    assert waiting.reason == "Priority"
    assert (waiting.array_job_id, waiting.array_task_id) == ("7", "1-3")
    assert waiting.start_time is None and waiting.stdout is None
    assert waiting.workdir == "/home/u/run"
    assert busy.time_limit == 90 + 3600
    assert busy.start_time is not None
    assert gone.state is JobState.CANCELLED
    assert gone.exit_code == 128 + 9
    assert gone.end_time is not None and gone.start_time is not None
    assert gone.end_time - gone.start_time == 300
