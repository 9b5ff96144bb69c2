"""Submission records through the API: origin on every job, the submission route, two servers."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hpc_jupyter.records import FILE_NAME
from tests.helpers import JOBS, expect_error, submit, wait_for_state
from tests.server_process import ServerProcess, jupyter_server

SCRIPT = "#!/bin/bash\necho provenance\n"
ORIGIN = {"via": "api", "notebook": "runs/sim.ipynb", "cell": "cell-7", "resubmit_of": None}


def recorded_rows(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "local" / FILE_NAME) as db:
        count: int = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    return count


async def test_a_submission_is_recorded_once_and_its_origin_shown_everywhere(
    api: Any, hpc_data_dir: Path, job_events: list[dict[str, Any]]
) -> None:
    # Given a job submitted from a notebook's cell, twice with one Idempotency-Key
    key = {"Idempotency-Key": "provenance-1"}
    first = await submit(api, SCRIPT, headers=key, name="sim", time_limit=120, origin=ORIGIN)
    again = await submit(api, SCRIPT, headers=key, name="sim", time_limit=120, origin=ORIGIN)
    plain = await submit(api, SCRIPT)

    # When it is listed, asked for and its submission read
    await wait_for_state(api, first["id"], {"COMPLETED"})
    listing = {job["id"]: job for job in (await api(*JOBS))["jobs"]}
    got = await api(*JOBS, first["id"])
    submission = await api(*JOBS, first["id"], "submission")

    # Then every answer carries its origin, and the record holds the whole request
    assert first["origin"] == again["origin"] == ORIGIN
    assert listing[first["id"]]["origin"] == got["origin"] == ORIGIN
    assert plain["origin"] is None and listing[plain["id"]]["origin"] is None
    assert submission["recorded"] is True
    assert submission["job_id"] == first["id"]
    assert submission["facility"] == "local"
    assert submission["submitted_at"] > 0
    assert submission["request"]["script"] == SCRIPT
    assert submission["request"]["name"] == "sim"
    assert submission["request"]["time_limit"] == 120
    assert submission["request"]["origin"] == ORIGIN
    assert "partition" not in submission["request"]  # left out, not null
    assert recorded_rows(hpc_data_dir) == 2  # the repeat recorded nothing new
    events = [e for e in job_events if e["job_id"] == first["id"]]
    assert events and all(e["origin"] == ORIGIN for e in events)  # events tell it too


async def test_an_absolute_notebook_path_is_answered_relative_to_the_root(
    api: Any, jp_root_dir: Path
) -> None:
    # As a kernel of a JupyterLab session knows its notebook (JPY_SESSION_NAME)
    notebook = str(jp_root_dir / "deep" / "nb.ipynb")

    job = await submit(api, SCRIPT, origin={"via": "magic", "notebook": notebook, "cell": "c1"})

    assert job["origin"]["notebook"] == "deep/nb.ipynb"
    assert (await api(*JOBS, job["id"], "submission"))["request"]["origin"]["notebook"] == (
        "deep/nb.ipynb"
    )


async def test_no_record_is_a_404_and_a_bad_id_a_400(api: Any) -> None:
    missing = await expect_error(api(*JOBS, "424242", "submission"), 404)
    bad = await expect_error(api(*JOBS, "a b", "submission"), 400)
    bad_origin = await expect_error(submit(api, SCRIPT, origin={"via": "telepathy"}), 400)

    assert missing["message"] == "There is no record of how job 424242 was submitted."
    assert "is not a job id" in bad["message"]
    assert "origin.via" in bad_origin["message"]


@pytest.fixture
def second_server(tmp_path: Path, jp_root_dir: Path, hpc_data_dir: Path) -> Iterator[ServerProcess]:
    """Another server of the user on the test server's root and data dir."""
    config = {"data_dir": str(hpc_data_dir), "facilities": {"local": {"kind": "local"}}}
    with jupyter_server(tmp_path / "second", config, root=jp_root_dir) as server:
        yield server


async def test_two_servers_share_the_records(api: Any, second_server: ServerProcess) -> None:
    # Given a job submitted through one server, and one through the other
    ours = await submit(api, SCRIPT, origin=ORIGIN)
    theirs = await second_server.call(
        *JOBS, method="POST", body={"script": SCRIPT, "origin": {"via": "panel"}}
    )

    # When each server lists and reads the other's
    their_listing = {job["id"]: job for job in (await second_server.call(*JOBS))["jobs"]}
    our_view = await api(*JOBS, theirs["id"], "submission")
    their_view = await second_server.call(*JOBS, ours["id"], "submission")

    # Then both know where each came from
    assert their_listing[ours["id"]]["origin"] == ORIGIN
    assert our_view["request"]["origin"]["via"] == "panel"
    assert their_view["request"]["origin"] == ORIGIN


async def test_an_arrays_tasks_carry_its_origin(api: Any) -> None:
    job = await submit(api, SCRIPT, array="0-2", origin=ORIGIN)

    tasks = [
        listed
        for listed in (await api(*JOBS))["jobs"]
        if listed.get("array_job_id") == job["id"] or listed["id"] == job["id"]
    ]

    task = next(t["id"] for t in tasks if t["id"] != job["id"])
    submission = await api(*JOBS, task, "submission")  # a task's is its array's

    assert len(tasks) >= 3
    assert all(task["origin"] == ORIGIN for task in tasks), tasks
    assert submission["job_id"] == job["id"]
    assert submission["request"]["array"] == "0-2"


async def test_a_notebook_or_folder_renamed_in_jupyter_keeps_its_jobs(
    api: Any, jp_fetch: Any, jp_root_dir: Path
) -> None:
    # Given jobs from a notebook in a folder and from an Untitled one, listed (so held by the
    # server's listing)
    (jp_root_dir / "runs").mkdir()
    for notebook in ("runs/sim.ipynb", "Untitled.ipynb"):
        (jp_root_dir / notebook).write_text("{}")
    in_folder = await submit(api, SCRIPT, origin=ORIGIN)
    untitled = await submit(api, SCRIPT, origin={**ORIGIN, "notebook": "Untitled.ipynb"})
    await api(*JOBS)

    # When Jupyter renames the folder and the notebook (as Lab does)
    renames = {"runs": "runs 2026", "Untitled.ipynb": "fit é.ipynb"}
    for old, new in renames.items():
        body = json.dumps({"path": new})
        await jp_fetch("api", "contents", old, method="PATCH", body=body)

    # Then the listing, each job and its submission name the notebooks as they are now named
    expected = {in_folder["id"]: "runs 2026/sim.ipynb", untitled["id"]: "fit é.ipynb"}
    deadline = time.monotonic() + 10
    while True:
        listed = {
            job["id"]: (job["origin"] or {}).get("notebook") for job in (await api(*JOBS))["jobs"]
        }
        if all(listed.get(job_id) == notebook for job_id, notebook in expected.items()):
            break
        assert time.monotonic() < deadline, listed
        await asyncio.sleep(0.1)
    for job_id, notebook in expected.items():
        assert (await api(*JOBS, job_id))["origin"]["notebook"] == notebook
        submission = await api(*JOBS, job_id, "submission")
        assert submission["request"]["origin"] == {**ORIGIN, "notebook": notebook}
