"""The backend seam: what every facility implements, free of anything Jupyter.

A facility is a `FacilityBackend` that owns a `FileBackend` (its filesystems) and a `JobBackend`
(its scheduler); either may be absent, and `capabilities` says what the user interfaces may offer.
Backends take their settings as a plain mapping, validated in `create()`, and raise only the
errors of `hpc_jupyter.errors`.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..auth.login import LoginSource
from ..errors import CapabilityError, Conflict, NotFound
from ..errors import ConfigError as ConfigError  # its old home, kept for imports of it from here
from ..models import (
    Allocation,
    AuthState,
    AuthStatus,
    Capability,
    Efficiency,
    FileEntry,
    Job,
    JobRequest,
    JobState,
    LogStream,
    Notice,
    OutputChunk,
    Partition,
    System,
    SystemHealth,
)

StatusPart = Literal["systems", "notices", "partitions", "allocations"]


@dataclass(frozen=True)
class StatusProbe:
    """One part of a facility's status: where it comes from and how to ask for it.

    `fetch` raises the project's errors like any backend call; the status service turns a
    failure into that part's `error`, so one failing part leaves the others standing.
    """

    part: StatusPart
    source: str
    """The facility's call or command in its own terms, e.g. `GET /slurm/v0.0.42/reservations`."""
    fetch: Callable[[], Awaitable[Sequence[SystemHealth | Notice | Partition | Allocation]]]


@dataclass(frozen=True)
class BackendContext:
    """What the server tells a backend about where it runs."""

    root_dir: Path
    """The Jupyter server's root directory: the default root of local files."""
    data_dir: Path
    """A directory where the backend may keep state (job records), one per facility."""


@dataclass
class ReadStream:
    """An opened file read: how many bytes will come, and the bytes themselves."""

    length: int
    chunks: AsyncIterator[bytes]


class UploadSink(abc.ABC):
    """A file being written: bytes go to a temporary name until `commit()` renames it."""

    @abc.abstractmethod
    async def write(self, chunk: bytes) -> None:
        """Append a chunk to the upload."""

    @abc.abstractmethod
    async def commit(self) -> FileEntry:
        """Put the complete file in place under its final name and describe it."""

    @abc.abstractmethod
    async def abort(self) -> None:
        """Drop the partial upload; the target is left as it was. Safe to call twice."""


class FileBackend(abc.ABC):
    """A facility's filesystems. Paths are POSIX strings as the facility sees them."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FILES_READ, Capability.FILES_WRITE, Capability.FILES_CHMOD}
    )

    @abc.abstractmethod
    async def home(self, system: str) -> str:
        """The directory a file view opens at."""

    @abc.abstractmethod
    async def list_dir(self, system: str, path: str) -> list[FileEntry]:
        """The entries of a directory, without `.` and `..`."""

    async def list_page(
        self, system: str, path: str, offset: int, limit: int | None
    ) -> tuple[list[FileEntry], int]:
        """Entries `offset` to `offset + limit` of a directory in name order, and how many it has.

        Without `limit`, every entry from `offset`. This default lists the whole directory; a
        backend that can read and sort the names before the details of each entry does better.
        """
        entries = await self.list_dir(system, path)
        end = None if limit is None else offset + limit
        return entries[offset:end], len(entries)

    @abc.abstractmethod
    async def stat(self, system: str, path: str) -> FileEntry:
        """One entry, not following a final symbolic link."""

    async def exists(self, system: str, path: str) -> bool:
        """Whether anything is at `path` (a `stat` that finds nothing is False)."""
        try:
            await self.stat(system, path)
        except NotFound:
            return False
        return True

    @abc.abstractmethod
    async def open_read(
        self, system: str, path: str, offset: int = 0, length: int | None = None
    ) -> ReadStream:
        """Open a regular file for streaming, from `offset`, `length` bytes at most."""

    @abc.abstractmethod
    async def open_upload(self, system: str, path: str) -> UploadSink:
        """Start writing a file; nothing appears under `path` before `commit()`."""

    @abc.abstractmethod
    async def mkdir(self, system: str, path: str, parents: bool = False) -> FileEntry:
        """Create a directory (and its parents when asked)."""

    @abc.abstractmethod
    async def move(self, system: str, source: str, target: str) -> FileEntry:
        """Rename or move; refuses to replace an existing target."""

    @abc.abstractmethod
    async def copy(self, system: str, source: str, target: str) -> FileEntry:
        """Copy a file or a directory tree; refuses to replace an existing target."""

    @abc.abstractmethod
    async def delete(self, system: str, path: str, recursive: bool = False) -> None:
        """Remove a file, a link, or a directory (non-empty only when recursive)."""

    @abc.abstractmethod
    async def chmod(self, system: str, path: str, mode: str) -> FileEntry:
        """Change permissions; `mode` is octal, like `755`."""

    # Optional operations: a backend that implements one declares its capability.

    async def head(self, system: str, path: str, lines: int = 10) -> str:
        """The first `lines` lines of a text file; only with `Capability.FILES_HEAD_TAIL`.

        Need not be exact: the route keeps `lines` lines and `MAX_EXCERPT_BYTES` bytes at most,
        so a backend reading a file itself should stop soon after either.
        """
        raise CapabilityError("This facility does not show the first or last lines of files.")

    async def tail(self, system: str, path: str, lines: int = 10) -> str:
        """The last `lines` lines of a text file; only with `Capability.FILES_HEAD_TAIL`."""
        raise CapabilityError("This facility does not show the first or last lines of files.")

    async def checksum(self, system: str, path: str) -> str:
        """A file's SHA-256, as lowercase hex; only with `Capability.FILES_CHECKSUM`."""
        raise CapabilityError("This facility does not compute checksums of files.")

    async def chown(self, system: str, path: str, owner: str, group: str) -> FileEntry:
        """Change owner and/or group (names; `""` leaves one as it is); `Capability.FILES_CHOWN`."""
        raise CapabilityError("This facility does not change the owner of files.")


