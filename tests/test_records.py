"""The server's submission records: on disk, shared, pruned, and relative to the server's root."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from hpc_jupyter import records as records_module
from hpc_jupyter.models import Job, JobRequest, JobState, Origin, Via
from hpc_jupyter.records import FILE_NAME, SubmissionRecords

ORIGIN = Origin(via=Via.MAGIC, notebook="runs/sim.ipynb", cell="c-42")


def request(script: str = "#!/bin/bash\necho hi\n", **more: object) -> JobRequest:
    return JobRequest(script=script, origin=ORIGIN, **more)  # type: ignore[arg-type]


def job(job_id: str, array_job_id: str | None = None) -> Job:
    return Job(
        id=job_id,
        name="x",
        state=JobState.PENDING,
        raw_state="PENDING",
        facility="here",
        system="sys",
        array_job_id=array_job_id,
    )


def test_a_record_survives_a_restart_and_is_shared_by_a_second_server(tmp_path: Path) -> None:
    # Given a server that recorded a submission
    first = SubmissionRecords(tmp_path)
    first.add("here", "sys", "12", request(name="sim", time_limit=60, env={"N": "3"}))

    # When a second server on the same data dir reads it, before and after the first stops
    second = SubmissionRecords(tmp_path)
    seen = second.get("here", "sys", "12")
    first.close()
    restarted = SubmissionRecords(tmp_path)
    again = restarted.get("here", "sys", "12")

    # Then both have the whole request, its origin and the time
    assert seen is not None and again is not None
    assert seen == again
    assert seen.request == request(name="sim", time_limit=60, env={"N": "3"})
    assert seen.request.origin == ORIGIN
    assert seen.recorded and seen.submitted_at is not None
    assert restarted.get("here", "other-system", "12") is None
    assert restarted.get("elsewhere", "sys", "12") is None


def test_listed_jobs_get_their_origin_and_array_tasks_their_arrays(tmp_path: Path) -> None:
    records = SubmissionRecords(tmp_path)
    records.add("here", "sys", "12", request())
    records.add("here", "sys", "13", JobRequest(script="echo no origin\n"))

    listed = records.with_origins(
        "here", "sys", [job("12"), job("12_3", "12"), job("13"), job("9")]
    )

    assert [j.origin for j in listed] == [ORIGIN, ORIGIN, None, None]


def test_the_file_is_the_users_alone(tmp_path: Path) -> None:
    SubmissionRecords(tmp_path).add("here", "sys", "1", request())

    for path in (tmp_path / "here").iterdir():
        if path.name.startswith(FILE_NAME):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_records_are_kept_90_days_and_the_newest_10000_per_facility(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records_module, "MAX_PER_FACILITY", 3)
    now = [1_000_000_000.0]
    monkeypatch.setattr(records_module.time, "time", lambda: now[0])
    records = SubmissionRecords(tmp_path)
    records.add("here", "sys", "old", request())
    now[0] += records_module.MAX_AGE + 1  # 90 days and a second later
    for job_id in ("1", "2", "3", "4"):
        records.add("here", "sys", job_id, request())
        now[0] += 1
    records.add("other", "sys", "old", request())  # another facility keeps its own

    kept = [j for j in ("old", "1", "2", "3", "4") if records.get("here", "sys", j)]

    assert kept == ["2", "3", "4"]
    assert records.get("other", "sys", "old") is not None


def test_an_absolute_notebook_path_under_the_root_is_recorded_relative(tmp_path: Path) -> None:
    records = SubmissionRecords(tmp_path / "data", tmp_path / "root")
    inside = Origin(notebook=str(tmp_path / "root" / "a" / "nb.ipynb"), cell="c")
    outside = Origin(notebook="/elsewhere/nb.ipynb")

    assert records.relative(inside) == Origin(notebook="a/nb.ipynb", cell="c")
    assert records.relative(outside) == outside
    assert records.relative(ORIGIN) == ORIGIN
    assert records.relative(None) is None


def test_a_notebook_path_climbing_out_of_the_root_is_not_recorded_as_under_it(
    tmp_path: Path,
) -> None:
    # Given a kernel's notebook path that names the root, then climbs out of it with `..`
    records = SubmissionRecords(tmp_path / "data", tmp_path / "root")
    climbing = Origin(notebook=f"{tmp_path}/root/../elsewhere/nb.ipynb")
    inside = Origin(notebook=f"{tmp_path}/root/a/../b/nb.ipynb")

    # Then it is recorded where it is: outside the root, absolute; inside, relative
    assert records.relative(climbing) == Origin(notebook=f"{tmp_path}/elsewhere/nb.ipynb")
    assert records.relative(inside) == Origin(notebook="b/nb.ipynb")


def test_an_unreadable_file_is_no_origin_and_no_crash(tmp_path: Path) -> None:
    records = SubmissionRecords(tmp_path)
    records.add("here", "sys", "12", request())
    with sqlite3.connect(tmp_path / "here" / FILE_NAME) as db:
        db.execute("UPDATE records SET origin = ?, request = ?", ("{not json", "[]"))

    assert records.with_origins("here", "sys", [job("12")]) == [job("12")]
    assert records.get("here", "sys", "12") is None


def test_a_renamed_notebook_or_folder_keeps_its_jobs(tmp_path: Path) -> None:
    # Given jobs from a notebook in a folder, from a folder whose name starts the same, and from
    # an Untitled notebook, on two facilities
    records = SubmissionRecords(tmp_path)

    def sent(notebook: str) -> JobRequest:
        return JobRequest(script="echo\n", origin=Origin(via=Via.MAGIC, notebook=notebook))

    records.add("here", "sys", "1", sent("runs/sim.ipynb"))
    records.add("here", "sys", "2", sent("runs2/sim.ipynb"))
    records.add("here", "sys", "3", sent("Untitled3.ipynb"))
    records.add("there", "sys", "4", sent("Untitled3.ipynb"))
    records.add("here", "sys", "5", JobRequest(script="echo no origin\n"))

    # When Jupyter renames the notebook, then the folder (a second server sees the records)
    assert records.renamed("Untitled3.ipynb", "fit 50% é.ipynb") == 2
    second = SubmissionRecords(tmp_path)
    assert second.renamed("/runs/", "campaign/runs 'b'") == 1

    # Then each record names the notebook as it is now named, in its origin and its request
    def notebook(facility: str, job_id: str) -> str | None:
        found = records.get(facility, "sys", job_id)
        assert found is not None and found.request.origin is not None
        listed = records.with_origins(facility, "sys", [job(job_id)])[0]
        assert listed.origin == found.request.origin
        return found.request.origin.notebook

    assert notebook("here", "1") == "campaign/runs 'b'/sim.ipynb"
    assert notebook("here", "2") == "runs2/sim.ipynb"
    assert notebook("here", "3") == notebook("there", "4") == "fit 50% é.ipynb"
    assert records.get("here", "sys", "5") == second.get("here", "sys", "5")
    # and nothing is done for a path that is no rename
    assert records.renamed("", "x.ipynb") == records.renamed("a.ipynb", "/a.ipynb/") == 0
