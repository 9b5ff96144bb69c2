"""Parameter sweeps: one script run once per set of parameters, as a job array where there is one.

>>> from hpc_jupyter.sweep import parameter_sets
>>> parameter_sets({"n": [1, 2], "mode": ["a", "b"]})[:2]
[{'n': '1', 'mode': 'a'}, {'n': '1', 'mode': 'b'}]

Where the facility runs job arrays (`jobs.arrays`), the sweep is ONE array job: a prelude,
put after the script's shebang and `#SBATCH` lines, exports each task's parameters from
`SLURM_ARRAY_TASK_ID`. Elsewhere it is one job per set of parameters, each given them in `env`.
"""

from __future__ import annotations

import contextlib
import enum
import html
import itertools
import json
import posixpath
import re
import shlex
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import Conflict, HPCError, NotFound, PermissionDenied, ValidationError
from .models import Capability, Job, JobState

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .api import HPC, JobHandle, SubmitOptions
    from .widgets.sweep import SweepMonitor

__all__ = ["Sweep", "SweepTask", "parameter_sets", "with_prelude"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
UNREADABLE = (NotFound, PermissionDenied, ValidationError)
"""What `Sweep.collect` shows as a task without a result (None): its file is missing, not
allowed or not a file. Any other error (the facility down, credentials refused) is raised."""
MAX_TASKS = 1000
"""The most tasks one sweep may have (the local facility's and Slurm's default array limit)."""
RESERVED = ("index", "state", "value")
"""Names `Sweep.collect` gives its own columns (and `index` its file name pattern): a parameter
named so would be overwritten in its table, or make its pattern ambiguous."""


class SweepError(ValidationError, ValueError):
    """Parameters no sweep can be made of (a `ValueError` as well)."""


# -- parameters --------------------------------------------------------------------------------


def parameter_sets(
    params: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
) -> list[dict[str, str]]:
    """The sweep's tasks' parameters, as text: a dict of lists is their grid (the product, in
    the given order, the last key changing fastest); a list of dicts is taken as it is.

    Every task has the same names, each valid as an environment variable's name and none of
    `RESERVED`.
    """
    if isinstance(params, Mapping):
        names = list(params)
        columns = []
        for name in names:
            values = params[name]
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise SweepError(f"Parameter {name!r}: give a list of values, not {values!r}.")
            columns.append(list(values))
        sets = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*columns)]
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        sets = [dict(item) if isinstance(item, Mapping) else _not_a_set(item) for item in params]
    else:
        raise SweepError("params: give a dict of lists (a grid) or a list of dicts.")
    if not sets or not sets[0]:
        raise SweepError("A sweep needs at least one task with at least one parameter.")
    if len(sets) > MAX_TASKS:
        raise SweepError(f"A sweep has at most {MAX_TASKS} tasks; this one has {len(sets)}.")
    names = list(sets[0])
    for number, one in enumerate(sets):
        if set(one) != set(names):
            raise SweepError(
                f"Task {number} has parameters {sorted(one)}, task 0 {sorted(names)}: every "
                "task needs the same names."
            )
    for name in names:
        if not isinstance(name, str) or not _NAME.match(name):
            raise SweepError(
                f"Parameter name {name!r} is not valid as an environment variable "
                "(letters, digits and _, not starting with a digit)."
            )
        if name in RESERVED:
            raise SweepError(
                f"Parameter name {name!r} is kept for `collect` ({', '.join(RESERVED)} are its "
                "own columns): rename it."
            )
    return [{name: _text(name, one[name]) for name in names} for one in sets]


def _not_a_set(item: Any) -> dict[str, Any]:
    raise SweepError(f"params: every task must be a dict of parameters, not {item!r}.")


def _text(name: str, value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        raise SweepError(f"Parameter {name!r}: a value cannot hold a NUL character.")
    return text


def prelude(sets: Sequence[Mapping[str, str]]) -> str:
    """Shell lines exporting task i's parameters when `SLURM_ARRAY_TASK_ID` is i."""
    lines = ["# hpc-jupyter sweep: this task's parameters", 'case "$SLURM_ARRAY_TASK_ID" in']
    for index, values in enumerate(sets):
        exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items())
        lines.append(f"  {index}) export {exports} ;;")
    lines.append('  *) echo "hpc-jupyter sweep: no task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;')
    lines.append("esac")
    return "\n".join(lines) + "\n"


def with_prelude(script: str, text: str) -> str:
    """`script` with `text` put after its shebang and its `#SBATCH` lines (which sbatch reads
    only before the first command, so the prelude must come after them)."""
    lines = script.splitlines(keepends=True)
    after = 1 if lines and lines[0].startswith("#!") else 0
    for number, line in enumerate(lines[after:], start=after):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if stripped.startswith("#SBATCH"):
            after = number + 1
    head = "".join(lines[:after])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + text + "".join(lines[after:])


# -- the sweep ---------------------------------------------------------------------------------


class _Forgotten(enum.Enum):
    FORGOTTEN = "forgotten"


