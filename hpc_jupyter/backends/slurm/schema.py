"""slurmrestd's job shapes, v0.0.36 to v0.0.45: submit bodies out, job records in."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...models import Job, JobState, Partition
from ..directives import FilenameFields
from .dependencies import parse_dependency
from .outputs import output_path
from .states import job_state, raw_text

OLDEST, NEWEST = 36, 45
"""The slurmrestd API versions this module speaks (`/slurm/v0.0.NN`)."""

NO_VALUE = 4294967294
"""Slurm's NO_VAL (and INFINITE is one more): numbers that mean "not set"."""

_TASK_RANGE = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")


@dataclass(frozen=True)
class JobSpec:
    """A submission, already merged from the request, the script's directives and defaults."""

    script: str
    name: str
    workdir: str
    env: Mapping[str, str]
    partition: str | None = None
    account: str | None = None
    nodes: int | None = None
    time_limit_minutes: int | None = None
    stdout: str | None = None
    stderr: str | None = None
    array: str | None = None
    tasks: int | None = None
    cpus_per_task: int | None = None
    memory_mb: int | None = None
    qos: str | None = None
    constraints: str | None = None
    dependency: str | None = None
    """Slurm's `--dependency` text (`afterok:12:13`)."""


def collection(version: int, name: str) -> str:
    """A listing endpoint's tail: `/jobs` up to v0.0.39, `/jobs/` from v0.0.40 on."""
    return f"/{name}/" if version >= 40 else f"/{name}"


def minutes(seconds: int) -> int:
    """Slurm's REST time limits are whole minutes; round up, at least one."""
    return max(1, math.ceil(seconds / 60))


def submit_body(version: int, spec: JobSpec) -> dict[str, Any]:
    """The POST /job/submit body for one API version."""
    job: dict[str, Any] = {
        "name": spec.name,
        "current_working_directory": spec.workdir,
    }
    if version <= 38:
        job["environment"] = dict(spec.env)
    else:
        job["environment"] = [f"{key}={value}" for key, value in spec.env.items()]
    optional = {
        "partition": spec.partition,
        "account": spec.account,
        "standard_output": spec.stdout,
        "standard_error": spec.stderr,
        "array": spec.array,
        "tasks": spec.tasks,
        "cpus_per_task": spec.cpus_per_task,
        "memory_per_node": spec.memory_mb,
        "qos": spec.qos,
        "constraints": spec.constraints,
        "dependency": spec.dependency,
    }
    job.update({key: value for key, value in optional.items() if value is not None})
    if version >= 39 and spec.memory_mb is not None:
        job["memory_per_node"] = _number(spec.memory_mb)
    if spec.time_limit_minutes is not None:
        job["time_limit"] = (
            spec.time_limit_minutes if version <= 38 else _number(spec.time_limit_minutes)
        )
    if spec.nodes is not None:
        if version <= 38:
            job["nodes"] = [spec.nodes, spec.nodes]
        else:
            job["minimum_nodes"] = spec.nodes
            job["maximum_nodes"] = spec.nodes
    if version >= 40:
        job["script"] = spec.script
        return {"job": job}
    return {"script": spec.script, "job": job}


def _number(value: int) -> dict[str, Any]:
    return {"set": True, "infinite": False, "number": value}


def number(value: Any) -> int | None:
    """An integer as any version writes it (plain, or `{"set", "infinite", "number"}`)."""
    if isinstance(value, Mapping):
        if not value.get("set", True) or value.get("infinite"):
            return None
        value = value.get("number")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return None if value >= NO_VALUE or value < 0 else value


def _time(value: Any) -> float | None:
    seconds = number(value)
    return float(seconds) if seconds else None


def exit_code(value: Any) -> int | None:
    """A job's exit code: a wait status up to v0.0.39 (plain, then as a number structure),
    a verbose structure (`status`, `return_code`, `signal`) from v0.0.40 on."""
    if isinstance(value, Mapping) and {"status", "return_code", "signal"} & set(value):
        signal = number((value.get("signal") or {}).get("id"))
        if signal:
            return 128 + signal
        return number(value.get("return_code"))
    status = number(value)
    if status is None:
        return None
    if status & 0x7F:
        return 128 + (status & 0x7F)  # killed by a signal, as a shell reports it
    return status >> 8


def final_exit_code(code: int | None, state: JobState) -> int | None:
    """The exit code shown for a job in `state`: none before it ends, none when cancelled.

    A cancelled job did not end on its own: slurmctld says SIGTERM (143) for one cancelled
    while it ran and 0 for one cancelled while pending, accounting says 0 for both. The
    state says how it ended; no exit code is shown, as on the local kind.
    """
    if not state.is_final or state is JobState.CANCELLED:
        return None
    return code


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def task_indexes(text: str) -> set[int] | None:
    """The indexes of an `array_task_string` (`1-3`, `0-15:4%2`, `1,3,5`); None if unreadable."""
    found: set[int] = set()
    for part in text.split("%", 1)[0].split(","):
        match = _TASK_RANGE.match(part.strip())
        if match is None:
            return None
        first = int(match.group(1))
        last = int(match.group(2) or first)
        step = int(match.group(3) or 1)
        if last - first > 1_000_000 or step < 1:
            return None
        found.update(range(first, last + 1, step))
    return found


