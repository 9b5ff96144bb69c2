"""hpc.sweep: parameters checked, exported safely to real bash, and run on the local facility."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

import hpc_jupyter
from hpc_jupyter.api import HPC, connect
from hpc_jupyter.backends.directives import parse_sbatch_directives
from hpc_jupyter.client import HPCClient
from hpc_jupyter.models import JobState
from hpc_jupyter.sweep import Sweep, SweepError, parameter_sets, prelude, with_prelude
from tests.helpers import wait_until

AWKWARD = [
    "two words",
    'it\'s "quoted"',
    "$HOME and $(touch pwned) and `touch pwned`",
    "line one\nline two\n",
    "back\\slash; semi & amp | pipe > gt",
    "",
    "-n",
    "ünïcödé ✓",
    "*",
]


def test_a_grid_is_the_product_in_the_given_order() -> None:
    sets = parameter_sets({"n": [1, 2], "mode": ["a", "b", "c"]})
    assert sets[:4] == [
        {"n": "1", "mode": "a"},
        {"n": "1", "mode": "b"},
        {"n": "1", "mode": "c"},
        {"n": "2", "mode": "a"},
    ]
    assert len(sets) == 6
    assert parameter_sets([{"x": 1.5}, {"x": "b"}]) == [{"x": "1.5"}, {"x": "b"}]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"1x": [1]}, "not valid as an environment variable"),
        ({"a-b": [1]}, "not valid as an environment variable"),
        ([{"a": 1}, {"b": 2}], "every task needs the same names"),
        ({"a": "abc"}, "give a list of values"),
        ({"a": []}, "at least one task"),
        ([], "at least one task"),
        ({"a": range(1001)}, "at most 1000 tasks"),
        ({"a": ["x\x00y"]}, "NUL"),
        ([1, 2], "every task must be a dict"),
        ({"index": [1, 2]}, "'index' is kept for `collect`"),
        ([{"state": "CA"}], "'state' is kept for `collect`"),
        ({"value": [1]}, "'value' is kept for `collect`"),
    ],
)
def test_bad_parameters_are_a_value_error_before_anything_is_submitted(
    params: Any, words: str
) -> None:
    with pytest.raises(ValueError, match=words) as info:
        parameter_sets(params)
    assert isinstance(info.value, SweepError) and info.value.status == 400


def test_awkward_values_reach_each_task_exactly_through_real_bash(tmp_path: Path) -> None:
    # Given a sweep over values with spaces, quotes, $, backquotes, newlines and an empty one
    sets = parameter_sets({"VALUE": AWKWARD, "OTHER": ["x"]})
    script = with_prelude("#!/bin/bash\n", prelude(sets))
    path = tmp_path / "task.sh"
    path.write_text(script + 'printf "%s" "$VALUE"\n')

    # When each task's index runs the script in bash
    for index, expected in enumerate(AWKWARD):
        env = {"PATH": os.environ["PATH"], "SLURM_ARRAY_TASK_ID": str(index)}
        done = subprocess.run(
            ["/bin/bash", str(path)], env=env, cwd=tmp_path, capture_output=True, check=True
        )
        # Then it sees its value exactly, and nothing in a value ran
        assert done.stdout.decode() == expected
    assert not (tmp_path / "pwned").exists()
    other = subprocess.run(
        ["/bin/bash", str(path)],
        env={"PATH": os.environ["PATH"], "SLURM_ARRAY_TASK_ID": "99"},
        capture_output=True,
    )
    assert other.returncode == 2 and b"no task 99" in other.stderr


def test_the_prelude_comes_after_the_sbatch_lines_which_still_count() -> None:
    script = "#!/bin/bash\n#SBATCH --time=5\n# a comment\n#SBATCH -J sw\n\necho $N\n"
    placed = with_prelude(script, prelude([{"N": "1"}]))
    lines = placed.splitlines()
    assert lines[:4] == script.splitlines()[:4]
    assert lines[4] == "# hpc-jupyter sweep: this task's parameters"
    assert parse_sbatch_directives(placed) == {"time": "5", "job-name": "sw"}
    assert with_prelude("echo hi", "X\n") == "X\necho hi"
    assert with_prelude("#!/bin/sh", "X\n") == "#!/bin/sh\nX\n"


async def _connect() -> tuple[HPCClient, HPC]:
    client = HPCClient()
    return client, await asyncio.to_thread(connect, client=client)


_RESULT = (
    "#!/bin/bash\n#SBATCH --job-name=sweep\n"
    "mkdir -p out\n"
    'printf \'{"square": %s, "mode": "%s"}\' $((N * N)) "$MODE" > out/$SLURM_ARRAY_TASK_ID.json\n'
)


async def test_a_sweep_on_the_local_facility_is_one_array_and_collects_its_results(
    kernel_env: Any, jp_root_dir: Path
) -> None:
    client, hpc = await _connect()
    with client:
        # When a grid of 2 x 2 runs as a sweep, two tasks at a time
        sweep = await asyncio.to_thread(
            hpc.sweep, _RESULT, {"N": [2, 3], "MODE": ["fast", "a b"]}, max_running=2
        )
        tasks = await asyncio.to_thread(sweep.wait, 60, 0.2)
        rows = await asyncio.to_thread(sweep.collect, "out/{index}.json")

    # Then it was one array of four tasks, each with its parameters
    assert sweep.array is not None and sweep.jobs == []
    assert [task.state for task in tasks] == [JobState.COMPLETED] * 4
    assert [task.job_id for task in tasks] == [f"{sweep.array.id}_{i}" for i in range(4)]
    assert rows == [
        {"index": 0, "N": "2", "MODE": "fast", "state": "COMPLETED", "square": 4, "mode": "fast"},
        {"index": 1, "N": "2", "MODE": "a b", "state": "COMPLETED", "square": 4, "mode": "a b"},
        {"index": 2, "N": "3", "MODE": "fast", "state": "COMPLETED", "square": 9, "mode": "fast"},
        {"index": 3, "N": "3", "MODE": "a b", "state": "COMPLETED", "square": 9, "mode": "a b"},
    ]
    assert "4 COMPLETED" in repr(sweep)


async def test_a_sweep_is_cancelled_as_a_whole_and_a_missing_file_is_none(
    kernel_env: Any, jp_root_dir: Path
) -> None:
    client, hpc = await _connect()
    with client:
        sweep = await asyncio.to_thread(
            hpc.sweep, "#!/bin/bash\nsleep 60\n", [{"A": "1"}, {"A": "2"}, {"A": "3"}]
        )
        await asyncio.to_thread(sweep.cancel)
        tasks = await asyncio.to_thread(sweep.wait, 30, 0.2)
        await asyncio.to_thread(sweep.cancel)  # again, once all have ended: nothing to do
        rows = await asyncio.to_thread(sweep.collect, "nothing-{A}.txt")

    assert [task.state for task in tasks] == [JobState.CANCELLED] * 3
    assert [row["value"] for row in rows] == [None, None, None]
    with pytest.raises(SweepError, match=r"names \{B\}, which is neither"):
        sweep.collect("out-{B}.txt")
    with pytest.raises(SweepError, match="not a file name pattern"):
        sweep.collect("out-{index")


async def test_a_sweep_refuses_its_own_array_option(kernel_env: Any) -> None:
    client, hpc = await _connect()
    with client, pytest.raises(SweepError, match="makes its own array"):
        await asyncio.to_thread(hpc.sweep, "#!/bin/bash\n", {"A": [1]}, array="0-3")


def test_the_package_exports_sweep() -> None:
    assert hpc_jupyter.Sweep is Sweep
    assert "Sweep" in hpc_jupyter.__all__


async def test_the_sweep_widget_shows_each_tasks_parameters_and_state_as_they_change(
    kernel_env: Any, jp_root_dir: Path
) -> None:
    from hpc_jupyter.widgets.sweep import SweepMonitor

    client, hpc = await _connect()
    with client:
        # Given a sweep whose tasks take a moment, and its widget following it
        sweep = await asyncio.to_thread(
            hpc.sweep, "#!/bin/bash\nsleep 1\n", {"SIZE": ["small <b>", "large"]}
        )
        monitor = await asyncio.to_thread(SweepMonitor, sweep, poll=0.2)
        try:
            first = monitor.table.value
            # When the tasks end, the widget follows them by itself
            for _ in range(300):
                if "all ended" in monitor.heading.value:
                    break
                await asyncio.sleep(0.1)
            final = monitor.table.value
        finally:
            await asyncio.to_thread(monitor.close)

    # Then it showed the parameters (escaped) and the states, from pending to completed
    assert "small &lt;b&gt;" in first and "large" in first
    assert "2 COMPLETED" in monitor.heading.value, monitor.heading.value
    assert final.count("COMPLETED") == 2 and "PENDING" not in final
    assert monitor.updates >= 2 and not monitor.live
    assert "COMPLETED" in sweep._repr_html_()


@pytest.mark.parametrize("forget", [[1], [0, 1, 2]], ids=["a task", "the whole array"])
async def test_a_task_the_facility_has_forgotten_has_ended_unknown_how(
    kernel_env: Any, jp_root_dir: Path, hpc_app: Any, forget: list[int]
) -> None:
    # Given a sweep whose tasks have all ended before it looked at them
    client, hpc = await _connect()
    store = hpc_app.registry.get("local").jobs.store
    with client:
        sweep = await asyncio.to_thread(
            hpc.sweep, "#!/bin/bash\necho $X > forgot-$X.txt\n", {"X": ["a", "b", "c"]}
        )
        assert sweep.array is not None
        array_id = int(sweep.array.id)
        assert await wait_until(
            lambda: all(task.state == "COMPLETED" for task in store.tasks(array_id)), 30
        )

        # When the facility forgets some of them, as slurmctld without accounting forgets a
        # job MinJobAge after its end (the local store's rows deleted)
        with store._transaction() as db:
            for index in forget:
                db.execute(
                    "DELETE FROM jobs WHERE array_job_id = ? AND array_task_id = ?",
                    (array_id, index),
                )

        # Then waiting ends: a forgotten task has ended, its state UNKNOWN
        tasks = await asyncio.to_thread(sweep.wait, 20, 0.2)
        rows = await asyncio.to_thread(sweep.collect, "forgot-{X}.txt")

    assert [task.forgotten for task in tasks] == [i in forget for i in range(3)]
    assert all(task.ended for task in tasks) and sweep.done
    states = [JobState.UNKNOWN if i in forget else JobState.COMPLETED for i in range(3)]
    assert [task.state for task in tasks] == states
    # and its results are still collected from its files
    assert [row["value"] for row in rows] == ["a", "b", "c"]


async def test_a_sweep_interrupted_while_submitting_its_jobs_cancels_those_submitted(
    kernel_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hpc_jupyter.backends.local.jobs import LocalJobs
    from hpc_jupyter.models import Capability

    # Given a facility without job arrays: a sweep is one job per task
    monkeypatch.setattr(
        LocalJobs, "capabilities", LocalJobs.capabilities - {Capability.JOBS_ARRAYS}
    )
    client, hpc = await _connect()
    submitted: list[str] = []
    submit = hpc.submit

    def interrupted_at_the_third(script: str, **options: Any) -> Any:
        if len(submitted) == 2:
            raise KeyboardInterrupt  # the user stops the cell while the jobs go in
        handle = submit(script, **options)
        submitted.append(handle.id)
        return handle

    monkeypatch.setattr(hpc, "submit", interrupted_at_the_third)
    with client:
        # When the sweep of four tasks is interrupted after two were submitted
        with pytest.raises(KeyboardInterrupt):
            await asyncio.to_thread(hpc.sweep, "#!/bin/bash\nsleep 60\n", {"A": [1, 2, 3, 4]})

        # Then the two jobs it had submitted are cancelled, not left running unseen
        states = [(await asyncio.to_thread(hpc.job, job_id)).info.state for job_id in submitted]
    assert states == [JobState.CANCELLED, JobState.CANCELLED]


async def test_a_forgotten_tasks_result_is_read_in_the_sweeps_work_directory(
    kernel_env: Any, jp_root_dir: Path, hpc_app: Any
) -> None:
    # Given a sweep run in a work directory of its own, whose tasks have all ended
    client, hpc = await _connect()
    (jp_root_dir / "runs" / "a b").mkdir(parents=True)
    store = hpc_app.registry.get("local").jobs.store
    with client:
        sweep = await asyncio.to_thread(
            hpc.sweep,
            "#!/bin/bash\necho $X > out-$X.txt\n",
            {"X": ["a", "b"]},
            workdir="runs/a b",
        )
        assert sweep.array is not None
        array_id = int(sweep.array.id)
        assert await wait_until(
            lambda: all(task.state == "COMPLETED" for task in store.tasks(array_id)), 30
        )

        # When the facility forgets the whole array before the sweep looked at it
        with store._transaction() as db:
            db.execute("DELETE FROM jobs WHERE array_job_id = ?", (array_id,))
        tasks = await asyncio.to_thread(sweep.wait, 20, 0.2)
        rows = await asyncio.to_thread(sweep.collect, "out-{X}.txt")

    # Then each result is still read where the tasks ran, not in the home
    assert all(task.forgotten for task in tasks)
    assert [row["value"] for row in rows] == ["a", "b"]


def test_a_task_still_completing_is_not_shown_as_failed() -> None:
    from hpc_jupyter.sweep import SweepTask
    from hpc_jupyter.widgets.colours import BLUE, RED
    from hpc_jupyter.widgets.sweep import tasks_html

    table = tasks_html(
        [
            SweepTask(0, {"A": "1"}, "7_0", JobState.COMPLETING),
            SweepTask(1, {"A": "2"}, "7_1", JobState.TIMEOUT),
        ]
    )

    rows = table.split("<tr>")[2:]
    assert f"color:{BLUE}" in rows[0] and RED not in rows[0]
    assert f"color:{RED}" in rows[1]


async def test_collect_raises_when_the_facility_fails_rather_than_showing_no_results(
    kernel_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hpc_jupyter.errors import Unavailable

    client, hpc = await _connect()
    with client:
        sweep = await asyncio.to_thread(
            hpc.sweep, "#!/bin/bash\necho $A > got-$A.txt\n", {"A": ["1", "2"]}
        )
        await asyncio.to_thread(sweep.wait, 30, 0.2)

        # When the facility goes away while the results are read
        def away(*args: Any, **kwargs: Any) -> str:
            raise Unavailable("The facility is down for maintenance.")

        monkeypatch.setattr(hpc, "read_text", away)

        # Then collecting says so, rather than a table of results that are all None
        with pytest.raises(Unavailable, match="maintenance"):
            await asyncio.to_thread(sweep.collect, "got-{A}.txt")
