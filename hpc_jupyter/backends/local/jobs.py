"""The local facility's jobs: batch scripts run as processes here, with a Slurm-like life.

A job is PENDING until one of `max_running` slots is free, then RUNNING as its own process
group, and ends COMPLETED (exit 0), FAILED (other exits), CANCELLED or TIMEOUT (past its
`--time`). Jobs are started detached (in their own session, not children of the server), and a tiny
shell wrapper writes the script's exit status to a file: a job outlives a server restart and
is followed to its end by the next server, as a batch system would.

Several servers of one user share one store (`<data dir>/<facility>/jobs.sqlite`), whatever
their root. Each job remembers the root it was submitted under: a server launches only the
pending jobs of its own root, claiming each in one transaction so it starts exactly once, while
any server follows a running job to its end with conditional updates, so it ends exactly once.
Every server lists all of the user's jobs; paths outside its root are shown absolute, and the
output of such a job is read from a server started in its root.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import getpass
import logging
import os
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

from ...array_jobs import array_state, summary
from ...errors import Conflict, HPCError, NotFound, PermissionDenied, ValidationError
from ...inputs import shown
from ...models import (
    FINAL_STATES,
    Capability,
    Efficiency,
    Job,
    JobRequest,
    JobState,
    LogStream,
    OutputChunk,
    Partition,
)
from ..arrays import ArraySpec, parse_array
from ..base import JobBackend
from ..directives import FilenameFields, fill_pattern, parse_sbatch_directives
from ..logs import log_chunk
from . import checks, dependencies
from .launch import process_start, start_process
from .paths import RootedPaths, is_under
from .store import Claim, JobRecord, JobStore
from .usage import USAGE_FILE, job_efficiency, read_usage

log = logging.getLogger(__name__)

_PENDING = frozenset({JobState.PENDING.value})
_RUNNING = frozenset({JobState.RUNNING.value})
_ACTIVE = _PENDING | _RUNNING
_FINAL = frozenset(state.value for state in FINAL_STATES)
HELD = "JobHeldUser"
"""The pending reason of a held job, as Slurm says it."""
_NOT_LAUNCHABLE = frozenset({HELD}) | dependencies.BLOCKED
"""Pending reasons no server starts a job for: held, or waiting for other jobs."""
KILL_GRACE = 3.0
"""Seconds between SIGTERM and SIGKILL when a job is cancelled or times out."""
LAUNCH_GRACE = 60.0
"""Seconds a claimed job may go without a process before its launch is given up (the launcher
itself times out after 30)."""
IDLE_POLL = 2.0
"""Seconds between two looks at the store while no job of ours is active: another server may
have left jobs to follow (it stopped) or to launch (one started in our root)."""
RECORD_WAIT = 2.0
"""Seconds a finished job's efficiency waits for its wrapper to record what the job used."""
NEVER_STARTED = "The server that was starting this job stopped before the job began; it never ran"