class JobBackend(abc.ABC):
    """A facility's batch scheduler, as the user sees it."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.JOBS_SUBMIT,
            Capability.JOBS_LIST,
            Capability.JOBS_CANCEL,
            Capability.JOBS_OUTPUT,
        }
    )

    @abc.abstractmethod
    async def submit(self, system: str, request: JobRequest) -> Job:
        """Submit a batch script; returns the job as first recorded."""

    @abc.abstractmethod
    async def list_jobs(self, system: str) -> list[Job]:
        """The user's jobs: current ones and the finished ones the facility still reports."""

    @abc.abstractmethod
    async def get_job(self, system: str, job_id: str) -> Job:
        """One job by id; `NotFound` when the facility does not know it."""

    async def cancel_job(self, system: str, job_id: str) -> Job:
        """Cancel a pending or running job; `Conflict` when it has already ended.

        Answers the job as the facility shows it just after, marked `Cancel requested` while
        it has not ended yet (schedulers cancel asynchronously). Kinds send the cancel in
        `_send_cancel`.
        """
        job = await self.get_job(system, job_id)
        if job.state.is_final:
            raise Conflict(f"Job {job_id} has already ended ({job.raw_state}); nothing to cancel.")
        await self._send_cancel(system, job_id, job)
        try:
            cancelled = await self.get_job(system, job_id)
        except NotFound:  # it left the queue, and no accounting says how
            return dataclasses.replace(job, state=JobState.CANCELLED, raw_state="CANCELLED")
        if not cancelled.state.is_final:
            cancelled = dataclasses.replace(cancelled, reason="Cancel requested")
        return cancelled

    async def _send_cancel(self, system: str, job_id: str, job: Job) -> None:
        """Ask the scheduler to cancel `job` (read just before, not ended): `cancel_job`'s step."""
        raise CapabilityError("This facility does not cancel jobs.")

    @abc.abstractmethod
    async def read_output(
        self, system: str, job_id: str, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        """Read a job's stdout or stderr from a byte offset, for following a log.

        The job service has checked `stream` and that `offset` is not negative.
        """

    output_from_known_job: ClassVar[bool] = False
    """Whether the job service hands `read_known_output` the job as the job watcher knows it,
    sparing the facility a request for the job on every poll of a followed log."""

    async def read_known_output(
        self, system: str, job: Job, stream: LogStream, offset: int, max_bytes: int
    ) -> OutputChunk:
        """`read_output` of a job the caller has just read (the watcher's view of it)."""
        return await self.read_output(system, job.id, stream, offset, max_bytes)

    def with_submitted_logs(self, job: Job, request: JobRequest) -> Job:
        """`job` with the log paths its `request` asked for where the facility no longer says
        (a record that kept no paths); unchanged where it cannot tell for sure."""
        return job

    async def partitions(self, system: str) -> list[Partition]:
        """The partitions (queues) a job can go to; only with `Capability.JOBS_PARTITIONS`."""
        raise CapabilityError("This facility does not list its partitions.")

    async def hold(self, system: str, job_id: str) -> Job:
        """Keep a pending job from starting; only with `Capability.JOBS_HOLD`.

        `Conflict` when the job is not pending.
        """
        raise CapabilityError("This facility does not hold jobs.")

    async def release(self, system: str, job_id: str) -> Job:
        """Let a held job start again; only with `Capability.JOBS_HOLD`.

        `Conflict` when the job is not held.
        """
        raise CapabilityError("This facility does not release held jobs.")

    async def efficiency(self, system: str, job: Job) -> Efficiency | None:
        """How finished `job` used what it asked for; only with `Capability.JOBS_EFFICIENCY`.

        None when the accounting has no record of it. Build it with `efficiency.efficiency()`.
        """
        raise CapabilityError("This facility's accounting does not tell how jobs used resources.")

    async def batch_script(self, system: str, job_id: str) -> str | None:
        """The facility's own copy of a job's batch script, or None where it keeps none.

        Asked only for a job this server has no record of (`records.py`); None also when the
        facility no longer knows the job.
        """
        return None

    async def requeue(self, system: str, job_id: str) -> Job:
        """Stop a running job and put it back in the queue; only with `Capability.JOBS_REQUEUE`.

        `Conflict` when the job is not running or may not be requeued.
        """
        raise CapabilityError("This facility does not requeue jobs.")


class FacilityBackend(abc.ABC):
    """One configured facility: its systems, auth state, files and jobs."""

    kind: ClassVar[str]
    default_poll_interval: ClassVar[float] = 30.0
    """Seconds between two listings of jobs by the job watcher."""
    default_python: ClassVar[str | None] = "python3"
    """The command running Python in jobs (`hpc.executor`) unless the `python` option says;
    None: the kernel's own interpreter (only where jobs run on the kernel's machine)."""
    settings_class: ClassVar[type[Any] | None] = None
    """The kind's settings dataclass (backends/settings.py), whence its options' docs."""

    def __init__(
        self, name: str, files: FileBackend | None = None, jobs: JobBackend | None = None
    ) -> None:
        self.name = name
        self._files = files
        self._jobs = jobs

    @classmethod
    @abc.abstractmethod
    def create(
        cls, name: str, options: Mapping[str, Any], context: BackendContext
    ) -> FacilityBackend:
        """Validate `options` and build the facility; raise `ConfigError` naming the bad key."""

    @property
    def files(self) -> FileBackend | None:
        """The facility's filesystems, or None when it has none we can reach."""
        return self._files

    @property
    def jobs(self) -> JobBackend | None:
        """The facility's scheduler, or None when it runs no jobs for us."""
        return self._jobs

    @abc.abstractmethod
    async def systems(self) -> list[System]:
        """The systems (clusters) of the facility; exactly one has `default=True`."""

    async def auth_state(self) -> AuthState:
        """Whether the facility's credentials work and, if not, what the user should do.

        `none` when it needs no credentials; never a credential, in the status or the message.
        """
        return AuthState(AuthStatus.NONE)

    @property
    def login(self) -> LoginSource | None:
        """The login the user makes to get the facility's credential, if it takes one."""
        return None

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Everything the facility can do."""
        caps: set[Capability] = set()
        if self.files is not None:
            caps |= self.files.capabilities
        if self.jobs is not None:
            caps |= self.jobs.capabilities
        if self.login is not None:
            caps.add(Capability.AUTH_LOGIN)
        if self.status_probes(""):
            caps.add(Capability.STATUS)
        return frozenset(caps)

    def status_probes(self, system: str) -> list[StatusProbe]:
        """The parts of its status the facility can tell, for `system` ("" for any system).

        Each probe is called at most once per status request; none when it tells nothing
        (then it has no `Capability.STATUS`). Building the list must not touch the network.
        """
        return []

    async def prepare_status(self, system: str) -> None:  # noqa: B027 - optional hook
        """Learn what naming the status calls takes (an API version) before `status_probes`.

        Called once per round of asking for the status; it may touch the network. A failure
        here is the probes' to report: let them name their calls as best they can.
        """

    def require_files(self) -> FileBackend:
        """The file backend, or a clear error when the facility has none."""
        if self.files is None:
            raise CapabilityError(f"Facility {self.name!r} offers no file access.")
        return self.files

    def require_jobs(self) -> JobBackend:
        """The job backend, or a clear error when the facility has none."""
        if self.jobs is None:
            raise CapabilityError(f"Facility {self.name!r} does not run jobs.")
        return self.jobs

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Start background work (called once, on the server's event loop)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop background work and release connections."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} kind={self.kind!r}>"
