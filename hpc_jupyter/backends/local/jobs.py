"""The local facility's jobs: batch scripts run as processes here, with a Slurm-like life.

A job is PENDING until one of `max_running` slots is free, then RUNNING as its own process
group, and ends COMPLETED (exit 0), FAILED (other exits), CANCELLED or TIMEOUT (past its
`--time`). Jobs are started detached (in their own session, not children of the server), and a tiny
shell wrapper writes the script's exit status to a file: a job outlives a server restart and
is followed to its end by the next server, as a batch system would.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from ...errors import Conflict, NotFound, ValidationError
from ...models import (
    FINAL_STATES,
    Capability,
    Job,
    JobRequest,
    JobState,
    OutputChunk,
    Partition,
    check_stream,
)
from ...timefmt import parse_time_limit
from ..base import JobBackend
from ..directives import expand_filename_pattern, parse_sbatch_directives
from ..logs import log_chunk
from .paths import RootedPaths
from .store import JobRecord, JobStore

log = logging.getLogger(__name__)

_WRAPPER = 'bash "$1"; rc=$?; echo "$rc" > "$2.tmp" && mv "$2.tmp" "$2"; exit "$rc"'
# Starts the wrapper detached in a new session with its output redirected, and prints its pid
# (which is also its process group id: setsid does not fork for a non-leader).
_LAUNCHER = (
    'if [ "$4" = "$3" ]; then setsid /bin/bash -c "$0" hpc-job "$1" "$2" </dev/null >>"$3" 2>&1 &'
    ' else setsid /bin/bash -c "$0" hpc-job "$1" "$2" </dev/null >>"$3" 2>>"$4" & fi; echo $!'
)
_ACTIVE = frozenset({JobState.PENDING.value, JobState.RUNNING.value})
_FINAL = frozenset(state.value for state in FINAL_STATES)
HELD = "JobHeldUser"
"""The pending reason of a held job, as Slurm says it."""
KILL_GRACE = 3.0
"""Seconds between SIGTERM and SIGKILL when a job is cancelled or times out."""


def _process_start(pid: int) -> str | None:
    """The start time of a live process, to tell it from a later one with the same pid.

    None when there is no such process or it has exited (a zombie).
    """
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


class LocalJobs(JobBackend):
    """Runs batch scripts as local processes and keeps their records in a `JobStore`."""

    capabilities = JobBackend.capabilities | {Capability.JOBS_PARTITIONS, Capability.JOBS_HOLD}

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
        self.data_dir = data_dir
        self.max_running = max_running
        self.tick = tick
        self.user = getpass.getuser()
        self.store = JobStore(data_dir / "jobs.sqlite")
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
        if not request.script.strip():
            raise ValidationError("The batch script is empty.")
        directives = parse_sbatch_directives(request.script)
        name = request.name or directives.get("job-name") or "batch"
        time_limit = request.time_limit
        if time_limit is None and "time" in directives:
            time_limit = parse_time_limit(directives["time"])
        if time_limit is not None and time_limit <= 0:
            raise ValidationError("time_limit must be a positive number of seconds.")
        nodes = request.nodes if request.nodes is not None else _int(directives.get("nodes"))
        if nodes is not None and nodes != 1:
            raise ValidationError("The local facility runs every job on this one machine: nodes=1.")
        workdir = self.paths.resolve(request.workdir or directives.get("chdir") or ".")
        if not workdir.is_dir():
            raise ValidationError(f"Work directory {self.paths.show(workdir)!r} does not exist.")
        stdout = request.stdout or directives.get("output") or "slurm-%j.out"
        stderr = request.stderr or directives.get("error") or stdout
        for key, value in request.env.items():
            if not key.isidentifier() or "\x00" in value:
                raise ValidationError(f"Environment variable {key!r} has a bad name or value.")
        for pattern in {stdout, stderr}:  # refuse a path outside the root before recording
            self._output_path(str(workdir), "0", name, pattern)
        record = self.store.insert(
            name=name,
            state=JobState.PENDING.value,
            reason="Resources",
            user=self.user,
            partition=request.partition or directives.get("partition"),
            account=request.account or directives.get("account"),
            nodes=1,
            workdir=str(workdir),
            stdout=stdout,
            stderr=stderr,
            time_limit=time_limit,
            env=dict(request.env),
            submit_time=time.time(),
        )
        job_id = str(record.id)
        self.store.update(
            record.id,
            stdout=str(self._output_path(str(workdir), job_id, name, stdout)),
            stderr=str(self._output_path(str(workdir), job_id, name, stderr)),
        )
        job_dir = self._job_dir(record.id)
        job_dir.mkdir(parents=True, exist_ok=True)
        (job_dir / "script.sh").write_text(request.script)
        self._wake.set()
        return self._job(self._record(record.id))

    async def list_jobs(self, system: str) -> list[Job]:
        return [self._job(record) for record in self.store.select()]

    async def get_job(self, system: str, job_id: str) -> Job:
        return self._job(self._record(_job_number(job_id)))

    async def cancel_job(self, system: str, job_id: str) -> Job:
        record = self._record(_job_number(job_id))
        if record.state in _FINAL:
            raise Conflict(f"Job {job_id} has already ended ({record.state}); nothing to cancel.")
        if record.state == JobState.RUNNING.value:
            self._kill(record)
        self.store.update(
            record.id, state=JobState.CANCELLED.value, reason=None, end_time=time.time()
        )
        return self._job(self._record(record.id))

    # A held job stays PENDING with Slurm's reason until released; the follower skips it. Both
    # run on the event loop between two follower steps, so a job cannot start in between.
    async def hold(self, system: str, job_id: str) -> Job:
        record = self._record(_job_number(job_id))
        if record.state != JobState.PENDING.value:
            raise Conflict(f"Job {job_id} is {record.state}: only a pending job can be held.")
        self.store.update(record.id, reason=HELD)
        return self._job(self._record(record.id))

    async def release(self, system: str, job_id: str) -> Job:
        record = self._record(_job_number(job_id))
        if record.state != JobState.PENDING.value or record.reason != HELD:
            raise Conflict(f"Job {job_id} is not held ({record.state}): nothing to release.")
        self.store.update(record.id, reason="Resources")
        self._wake.set()
        return self._job(self._record(record.id))

    async def read_output(
        self, system: str, job_id: str, stream: str, offset: int, max_bytes: int
    ) -> OutputChunk:
        check_stream(stream)
        if offset < 0:
            raise ValidationError("offset must not be negative.")
        record = self._record(_job_number(job_id))
        path = Path(record.stdout if stream == "stdout" else record.stderr)
        final = record.state in _FINAL
        data = await asyncio.to_thread(_read_from, path, offset, max_bytes)
        size = await asyncio.to_thread(_size, path)
        return log_chunk(data, offset, at_end=offset + len(data) >= size, final=final)

    async def partitions(self, system: str) -> list[Partition]:
        # One queue: this machine, any time limit, one node.
        return [Partition(name="local", default=True, state="UP", max_time=None, nodes=1)]

    # -- the follower --------------------------------------------------------------------------

    async def _follow(self) -> None:
        while True:
            try:
                active = self._advance()
            except Exception:  # a broken record must not stop every other job
                log.exception("local facility %r could not update jobs", self.facility)
                active = True
            if active:
                await asyncio.sleep(self.tick)
            else:
                self._wake.clear()
                await self._wake.wait()

    def _advance(self) -> bool:
        """Move every active job one step; True while any job is still active."""
        running = 0
        now = time.time()
        for record in self.store.select(states=frozenset({JobState.RUNNING.value})):
            if self._check_running(record, now):
                running += 1
        pending = [
            record
            for record in self.store.select(states=frozenset({JobState.PENDING.value}))
            if record.reason != HELD
        ]
        for record in sorted(pending, key=lambda r: r.id):
            if running >= self.max_running:
                break
            self._launch(record)
            running += 1
        return running > 0 or len(pending) > 0

    def _check_running(self, record: JobRecord, now: float) -> bool:
        """Finish a running job that has ended or run out of time; True if it still runs."""
        if self._finish_from_exit_file(record):
            return False
        if not self._alive(record):
            # It may have written its exit status and exited since the first look.
            if self._finish_from_exit_file(record):
                return False
            self.store.update(
                record.id,
                state=JobState.FAILED.value,
                reason="The job's process ended without reporting an exit status",
                end_time=now,
            )
            return False
        start = record.start_time or now
        if record.time_limit is not None and now - start > record.time_limit:
            self._kill(record)
            self.store.update(
                record.id, state=JobState.TIMEOUT.value, reason="TimeLimit", end_time=now
            )
            return False
        return True

    def _finish_from_exit_file(self, record: JobRecord) -> bool:
        """Finish the job from the exit status its wrapper wrote, if it has; True if so."""
        exit_file = self._job_dir(record.id) / "exit_code"
        try:
            code = int(exit_file.read_text().strip() or "1")
            ended = exit_file.stat().st_mtime
        except FileNotFoundError:
            return False
        state = JobState.COMPLETED if code == 0 else JobState.FAILED
        self.store.update(record.id, state=state.value, exit_code=code, end_time=ended)
        return True

    def _launch(self, record: JobRecord) -> None:
        job_dir = self._job_dir(record.id)
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
        for path in {record.stdout, record.stderr}:
            try:
                Path(path).touch()
            except OSError as err:
                self._fail(
                    record, f"Cannot open the job's output file: {os.strerror(err.errno or 0)}"
                )
                return
        try:
            launched = subprocess.run(
                [
                    "/bin/bash",
                    "-c",
                    _LAUNCHER,
                    _WRAPPER,
                    str(job_dir / "script.sh"),
                    str(job_dir / "exit_code"),
                    record.stdout,
                    record.stderr,
                ],
                cwd=record.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=30,
                check=True,
            )
            pid = int(launched.stdout.decode().strip())
        except (OSError, ValueError, subprocess.SubprocessError) as err:
            log.warning("local job %s did not start: %s", record.id, err)
            self._fail(record, "The job could not be started on this machine")
            return
        self.store.update(
            record.id,
            state=JobState.RUNNING.value,
            reason=None,
            start_time=time.time(),
            pid=pid,
            pid_start=_process_start(pid),
        )

    def _fail(self, record: JobRecord, reason: str) -> None:
        self.store.update(
            record.id, state=JobState.FAILED.value, reason=reason, end_time=time.time()
        )

    def _alive(self, record: JobRecord) -> bool:
        # The same pid with the same start time: not a later process that reused the pid.
        return record.pid is not None and _process_start(record.pid) == record.pid_start

    def _kill(self, record: JobRecord) -> None:
        """SIGTERM the job's process group now, SIGKILL it after a grace period."""
        if record.pid is None or not self._alive(record):
            return
        pgid = record.pid  # the job leads its own session and process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        self._kills[pgid] = loop.call_later(KILL_GRACE, self._kill_now, pgid)

    def _kill_now(self, pgid: int) -> None:
        self._kills.pop(pgid, None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)

    # -- records -------------------------------------------------------------------------------

    def _job_dir(self, job_id: int) -> Path:
        return self.data_dir / "jobs" / str(job_id)

    def _record(self, job_id: int) -> JobRecord:
        record = self.store.get(job_id)
        if record is None:
            raise NotFound(f"No job {job_id} on facility {self.facility!r}.")
        return record

    def _output_path(self, workdir: str, job_id: str, name: str, pattern: str) -> Path:
        """Where a job's output goes: sbatch's pattern filled in, relative to its work dir."""
        filled = expand_filename_pattern(pattern, job_id, name, self.user)
        candidate = filled if os.path.isabs(filled) else os.path.join(workdir, filled)
        return self.paths.resolve(candidate)

    def _job(self, record: JobRecord) -> Job:
        state = JobState(record.state)
        return Job(
            id=str(record.id),
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
            workdir=self.paths.show(Path(record.workdir)),
            stdout=self._shown(record.stdout),
            stderr=self._shown(record.stderr),
            reason=record.reason,
        )

    def _shown(self, path: str) -> str:
        if os.path.isabs(path):
            return self.paths.show(Path(path))
        return path  # a pattern not yet resolved (the job failed at submission)


def _job_number(job_id: str) -> int:
    if not job_id.isdigit() or len(job_id) > 18:
        raise ValidationError(f"Job id {job_id!r} is not a job number.")
    return int(job_id)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"Expected a whole number, got {value!r}.") from None


def _read_from(path: Path, offset: int, count: int) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(count)
    except FileNotFoundError:
        return b""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
