"""JobMonitor and SubmitForm against the real server: submit, watch, notify, follow, cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.display import STATE_COLOURS
from hpc_jupyter.errors import HPCError, NotFound, ValidationError
from hpc_jupyter.models import JobState
from hpc_jupyter.widgets import JobMonitor, SubmitForm, tracking
from hpc_jupyter.widgets.submit_form import TEMPLATE, field_of
from tests.helpers import run, wait_until


@pytest.fixture(autouse=True)
def _fresh_tracking() -> Iterator[None]:
    tracking.forget_all()
    yield
    tracking.forget_all()


def _states(monitor: JobMonitor) -> dict[str, str]:
    return {row["ID"]: row["State"] for row in monitor.table.rows()}


async def test_submit_from_the_form_and_watch_it_complete(hpc: HPC, tmp_path: Path) -> None:
    # Given a live monitor and a form loaded from a script on the kernel's disk
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\n#SBATCH --job-name=from-file\necho hi\nsleep 1\necho bye\n")
    monitor = await run(JobMonitor, hpc=hpc, interval=0.2, max_interval=1.0)
    try:
        form = await run(SubmitForm, str(script), hpc=hpc, monitor=monitor)
        assert form.script.value == script.read_text()
        assert form.picker.facility.value == "local"

        # When the user names the job, sets a time limit and presses Submit
        form.name.value = "panel-job"
        form.time_limit.value = "2"
        await run(form.submit_button.click)

        # Then the job is in the monitor right away, selected, with its log followed
        assert form.status.errors == [], form.status.errors
        (handle,) = form.submitted
        assert f"Submitted job {handle.id} (panel-job)" in form.status.message
        assert handle.id in _states(monitor)
        assert monitor.selected == ("local", handle.id)
        row = next(r for r in monitor.table.rows() if r["ID"] == handle.id)
        assert row["Name"] == "panel-job" and row["Time limit"] == "00:02:00"

        # and the live updates bring it to COMPLETED, in green, with a notification
        assert await wait_until(lambda: _states(monitor).get(handle.id) == "COMPLETED", 30)
        assert STATE_COLOURS[JobState.COMPLETED] in monitor.table.state_html(("local", handle.id))
        assert await wait_until(lambda: monitor.log.complete, 10)
        assert monitor.log.text == "hi\nbye\n"
        assert "complete" in monitor.log.title.value
        assert any(
            f"Job {handle.id} (panel-job)" in note and note.endswith("→ COMPLETED, exit code 0")
            for note in monitor.notifications
        ), monitor.notifications
        assert "COMPLETED" in monitor.notes.value
        assert monitor.notes_box.layout.display == "flex"
        assert monitor.updated.value.startswith("Last updated ")
        assert monitor.live and monitor.updates >= 2
        assert monitor.status.errors == []

        # Dismiss hides the notifications
        await run(monitor.clear_notes.click)
        assert monitor.notifications == [] and monitor.notes_box.layout.display == "none"
    finally:
        await run(monitor.close)
    assert not monitor.live


async def test_cancel_another_job_with_confirmation(hpc: HPC) -> None:
    monitor = await run(JobMonitor, "local", hpc=hpc, interval=0.2, max_interval=1.0)
    try:
        # Given a long job submitted through the Python API and shown in the monitor
        long = await run(hpc.submit, "#!/bin/bash\nsleep 600", name="too-long")
        await run(monitor.track, long, False)
        key = ("local", long.id)
        assert await wait_until(lambda: _states(monitor).get(long.id) == "RUNNING", 20)

        # When the user clicks its id, then Cancel, then changes their mind
        await run(monitor.table.button(key).click)
        assert monitor.selected == key and not monitor.cancel_button.disabled
        await run(monitor.cancel_button.click)
        assert monitor.confirm.pending == f"Cancel job {long.id} (too-long) at local?"
        await run(monitor.confirm.no.click)
        assert (await run(hpc.job, long.id)).info.state is JobState.RUNNING

        # and then confirms
        await run(monitor.cancel)
        await run(monitor.confirm.yes.click)

        # Then the job ends CANCELLED, is announced, and cannot be cancelled again
        assert await wait_until(lambda: _states(monitor).get(long.id) == "CANCELLED", 30)
        assert monitor.cancel_button.disabled
        assert monitor.notifications[-1].endswith("→ CANCELLED"), monitor.notifications
        with pytest.raises(ValidationError, match="already ended"):
            await run(monitor.cancel, long.id)
        assert monitor.status.errors == []
    finally:
        await run(monitor.close)


async def test_filter_by_state(hpc: HPC) -> None:
    done = await run(hpc.submit, "#!/bin/bash\ntrue", name="quick")
    await run(done.wait, 30)
    long = await run(hpc.submit, "#!/bin/bash\nsleep 600", name="long")
    monitor = await run(JobMonitor, hpc=hpc, live=False)
    try:
        assert await wait_until(lambda: long.id in _states(monitor) or bool(monitor.refresh()), 10)
        await run(monitor.refresh)
        assert {done.id, long.id} <= set(_states(monitor))

        monitor.state_filter.value = "active"
        assert set(_states(monitor)) == {long.id}
        monitor.state_filter.value = "COMPLETED"
        assert set(_states(monitor)) == {done.id}
        monitor.state_filter.value = "FAILED"
        assert _states(monitor) == {}
        assert monitor.table.note.value == "<i>No jobs.</i>"
        assert not monitor.live and monitor.updated.value.endswith("(paused)")
    finally:
        await run(hpc.cancel, long.id)
        await run(monitor.close)


async def test_the_loop_shows_errors_and_backs_off(hpc: HPC) -> None:
    monitor = await run(JobMonitor, hpc=hpc, interval=0.1, max_interval=0.8)

    def broken() -> list[HPC]:
        raise HPCError("the server is having a bad day")

    try:
        monitor.picker.apis = broken  # type: ignore[method-assign]
        assert await wait_until(lambda: monitor.backoff.delay == 0.8, 10)
        assert monitor.live  # errors never end the updates
        assert monitor.status.errors[-1] == (
            "Updating the jobs failed: the server is having a bad day"
        )
        assert "bad day" in monitor.status.widget.value
    finally:
        await run(monitor.close)


async def test_facility_errors_appear_next_to_their_field(hpc: HPC) -> None:
    form = await run(SubmitForm, hpc=hpc)
    assert form.script.value == TEMPLATE

    # checked in the kernel: a bad node count and time limit
    form.nodes.value = "two"
    form.time_limit.value = "soon"
    await run(form.submit_button.click)
    assert set(form.field_errors) == {"nodes", "time_limit"}
    assert "not a Slurm time" in form.field_errors["time_limit"]
    assert form.status.errors[-1].startswith("Submit failed:")
    assert form.submitted == []

    # reported by the facility: the local facility has one node
    form.nodes.value = "2"
    form.time_limit.value = "1"
    await run(form.submit_button.click)
    assert list(form.field_errors) == ["nodes"]
    assert "nodes=1" in form.field_errors["nodes"]
    assert form.submitted == []

    # an empty script is caught before it leaves
    form.nodes.value = ""
    form.script.value = "  "
    with pytest.raises(ValidationError):
        await run(form.submit)
    assert list(form.field_errors) == ["script"]


async def test_a_missing_script_file_is_reported(hpc: HPC, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No local script"):
        await run(SubmitForm, tmp_path / "nope.sh", hpc=hpc)


def test_messages_map_to_fields() -> None:
    assert field_of("time_limit must be a positive number of seconds.") == "time_limit"
    assert field_of("The local facility runs every job on this one machine: nodes=1.") == "nodes"
    assert field_of("Invalid partition name specified") == "partition"
    assert field_of("Invalid account or account/partition combination") == "partition"
    assert field_of("Line 3 of the script: --mem needs a value.") == "script"
    assert field_of("The facility is down.") is None


async def test_partition_choices_come_from_the_facility(hpc: HPC) -> None:
    # The local facility lists its one partition through GET .../partitions
    form = await run(SubmitForm, hpc=hpc)

    assert list(form.partition.options) == ["local"]


async def test_an_array_tracked_by_its_id_ends_with_its_last_task(hpc: HPC) -> None:
    # Given a monitor following an array this notebook submitted: the submit answers its id
    # `A`, while listings show only its tasks `A_i`
    monitor = await run(JobMonitor, "local", hpc=hpc, interval=0.2, max_interval=1.0)
    try:
        array = await run(hpc.submit, "#!/bin/bash\nsleep 1\n", name="pair", array="0-1")
        await run(monitor.track, array, False)

        # When both tasks have run
        def announced() -> bool:
            return any(
                note.startswith(f"Job {array.id} (pair)")
                and note.endswith("→ COMPLETED, exit code 0")
                for note in monitor.notifications
            )

        # Then the array's own row ends COMPLETED and is announced, not left pending forever
        assert await wait_until(announced, 30), (monitor.notifications, _states(monitor))
        assert await wait_until(
            lambda: array.id not in _states(monitor) or _states(monitor)[array.id] == "COMPLETED", 5
        )
        assert _states(monitor).get(f"{array.id}_1") == "COMPLETED"
        assert monitor.status.errors == []
    finally:
        await run(monitor.close)