class LocalJobs(JobBackend):
    """Runs batch scripts as local processes and keeps their records in a `JobStore`."""

    capabilities = JobBackend.capabilities | {
        Capability.JOBS_PARTITIONS,
        Capability.JOBS_HOLD,
        Capability.JOBS_EFFICIENCY,
        Capability.JOBS_ARRAYS,
        Capability.JOBS_DEPENDENCIES,
    }

    def __init__(
        self,
        facility: str,
        system: str,
        paths: RootedPaths,
        data_dir: Path,
        max_running: int,
        tick: float = 0.25,
    ) -> None:
        self.facility = facility
        self.system = system
        self.paths = paths
        self.root = str(paths.root)
        self.data_dir = data_dir
        self.max_running = max_running
        self.tick = tick
        self.user = getpass.getuser()
        self.store = JobStore(data_dir / "jobs.sqlite", self.root)
        self._kills: dict[int, asyncio.TimerHandle] = {}
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start following jobs, including those left running by an earlier server."""
        self._loop_task = asyncio.create_task(self._follow(), name=f"hpc-local-{self.facility}")

    async def close(self) -> None:
        """Stop following jobs; running jobs go on and are picked up at the next start."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for pgid, handle in list(self._kills.items()):  # cancelled jobs must not outlive us
            handle.cancel()
            self._kill_now(pgid)
        self.store.close()

    # -- the operations ----------------------------------------------------------------------

    async def submit(self, system: str, request: JobRequest) -> Job:
        values = self._checked(request)
        array: ArraySpec | None = values.pop("array")
        workdir, name = values["workdir"], values["name"]
        patterns = {"stdout": values["stdout"], "stderr": values["stderr"]}
        tasks: dict[int, int] = {}  # row id -> task index, filled as rows are made

        def prepare(job_id: int) -> dict[str, str]:
            # Runs inside the insert's transaction: no server sees the job before its script.
            self._save_script(job_id, request.script)
            task = tasks.get(job_id)
            first = min(tasks) if tasks else job_id
            return {
                key: str(self._output_path(workdir, str(job_id), name, pattern, first, task))
                for key, pattern in patterns.items()
            }

        common = {
            **values,
            "state": JobState.PENDING.value,
            "reason": dependencies.WAITING if values["depends_on"] else "Resources",
            "user": self.user,
            "nodes": 1,
            "submit_time": time.time(),
            "root": self.root,
        }
        if array is None:
            record = self.store.insert(prepare, **common)
            self._wake.set()
            return self._job(record)
        indexes = iter(array.indexes)

        def prepare_task(job_id: int) -> dict[str, str]:
            tasks[job_id] = next(indexes)
            return prepare(job_id)

        records = self.store.insert_array(
            prepare_task,
            [self._task_columns(values, array, index) for index in array.indexes],
            **common,
        )
        self._wake.set()
        return self._array_job(records)

    @staticmethod
    def _task_columns(values: dict[str, Any], array: ArraySpec, index: int) -> dict[str, Any]:
        """One task's own columns: its index, its array's throttle, and Slurm's variables."""
        env = {
            **values["env"],
            "SLURM_ARRAY_TASK_ID": str(index),
            "SLURM_ARRAY_TASK_COUNT": str(array.count),
            "SLURM_ARRAY_TASK_MIN": str(array.indexes[0]),
            "SLURM_ARRAY_TASK_MAX": str(array.indexes[-1]),
        }
        return {"array_task_id": index, "array_throttle": array.throttle, "env": env}

    def _checked(self, request: JobRequest) -> dict[str, Any]:
        """A new job's columns from the request and its directives, or a 4xx for bad input."""
        directives = parse_sbatch_directives(request.script)
        name = checks.text("The job name", request.name or directives.get("job-name") or "batch")
        time_limit = checks.time_limit(request.time_limit, directives.get("time"))
        nodes = request.nodes
        if nodes is None:
            nodes = checks.whole_number(directives.get("nodes"))
        if nodes is not None and nodes != 1:
            raise ValidationError("The local facility runs every job on this one machine: nodes=1.")
        where = checks.text("The work directory", request.workdir or directives.get("chdir") or ".")
        workdir = self.paths.resolve(where)
        if not workdir.is_dir():
            missing = "is not a directory" if workdir.exists() else "does not exist"
            raise ValidationError(f"Work directory {shown(where)} {missing}.")
        array_text = request.array or directives.get("array")
        array = parse_array(array_text) if array_text is not None else None
        default_output = "slurm-%j.out" if array is None else "slurm-%A_%a.out"
        stdout = checks.text("stdout", request.stdout or directives.get("output") or default_output)
        stderr = checks.text("stderr", request.stderr or directives.get("error") or stdout)
        for pattern in {stdout, stderr}:  # refuse a path outside the root before recording
            if self._output_path(str(workdir), "0", name, pattern).is_dir():
                raise ValidationError(f"The job's output {shown(pattern)} is a directory.")
        partition = request.partition or directives.get("partition")
        account = request.account or directives.get("account")
        for label, value in (("partition", partition), ("account", account)):
            if value is not None:
                checks.text(label, value)
        return {
            "name": name,
            "partition": partition,
            "account": account,
            "workdir": str(workdir),
            "stdout": stdout,
            "stderr": stderr,
            "time_limit": time_limit,
            "env": dict(request.env),
            "array": array,
            **dependencies.requested(
                request, directives.get("dependency"), lambda n: self.store.get(n) is not None
            ),
        }

    def _save_script(self, job_id: int, script: str) -> None:
        job_dir = self._job_dir(job_id)
        try:
            job_dir.mkdir(parents=True, exist_ok=True)
            stale_files = ("exit_code", "exit_code.tmp", "pid", USAGE_FILE, f"{USAGE_FILE}.tmp")
            for stale in stale_files:  # of a deleted store's job
                (job_dir / stale).unlink(missing_ok=True)
            (job_dir / "script.sh").write_text(script, encoding="utf-8")
        except OSError as err:
            raise HPCError(
                f"Could not save the job's script: {os.strerror(err.errno or 0)}."
            ) from None

    async def list_jobs(self, system: str) -> list[Job]:
        return [self._job(record) for record in self.store.listing()]

    async def get_job(self, system: str, job_id: str) -> Job:
        record = self._resolve(job_id)
        if self._whole_array(job_id, record):
            return self._array_job(self.store.tasks(record.id))
        return self._job(record)

    async def cancel_job(self, system: str, job_id: str) -> Job:
        # Not the base's template: one transition of the store checks and cancels, so no other
        # server starts the job in between. Any server may cancel any of the user's jobs,
        # whatever root it was submitted under.
        record = self._resolve(job_id)
        if self._whole_array(job_id, record):
            return self._cancel_array(record.id)
        cancelled = record.state not in _FINAL and self.store.transition(
            record.id, _ACTIVE, state=JobState.CANCELLED.value, reason=None, end_time=time.time()
        )
        if not cancelled:
            record = self._record(record.id)
            raise Conflict(
                f"Job {record.id} has already ended ({record.state}); nothing to cancel."
            )
        return self._job(self._stop_cancelled(record.id))

    def _stop_cancelled(self, job_id: int) -> JobRecord:
        """Stop a job just recorded as cancelled; its record as cancelled.

        Its pid can no longer change: a launcher that has not yet recorded its pid finds the
        job cancelled and stops what it started.
        """
        record = self._record(job_id)
        if record.pid is not None:
            self._kill(record)
        else:
            self._kill_unrecorded(record)
        return record

    def _cancel_array(self, array_job_id: int) -> Job:
        """Cancel every task of an array that has not ended, as `scancel A` does."""
        cancelled = self.store.transition_tasks(
            array_job_id, _ACTIVE, state=JobState.CANCELLED.value, reason=None, end_time=time.time()
        )
        if not cancelled:
            raise Conflict(f"Every task of job array {array_job_id} has already ended.")
        for job_id in cancelled:
            self._stop_cancelled(job_id)
        return self._array_job(self.store.tasks(array_job_id))

    # A held job stays PENDING with Slurm's reason until released; no server claims it.
    async def hold(self, system: str, job_id: str) -> Job:
        record = self._resolve(job_id)
        if self._whole_array(job_id, record):  # every pending task, as `scontrol hold A`
            if not self.store.transition_tasks(record.id, _PENDING, reason=HELD):
                raise Conflict(f"No task of job array {job_id} is pending: none can be held.")
            return self._array_job(self.store.tasks(record.id))
        if not self.store.transition(record.id, _PENDING, reason=HELD):
            record = self._record(record.id)
            raise Conflict(f"Job {job_id} is {record.state}: only a pending job can be held.")
        return self._job(self._record(record.id))

    async def release(self, system: str, job_id: str) -> Job:
        record = self._resolve(job_id)
        again = dependencies.WAITING if record.depends_on else "Resources"  # decided anew
        if self._whole_array(job_id, record):
            released = self.store.transition_tasks(
                record.id, _PENDING, "reason = ?", (HELD,), reason=again
            )
            if not released:
                raise Conflict(f"No task of job array {job_id} is held: nothing to release.")
            self._wake.set()
            return self._array_job(self.store.tasks(record.id))
        if not self.store.transition(record.id, _PENDING, "reason = ?", (HELD,), reason=again):
            record = self._record(record.id)
            raise Conflict(f"Job {job_id} is not held ({record.state}): nothing to release.")
        self._wake.set()
        return self._job(self._record(record.id))

    @staticmethod
    def _whole_array(job_id: str, record: JobRecord) -> bool:
        """Whether `job_id` names a whole array (its id `A`, not one task `A_i`)."""
        return "_" not in job_id and record.array_job_id == record.id

    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        record = self._resolve(job_id)
        final = record.state in _FINAL
        log_path = record.stdout if stream == "stdout" else record.stderr
        if not os.path.isabs(log_path):  # never resolved: the job failed at submission
            return log_chunk(b"", offset, at_end=True, final=final)
        if not is_under(log_path, self.root):
            raise PermissionDenied(
                f"Job {record.id} ran in {record.workdir}, outside this server's root "
                f"({self.root}); read its output from a Jupyter server started in "
                f"{record.root or record.workdir}."
            )
        # Resolved again: a log replaced by a link to a file outside the root is refused.
        path = self.paths.resolve(log_path)
        data, size = await asyncio.to_thread(_read_from, path, offset, max_bytes)
        return log_chunk(data, offset, at_end=offset + len(data) >= size, final=final)

    async def efficiency(self, system: str, job: Job) -> Efficiency | None:
        # A cancelled or timed-out job's wrapper records its usage once the script has ended
        # on SIGTERM, a moment after the job's state changed: wait a little for it. Still
        # recording after that (the script ignores SIGTERM): None, so it is asked again later.
        record = self._resolve(job.id)
        if self._whole_array(job.id, record):
            return None  # a whole array: each task has its own figures
        deadline = time.monotonic() + RECORD_WAIT
        while record.pid is not None and self._alive(record):
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.05)
        usage = await asyncio.to_thread(read_usage, self._job_dir(record.id))
        return job_efficiency(job, usage, ran=record.pid is not None or usage is not None)

    async def partitions(self, system: str) -> list[Partition]:
        # One queue: this machine, any time limit, one node.
        return [Partition(name="local", default=True, state="UP", max_time=None, nodes=1)]

    # -- the follower --------------------------------------------------------------------------

    async def _follow(self) -> None:
        while True:
            try:
                active = self._advance()
            except Exception:  # the store failed (a disk error): try again, do not stop
                log.exception("local facility %r could not update jobs", self.facility)
                active = True
            if active:
                await asyncio.sleep(self.tick)
            else:
                self._wake.clear()
                # A timer rather than wait_for: a submit's wake-up then reaches this loop as
                # directly as before, so its job starts in the same turn of the event loop.
                timer = asyncio.get_running_loop().call_later(IDLE_POLL, self._wake.set)
                try:
                    await self._wake.wait()
                finally:
                    timer.cancel()

    def _advance(self) -> bool:
        """Move every active job one step; True while any job is still active."""
        active = False
        now = time.time()
        for record in self.store.select(states=_RUNNING):
            try:
                active = self._check_running(record, now) or active
            except Exception:  # a broken record must not stop every other job
                log.exception("local job %s could not be followed", record.id)
                active = True
        waiting = self._settle_dependencies()
        pending = self.store.launchable(self.root, _NOT_LAUNCHABLE)
        throttled: set[int] = set()
        for job_id, array_job_id in pending:
            if array_job_id in throttled:
                continue  # its array runs as many tasks as its `%N` allows: not asked again
            claim = self.store.claim(job_id, self.root, HELD, self.max_running, time.time())
            if claim is Claim.FULL:
                break
            if claim is Claim.THROTTLED and array_job_id is not None:
                throttled.add(array_job_id)  # other jobs may still start
            if claim is Claim.CLAIMED and (claimed := self.store.get(job_id)) is not None:
                self._launch(claimed)
        return active or waiting or len(pending) > 0

    def _settle_dependencies(self) -> bool:
        """Release the waiting jobs whose dependency is met (or mark them never met); True while
        any still waits. Any server does it (conditionally): the wait outlives every server.

        Jobs that wait alike (an array's tasks) are decided at once, and each job waited for is
        read once per look.
        """
        still = False
        states: dict[str, str | None] = {}  # each job's state read once per look
        for record in self.store.waits(dependencies.WAITING):
            kind = dependencies.kind(record)
            if kind is None:
                continue
            job_ids = dependencies.job_ids(record)
            for job_id in job_ids:
                if job_id not in states:
                    states[job_id] = self._dependency_state(int(job_id))
            met = dependencies.verdict(kind, [states[job_id] for job_id in job_ids])
            if met is None:
                still = True
                continue
            reason = "Resources" if met else dependencies.NEVER
            self.store.decide_waits(record, dependencies.WAITING, reason)
        return still

    def _dependency_state(self, job_id: int) -> str | None:
        """The state of a job others wait for (an array's: its tasks' sum); None if unknown."""
        other = self.store.get(job_id)
        if other is None:
            return None
        if other.array_job_id == other.id:  # a whole array
            tasks = self.store.tasks(other.id)
            return array_state(self._job(task).state for task in tasks).value
        return other.state

    def _check_running(self, record: JobRecord, now: float) -> bool:
        """Finish a running job that has ended or run out of time; True if it still runs."""
        if self._finish_from_exit_file(record):
            return False
        if record.pid is None:
            return self._check_launch(record, now)
        if not self._alive(record):
            # It may have written its exit status and exited since the first look.
            if self._finish_from_exit_file(record):
                return False
            self.store.transition(
                record.id,
                _RUNNING,
                state=JobState.FAILED.value,
                reason="The job's process ended without reporting an exit status",
                end_time=now,
            )
            return False
        start = record.start_time or now
        if record.time_limit is not None and now - start > record.time_limit:
            if self.store.transition(
                record.id, _RUNNING, state=JobState.TIMEOUT.value, reason="TimeLimit", end_time=now
            ):
                self._kill(record)
            return False
        return True

    def _check_launch(self, record: JobRecord, now: float) -> bool:
        """A job claimed but without a pid: being launched, or its launcher's server died."""
        pid = self._pid_from_file(record.id)
        if pid is not None:  # it started: follow it from now on, whoever launched it
            self.store.transition(
                record.id,
                _RUNNING,
                "(pid IS NULL OR pid = ?)",
                (pid,),
                pid=pid,
                pid_start=process_start(pid),
            )
            return True
        if now - (record.start_time or now) > LAUNCH_GRACE:
            # The wrapper records its pid before the script starts: without one, it never ran.
            self.store.transition(
                record.id,
                _RUNNING,
                "pid IS NULL",
                state=JobState.FAILED.value,
                reason=NEVER_STARTED,
                end_time=now,
            )
            return False
        return True

    def _finish_from_exit_file(self, record: JobRecord) -> bool:
        """Finish the job from the exit status its wrapper wrote, if it has; True if so."""
        exit_file = self._job_dir(record.id) / "exit_code"
        try:
            text = exit_file.read_text()
            ended = exit_file.stat().st_mtime
        except FileNotFoundError:
            return False
        except (OSError, ValueError):  # replaced by a directory, not text: the job did end
            text, ended = "", time.time()
        code = _exit_code(text)
        state = JobState.COMPLETED if code == 0 else JobState.FAILED
        reason = None if code is not None else "The job's exit status could not be read"
        self.store.transition(
            record.id, _RUNNING, state=state.value, exit_code=code, reason=reason, end_time=ended
        )
        return True

    def _launch(self, record: JobRecord) -> None:
        """Start a job this server has claimed, and record its process."""
        env = {
            **os.environ,
            **record.env,
            "SLURM_JOB_ID": str(record.id),
            "SLURM_JOBID": str(record.id),
            "SLURM_JOB_NAME": record.name,
            "SLURM_SUBMIT_DIR": record.workdir,
            "SLURM_JOB_NUM_NODES": "1",
            "HPC_JUPYTER_FACILITY": self.facility,
        }
        if record.array_job_id is not None:
            env["SLURM_ARRAY_JOB_ID"] = str(record.array_job_id)
        for path in {record.stdout, record.stderr}:
            try:
                Path(path).touch()
            except OSError as err:
                self._fail(
                    record, f"Cannot open the job's output file: {os.strerror(err.errno or 0)}"
                )
                return
        try:
            pid = start_process(self._job_dir(record.id), record, env)
        except (OSError, ValueError, subprocess.SubprocessError) as err:
            log.warning("local job %s did not start: %s", record.id, err)
            self._fail(record, "The job could not be started on this machine")
            return
        started = process_start(pid)
        recorded = self.store.transition(
            record.id, _RUNNING, "(pid IS NULL OR pid = ?)", (pid,), pid=pid, pid_start=started
        )
        if not recorded:  # cancelled (or given up on) while it was being started
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    def _fail(self, record: JobRecord, reason: str) -> None:
        self.store.transition(
            record.id, _RUNNING, state=JobState.FAILED.value, reason=reason, end_time=time.time()
        )

    def _alive(self, record: JobRecord) -> bool:
        # The same pid with the same start time: not a later process that reused the pid. A
        # process already gone when its start was read (None) is not alive.
        return (
            record.pid is not None
            and record.pid_start is not None
            and process_start(record.pid) == record.pid_start
        )

    def _kill(self, record: JobRecord) -> None:
        """SIGTERM the job's process group now, SIGKILL it after a grace period."""
        if record.pid is None or not self._alive(record):
            return
        pgid = record.pid  # the job leads its own session and process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        self._kills[pgid] = loop.call_later(KILL_GRACE, self._kill_now, pgid)

    def _kill_unrecorded(self, record: JobRecord) -> None:
        """Stop a cancelled job whose launcher's server died before recording its pid."""
        pid = self._pid_from_file(record.id)
        exited = (self._job_dir(record.id) / "exit_code").exists()
        if pid is not None and not exited and process_start(pid) is not None:
            self._kill(JobRecord(**{**vars(record), "pid_start": process_start(pid), "pid": pid}))

    def _kill_now(self, pgid: int) -> None:
        self._kills.pop(pgid, None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    # -- records -------------------------------------------------------------------------------

    def _job_dir(self, job_id: int) -> Path:
        return self.data_dir / "jobs" / str(job_id)

    def _pid_from_file(self, job_id: int) -> int | None:
        """The pid the job's wrapper wrote, or None before it started."""
        try:
            text = (self._job_dir(job_id) / "pid").read_text().strip()
        except (OSError, ValueError):
            return None
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None

    def _record(self, job_id: int) -> JobRecord:
        record = self.store.get(job_id)
        if record is None:
            raise NotFound(f"No job {job_id} on facility {self.facility!r}.")
        return record

    def _resolve(self, job_id: str) -> JobRecord:
        """The record of a job id: a job number, or `A_i` for task i of array A."""
        array, underscore, task = job_id.partition("_")
        if not underscore:
            return self._record(checks.job_number(job_id))
        record = self.store.task(checks.job_number(array), checks.job_number(task))
        if record is None:
            raise NotFound(f"No job {job_id} on facility {self.facility!r}.")
        return record

    def _output_path(
        self,
        workdir: str,
        job_id: str,
        name: str,
        pattern: str,
        array_job_id: int | None = None,
        task: int | None = None,
    ) -> Path:
        """Where a job's output goes: sbatch's pattern filled in, relative to its work dir."""
        fields = FilenameFields(
            job_id=job_id,
            name=name,
            user=self.user,
            array_job_id=str(array_job_id) if task is not None else None,
            array_task_id=str(task) if task is not None else None,
        )
        filled = fill_pattern(pattern, fields)
        candidate = filled if os.path.isabs(filled) else os.path.join(workdir, filled)
        return self.paths.resolve(candidate)

    def _job(self, record: JobRecord) -> Job:
        """The job as this server shows it; never fails, whatever root the job came from."""
        try:
            state = JobState(record.state)
        except ValueError:
            state = JobState.UNKNOWN
        reason = record.reason
        if state is JobState.PENDING and reason not in _NOT_LAUNCHABLE and record.root != self.root:
            reason = f"Waits for a Jupyter server started in {record.root or record.workdir}"
        task = record.array_task_id
        in_array = record.array_job_id is not None and task is not None
        return Job(
            id=f"{record.array_job_id}_{task}" if in_array else str(record.id),
            name=record.name,
            state=state,
            raw_state=record.state,
            facility=self.facility,
            system=self.system,
            user=record.user,
            account=record.account,
            partition=record.partition,
            nodes=record.nodes,
            submit_time=record.submit_time,
            start_time=record.start_time,
            end_time=record.end_time,
            time_limit=record.time_limit,
            exit_code=record.exit_code,
            workdir=self._shown(record.workdir),
            stdout=self._shown(record.stdout),
            stderr=self._shown(record.stderr),
            reason=reason,
            array_job_id=str(record.array_job_id) if in_array else None,
            array_task_id=str(task) if in_array else None,
            depends_on=dependencies.job_ids(record),
            dependency=dependencies.kind(record),
        )

    def _array_job(self, tasks: list[JobRecord]) -> Job:
        """A whole array as one job (`A`, as submitted), as `array_jobs.summary` sums it up,
        its task ids in the range form sbatch's `--array` takes."""
        whole = summary(str(tasks[0].id), [self._job(task) for task in tasks])
        return dataclasses.replace(
            whole, array_task_id=_indexes_text([task.array_task_id or 0 for task in tasks])
        )

    def _shown(self, path: str) -> str:
        """A record's path for users: relative under this root, absolute (honestly) elsewhere."""
        if not os.path.isabs(path):
            return path  # a pattern not yet resolved (the job failed at submission)
        if not is_under(path, self.root):
            return path
        return self.paths.show(Path(path))


def _indexes_text(indexes: list[int]) -> str:
    """Task indexes in Slurm's short form: `0-3,7`."""
    runs: list[str] = []
    start = previous = indexes[0]
    for index in [*indexes[1:], None]:
        if index is not None and index == previous + 1:
            previous = index
            continue
        runs.append(str(start) if start == previous else f"{start}-{previous}")
        if index is not None:
            start = previous = index
    return ",".join(runs)


def _exit_code(text: str) -> int | None:
    text = text.strip()
    if not text:
        return 1
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None


def _read_from(path: Path, offset: int, count: int) -> tuple[bytes, int]:
    """Up to `count` bytes of a log from `offset`, and the log's size (0 if it does not exist).

    Any offset is safe: one past the end reads nothing, without seeking (a seek beyond 2**63
    fails). A directory or other non-file in the log's place is a clear error, and a FIFO
    cannot block the reading thread (it is opened without waiting for a writer).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return b"", 0
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM):
            raise PermissionDenied(f"The job's log {path.name!r} cannot be read here.") from None
        raise HPCError(f"The job's log cannot be read: {os.strerror(err.errno or 0)}.") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ValidationError(f"The job's log {shown(path.name)} is {kind}.")
        if offset >= info.st_size:
            return b"", info.st_size
        return os.pread(fd, min(count, info.st_size - offset), offset), info.st_size
    finally:
        os.close(fd)