def pick_record(
    records: Iterable[Mapping[str, Any]], job_id: str, facility: str, system: str
) -> Job | None:
    """The job `job_id` among the records slurmctld returns for it, or None.

    For `A_T` slurmrestd returns every task of array A (the array's own record first): the
    task's record, else (a task still pending with others) the array's pending record, as
    that one task. For a plain id, the record with that id.
    """
    listed = [record for record in records if isinstance(record, Mapping)]
    if "_" not in job_id:
        own = [record for record in listed if str(number(record.get("job_id"))) == job_id]
        return parse_job(own[0], facility, system) if own else None
    array, task = (int(part) for part in job_id.split("_"))
    ours = [record for record in listed if number(record.get("array_job_id")) == array]
    for record in ours:
        if number(record.get("array_task_id")) == task:
            return parse_job(record, facility, system)
    for record in ours:
        pending = _text(record.get("array_task_string"))
        if number(record.get("array_task_id")) is None and task in (task_indexes(pending) or ()):
            return _pending_task(record, array, task, facility, system)
    return None


def _pending_task(
    record: Mapping[str, Any], array: int, task: int, facility: str, system: str
) -> Job:
    """Task `task` of the array's record of tasks still pending together."""
    as_task = dict(record)
    as_task["array_task_id"] = task
    for key in ("standard_output", "standard_error"):
        # 24.11 sends the path expanded, with NO_VAL for the pending record's %a.
        as_task[key] = _text(record.get(key)).replace(str(NO_VALUE), str(task))
    job = parse_job(as_task, facility, system)
    return dataclasses.replace(job, id=f"{array}_{task}", state=JobState.PENDING)


def refused_at_submit(record: Mapping[str, Any]) -> bool:
    """Whether slurmctld's record is of a submission it refused (24.11 records it as a job
    FAILED at once, on no node), rather than of a job that ran or waited."""
    failed = job_state(record.get("job_state") or "") is JobState.FAILED
    return failed and "nodes" in record and not _text(record.get("nodes"))


def parse_job(data: Mapping[str, Any], facility: str, system: str) -> Job:
    """One job record of GET /jobs or /job/{id}, any version, in the project's vocabulary."""
    job_id = str(number(data.get("job_id")) or "")
    raw = data.get("job_state") or "UNKNOWN"
    state = job_state(raw)
    array_job = number(data.get("array_job_id"))
    array_task = number(data.get("array_task_id"))
    user = _text(data.get("user_name"))
    name = _text(data.get("name"))
    workdir = _text(data.get("current_working_directory")) or "/"
    fields = FilenameFields(
        job_id=job_id,
        name=name,
        user=user,
        array_job_id=str(array_job) if array_job else None,
        array_task_id=str(array_task) if array_job and array_task is not None else None,
        node=_text(data.get("batch_host")),
    )
    stdout = output_path(_text(data.get("standard_output")), fields, workdir)
    stderr_pattern = _text(data.get("standard_error"))
    stderr = output_path(stderr_pattern, fields, workdir) if stderr_pattern else stdout
    limit = number(data.get("time_limit"))
    reason = _text(data.get("state_reason"))
    task_text = fields.array_task_id or _text(data.get("array_task_string")) or None
    final = state.is_final
    depends_on, dependency = parse_dependency(_text(data.get("dependency")))
    return Job(
        id=job_id,
        name=name,
        state=state,
        raw_state=raw_text(raw),
        facility=facility,
        system=system,
        user=user,
        account=_text(data.get("account")) or None,
        partition=_text(data.get("partition")) or None,
        nodes=number(data.get("node_count")),
        submit_time=_time(data.get("submit_time")),
        start_time=_time(data.get("start_time")) if state is not JobState.PENDING else None,
        end_time=_time(data.get("end_time")) if final else None,
        time_limit=limit * 60 if limit else None,
        exit_code=final_exit_code(exit_code(data.get("exit_code")), state),
        workdir=workdir,
        stdout=stdout,
        stderr=stderr,
        reason=None if reason in ("", "None") else reason,
        array_job_id=fields.array_job_id,
        array_task_id=task_text if fields.array_job_id else None,
        depends_on=depends_on,
        dependency=dependency,
    )


def parse_partition(data: Mapping[str, Any]) -> Partition:
    """One partition of GET /partitions, any version."""
    flags = data.get("flags")
    state: Any = data.get("state")
    if state is None and isinstance(data.get("partition"), Mapping):
        state = data["partition"].get("state")  # v0.0.41 on: a list of flags
    if isinstance(state, list):
        state = ",".join(str(word) for word in state)
    maximums = data.get("maximums")
    limit = (
        number(maximums.get("time"))
        if isinstance(maximums, Mapping)
        else number(data.get("max_time_limit"))
    )
    nodes = data.get("nodes")
    total = (
        number(nodes.get("total"))
        if isinstance(nodes, Mapping)
        else number(data.get("total_nodes"))
    )
    return Partition(
        name=_text(data.get("name")),
        # v0.0.40-44 send no flags at all: whether it is the default is then unknown.
        default=(
            "default" in [str(flag).lower() for flag in flags] if isinstance(flags, list) else None
        ),
        state=str(state or "UNKNOWN"),
        max_time=limit * 60 if limit else None,
        nodes=total,
    )