FORGOTTEN = _Forgotten.FORGOTTEN
"""What asking the facility for a task's job answers when it no longer knows the job."""


@dataclass(frozen=True)
class SweepTask:
    """One task of a sweep: its index, its parameters, its job (id and record) and state."""

    index: int
    params: Mapping[str, str]
    job_id: str | None
    state: JobState
    job: Job | None = None
    forgotten: bool = False
    """The facility no longer knows the task's job, nor how it ended (Slurm without accounting
    forgets a job MinJobAge after its end): it has ended, its state UNKNOWN."""

    @property
    def ended(self) -> bool:
        """Whether the task has ended (in a final state, or forgotten by the facility)."""
        return self.forgotten or self.state.is_final


def _indexes(text: str) -> list[int]:
    """Task indexes of Slurm's `array_task_id` (`3`, `4-9`, `1,3-5`, `0-9:2%2`); none if odd."""
    found: list[int] = []
    for part in text.split("%", 1)[0].split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+)(?::(\d+))?)?", part.strip())
        if match is None:
            return []
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        step = int(match.group(3) or 1)
        found.extend(range(first, min(last, first + MAX_TASKS * step) + 1, step))
    return found


class Sweep:
    """A submitted sweep: follow its tasks, wait for them, cancel them, collect their results."""

    def __init__(
        self,
        hpc: HPC,
        sets: list[dict[str, str]],
        array: JobHandle | None,
        jobs: list[JobHandle] | None = None,
    ) -> None:
        self.hpc = hpc
        self.params = sets
        self.array = array
        """The array job, where the sweep is one (else None)."""
        self.jobs = jobs or []
        """One job per task, where the facility runs no arrays (else empty)."""
        self._tasks = [
            SweepTask(i, values, self._first_id(i), JobState.PENDING)
            for i, values in enumerate(sets)
        ]

    def _first_id(self, index: int) -> str | None:
        if self.array is not None:
            return None  # known once the facility lists the task
        return self.jobs[index].id

    @property
    def tasks(self) -> list[SweepTask]:
        """The tasks as last seen (`refresh()` looks again)."""
        return list(self._tasks)

    @property
    def done(self) -> bool:
        """Whether every task has ended."""
        return all(task.ended for task in self._tasks)

    def refresh(self) -> list[SweepTask]:
        """Look at the tasks again: one listing of the user's jobs for all of them."""
        listed = list(self.hpc.jobs())
        if self.array is not None:
            self._tasks = self._array_tasks(listed)
        else:
            by_id = {job.id: job for job in listed}
            self._tasks = [
                task
                if task.ended
                else self._seen(task, by_id.get(task.job_id or "") or self._asked(task.job_id))
                for task in self._tasks
            ]
        return self.tasks

    def _asked(self, job_id: str | None) -> Job | _Forgotten | None:
        """A job the listing left out (ended long ago): asked for on its own; `FORGOTTEN` when
        the facility no longer knows it (a listing shows every job not ended: it has ended)."""
        if job_id is None:
            return None
        try:
            return self.hpc.job(job_id).info  # `job()` has just asked the server
        except NotFound:
            return FORGOTTEN

    @staticmethod
    def _seen(task: SweepTask, job: Job | _Forgotten | None) -> SweepTask:
        if job is None:
            return task
        if job is FORGOTTEN:
            return SweepTask(task.index, task.params, task.job_id, JobState.UNKNOWN, None, True)
        assert isinstance(job, Job)
        return SweepTask(task.index, task.params, job.id, job.state, job)

    def _array_ended(self) -> bool:
        """Whether the array has ended: as a whole, or forgotten by the facility."""
        assert self.array is not None
        try:
            return self.array.refresh().state.is_final
        except NotFound:
            return True

    def _array_tasks(self, listed: list[Job]) -> list[SweepTask]:
        assert self.array is not None
        array_id = self.array.id
        found: dict[int, Job] = {}
        for job in listed:
            if job.array_job_id != array_id or job.array_task_id is None:
                continue
            for index in _indexes(job.array_task_id):
                # A task of its own wins over the record of tasks still pending together.
                if index not in found or "-" not in job.array_task_id:
                    found[index] = job
        missing = [t for t in self._tasks if t.index not in found and not t.ended]
        forgotten: set[int] = set()
        if missing and self._array_ended():
            # Ended tasks the listing no longer shows: asked for one by one.
            for task in missing:
                asked = self._asked(f"{array_id}_{task.index}")
                if isinstance(asked, Job):
                    found[task.index] = asked
                elif asked is FORGOTTEN:
                    forgotten.add(task.index)
        tasks = []
        for task in self._tasks:
            seen = found.get(task.index)
            if task.index in forgotten:
                tasks.append(self._seen(task, FORGOTTEN))
                continue
            if seen is None:
                tasks.append(task)
                continue
            single = seen.array_task_id == str(task.index)
            tasks.append(
                SweepTask(
                    task.index,
                    task.params,
                    seen.id if single else f"{array_id}_{task.index}",
                    seen.state,
                    seen,
                )
            )
        return tasks

    def wait(self, timeout: float | None = None, poll: float = 2.0) -> list[SweepTask]:
        """Wait until every task has ended; the tasks. A `TimeoutError` after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not all(task.ended for task in self.refresh()):
            if deadline is not None and time.monotonic() > deadline:
                waiting = sum(not task.ended for task in self._tasks)
                raise TimeoutError(f"{waiting} task(s) of the sweep still running or waiting.")
            time.sleep(poll)
        return self.tasks

    def cancel(self) -> None:
        """Cancel every task that has not ended (the array at once, where it is one)."""
        if self.array is not None:
            with contextlib.suppress(Conflict, NotFound):  # every task has ended already
                self.array.cancel()
        else:
            for task, job in zip(self._tasks, self.jobs, strict=True):
                if not task.ended:
                    with contextlib.suppress(Conflict, NotFound):  # ended meanwhile
                        job.cancel()
        self.refresh()

    def collect(self, filename: str) -> Any:
        """Read one file of each task into a table: a pandas DataFrame if pandas imports, else
        a list of dicts. Each row: the task's index, its parameters, its state, then the file's
        content: a JSON object's keys as columns, else its text (stripped) as `value`; None
        where the file is missing or cannot be read (`UNREADABLE`); a facility that fails
        raises.

        `filename` may name the task's parameters and index (`out/{index}.json`,
        `run-{n}/result.txt`); a relative path without `{index}` is read in the task's work dir.
        """
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(filename) if name}
        except ValueError as err:
            raise SweepError(f"collect: {filename!r} is not a file name pattern ({err}).") from None
        unknown = sorted(fields - {"index", *self.params[0]})
        if unknown:
            raise SweepError(
                f"collect: {filename!r} names {{{unknown[0]}}}, which is neither `index` nor a "
                f"parameter ({', '.join(self.params[0])})."
            )
        rows = []
        for task in self._tasks:
            path = filename.format(index=task.index, **task.params)
            if "index" not in fields and not posixpath.isabs(path):
                workdir = self._workdir(task)
                path = posixpath.join(workdir, path) if workdir else path
            row: dict[str, Any] = {"index": task.index, **task.params, "state": task.state.value}
            try:
                row.update(_content(self.hpc.read_text(path)))
            except UNREADABLE:  # this task's file; a facility that fails raises for all
                row["value"] = None
            rows.append(row)
        try:
            import pandas
        except ImportError:
            return rows
        return pandas.DataFrame(rows).set_index("index")

    def _workdir(self, task: SweepTask) -> str | None:
        """Where `task` ran: its job's work directory, or (a task the facility has forgotten)
        the one its array or job was submitted with."""
        if task.job is not None and task.job.workdir:
            return task.job.workdir
        handle = self.array if self.array is not None else self.jobs[task.index]
        return handle.info.workdir

    def widget(self, poll: float = 2.0) -> SweepMonitor:
        """A live table of the tasks (ipywidgets): parameters and state, updated as they change."""
        from .widgets.sweep import SweepMonitor

        return SweepMonitor(self, poll=poll)

    def _repr_html_(self) -> str:
        from .widgets.sweep import summary, tasks_html

        return f"<p>Sweep: {html.escape(summary(self._tasks))}</p>{tasks_html(self._tasks)}"

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for task in self._tasks:
            counts[task.state.value] = counts.get(task.state.value, 0) + 1
        told = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
        what = f"array {self.array.id}" if self.array is not None else f"{len(self.jobs)} jobs"
        return f"<Sweep of {len(self._tasks)} tasks ({what}): {told}>"


def _content(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {"value": text.strip()}
    return dict(data) if isinstance(data, dict) else {"value": data}


def submit_sweep(
    hpc: HPC,
    script: str,
    params: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    max_running: int | None = None,
    **options: Unpack[SubmitOptions],
) -> Sweep:
    """Submit `script` once per set of `params` (see `parameter_sets`), at most `max_running`
    at once where the facility runs arrays."""
    if options.get("array") is not None:
        raise SweepError("A sweep makes its own array: leave out `array`.")
    if max_running is not None and (isinstance(max_running, bool) or max_running < 1):
        raise SweepError("max_running must be a whole number of at least 1.")
    sets = parameter_sets(params)
    if hpc.facility(hpc.facility_name).can(Capability.JOBS_ARRAYS):
        last = len(sets) - 1
        array = f"0-{last}" if last else "0"
        if max_running is not None:
            array += f"%{max_running}"
        options["array"] = array
        handle = hpc.submit(with_prelude(script, prelude(sets)), _via="sweep", **options)
        return Sweep(hpc, sets, handle)
    env = dict(options.pop("env", None) or {})
    handles = []
    try:
        for values in sets:
            options["env"] = {**env, **values}
            handles.append(hpc.submit(script, _via="sweep", **options))
    except BaseException:  # an error or an interrupt: all or nothing, the jobs in are cancelled
        for handle in handles:
            try:
                handle.cancel()
            except HPCError:  # best effort: the first failure is the one to tell
                continue
        raise
    return Sweep(hpc, sets, None, handles)
