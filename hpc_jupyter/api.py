"""The Python API for notebooks and scripts: files and batch jobs on any configured facility.

>>> import hpc_jupyter
>>> hpc = hpc_jupyter.connect()              # doctest: +SKIP
>>> job = hpc.submit("#!/bin/bash\\necho hi", name="hello", time_limit="5")  # doctest: +SKIP
>>> job.wait().state, job.log()              # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import io
import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, Union

from . import origin, resubmit
from .client import HPCClient, ProgressCallback, api_path, default_client
from .display import FacilityTable, JobTable, Listing, facilities_html, jobs_html, jobs_text
from .display_dependency import dependency_html, dependency_text
from .display_efficiency import efficiency_html, efficiency_text
from .display_status import check_html, check_text, status_html, status_text
from .errors import (
    HPCError,
    NotFound,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from .models import (
    Efficiency,
    FacilityInfo,
    FacilityStatus,
    FileEntry,
    Job,
    JobState,
    Model,
    Partition,
    Staleness,
    Submission,
    SubmitCheck,
    check_stream,
)
from .timefmt import parse_time_limit

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .executor import HPCExecutor
    from .sweep import Sweep

__all__ = [
    "HPC",
    "Check",
    "Facility",
    "JobHandle",
    "JobWaitTimeout",
    "Status",
    "SubmitOptions",
    "connect",
    "entry_from_dict",
    "facility_from_dict",
    "job_from_dict",
]

RemotePath = str | os.PathLike[str]
LocalPath = str | os.PathLike[str]
FIRST_POLL = 0.5
"""Seconds before the first re-check of a job; the wait grows from here."""
MAX_POLL = 5.0
"""The longest wait between two checks of a job."""

_M = TypeVar("_M", bound=Model)


# -- typed views of the server's JSON ------------------------------------------------------------


class Facility(FacilityInfo):
    """A facility as the server describes it: its systems, what it can do, its login status."""

    def _repr_html_(self) -> str:
        return facilities_html([self])


class Status(FacilityStatus):
    """A facility's status as the server tells it (`HPC.status`): shows itself as tables.

    Each part (`systems`, `notices`, `partitions`, `allocations`) is None where the facility
    does not tell it or asking failed; `sources` says where each part came from, and why not.
    """

    def __str__(self) -> str:
        return status_text(self)

    def _repr_html_(self) -> str:
        return status_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(status_text(self))


class Check(SubmitCheck):
    """What a job request would cost and the warnings before it goes out (`HPC.check`)."""

    def __str__(self) -> str:
        return check_text(self)

    def _repr_html_(self) -> str:
        return check_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(check_text(self))


def _malformed(what: str) -> HPCError:
    return HPCError(f"The hpc-jupyter server sent a malformed {what}; is it the same version?")


def _model(cls: type[_M], data: Any, what: str) -> _M:
    """Model `cls` from the server's JSON (`cls.from_dict`), or an error saying what is wrong."""
    try:
        return cls.from_dict(data)
    except (TypeError, ValueError):
        raise _malformed(what) from None


def job_from_dict(data: Any) -> Job:
    """A `Job` from its JSON (`Job.to_dict()`); unknown states become UNKNOWN."""
    if isinstance(data, Mapping) and "id" in data:
        data = {**data, "id": str(data["id"])}
    return _model(Job, data, "job")


def entry_from_dict(data: Any) -> FileEntry:
    """A `FileEntry` from its JSON (`FileEntry.to_dict()`)."""
    return _model(FileEntry, data, "file entry")


def facility_from_dict(data: Any) -> Facility:
    """A `Facility` from the JSON of GET /hpc/api/facilities/{facility}."""
    return _model(Facility, data, "facility")


# -- jobs ----------------------------------------------------------------------------------------


class JobWaitTimeout(HPCError, TimeoutError):
    """A job did not end within the time given to `JobHandle.wait`."""

    def __init__(self, message: str, job: Job) -> None:
        super().__init__(message)
        self.job = job


class JobHandle:
    """A submitted job: its latest known state, and the ways to follow, wait for or cancel it."""

    def __init__(
        self, client: HPCClient, job: Job, poll_interval: float = MAX_POLL, *, asked: bool = False
    ) -> None:
        self._client = client
        self._job = job
        self.poll_interval = poll_interval
        self._asked_ended = asked and job.state.is_final
        """Whether the job was last asked for by itself (`asked`: as GET .../jobs/{id} answers
        it, with its efficiency) and had ended."""

    @property
    def id(self) -> str:
        """The facility's job id."""
        return self._job.id

    @property
    def facility(self) -> str:
        """The facility the job runs at."""
        return self._job.facility

    @property
    def system(self) -> str:
        """The system the job runs on."""
        return self._job.system

    @property
    def info(self) -> Job:
        """The job as last seen (no request; see `refresh`)."""
        return self._job

    @property
    def state(self) -> JobState:
        """The job's current state, asked from the server."""
        return self.refresh().state

    @property
    def efficiency(self) -> Efficiency | None:
        """How the finished job used what it asked for (CPU, memory, time), and how it ended.

        None while the job runs, and where the facility's accounting does not tell
        (capability `jobs.efficiency`). Asks the server until the job is seen finished; a
        finished job's efficiency never changes, so it is then answered as last seen.
        """
        if not self._asked_ended:
            self.refresh()
        return self._job.efficiency

    def _path(self, *more: str) -> str:
        return api_path("facilities", self.facility, "jobs", self.id, *more)

    def _params(self, **extra: str | int | None) -> dict[str, str | int | bool | None]:
        return {"system": self.system or None, **extra}

    def refresh(self) -> Job:
        """Ask the server for the job's latest state."""
        self._job = job_from_dict(self._client.request("GET", self._path(), params=self._params()))
        self._asked_ended = self._job.state.is_final
        return self._job

    def cancel(self) -> Job:
        """Cancel the job; returns it as the facility reports it afterwards."""
        data = self._client.request("DELETE", self._path(), params=self._params())
        self._job = job_from_dict(data)
        return self._job

    def submission(self) -> Submission:
        """How the job was submitted: the server's record (script, options, origin)."""
        return resubmit.submission(self._client, self.facility, self.system, self.id)

    def resubmit(self, **changes: Any) -> JobHandle:
        """Submit this job again, with `changes` to its options (as `HPC.submit` names them)
        or its `script`; the new job's origin is this notebook and cell, `resubmit_of` this job.
        """
        hpc = HPC(self._client, self.facility, self.system or None)
        return resubmit.resubmit(hpc, self.id, "api", changes)

    def hold(self) -> Job:
        """Keep the pending job from starting until `release`; the facility needs `jobs.hold`."""
        return self._act("hold")

    def release(self) -> Job:
        """Let the held job start again."""
        return self._act("release")

    def requeue(self) -> Job:
        """Stop the running job and put it back in the queue; the facility needs `jobs.requeue`."""
        return self._act("requeue")

    def _act(self, action: str) -> Job:
        data = self._client.request("POST", self._path(action), params=self._params())
        self._job = job_from_dict(data)
        return self._job

    def _delays(self, poll: float | None) -> Callable[[], float]:
        """Seconds to sleep between checks: from 0.5 s growing to the poll interval (5 s max)."""
        cap = min(max(poll if poll is not None else self.poll_interval, FIRST_POLL), MAX_POLL)
        delay = FIRST_POLL / 1.5

        def next_delay() -> float:
            nonlocal delay
            delay = min(delay * 1.5, cap)
            return delay

        return next_delay

    def wait(self, timeout: float | None = None, poll: float | None = None) -> Job:
        """Wait until the job ends and return it.

        Parameters
        ----------
        timeout
            Seconds to wait at most; None waits for as long as it takes.
        poll
            The longest pause between two checks (default: the facility's poll interval,
            5 s at most). Checks start after 0.5 s and back off towards it.

        A facility that cannot be reached for a while (down, slow, asking us to slow down)
        does not end the wait: it goes on until the facility answers again or `timeout`
        passes. Any other error (the job is unknown, the credentials are refused) is raised.

        Raises
        ------
        JobWaitTimeout
            When the job is still active after `timeout` seconds (also a `TimeoutError`).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        next_delay = self._delays(poll)
        outage: HPCError | None = None
        while True:
            try:
                job, outage = self.refresh(), None
            except (Unavailable, UpstreamTimeout, RateLimited) as err:
                job, outage = self._job, err  # the job as last seen; ask again after a pause
            if job.state.is_final:
                return job
            delay = next_delay()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    why = f" (the facility cannot be asked: {outage.message})" if outage else ""
                    raise JobWaitTimeout(
                        f"Job {job.id} at {job.facility} is still {job.state.value} after "
                        f"{timeout:g} s{why}; call wait() again to keep waiting.",
                        job,
                    )
                delay = min(delay, remaining)
            time.sleep(delay)

    def _read(self, stream: str, offset: int) -> tuple[str, int, bool]:
        check_stream(stream)
        data = self._client.request(
            "GET", self._path("output"), params=self._params(stream=stream, offset=offset)
        )
        if not isinstance(data, Mapping):
            raise _malformed("job output")
        text, next_offset, complete = data.get("data"), data.get("offset"), data.get("complete")
        if not isinstance(text, str) or not isinstance(next_offset, int):
            raise _malformed("job output")
        return text, next_offset, bool(complete)

    def log(self, stream: str = "stdout") -> str:
        """The job's whole log so far (`stream` is "stdout" or "stderr")."""
        parts: list[str] = []
        offset = 0
        while True:
            text, next_offset, complete = self._read(stream, offset)
            parts.append(text)
            if complete or not text or next_offset <= offset:
                return "".join(parts)
            offset = next_offset

    def follow(
        self,
        stream: str = "stdout",
        callback: Callable[[str], object] | None = None,
        *,
        timeout: float | None = None,
        poll: float | None = None,
    ) -> None:
        """Pass the job's log to `callback` (default: print) as it grows, until it is complete.

        Raises `JobWaitTimeout` when the log is still growing after `timeout` seconds.
        """
        emit = callback if callback is not None else _print_now
        deadline = None if timeout is None else time.monotonic() + timeout
        next_delay = self._delays(poll)
        offset = 0
        while True:
            text, next_offset, complete = self._read(stream, offset)
            if text:
                emit(text)
                next_delay = self._delays(poll)  # output is flowing: look again soon
            offset = max(offset, next_offset)
            if complete:
                return
            if text:
                continue
            delay = next_delay()
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise JobWaitTimeout(
                        f"The {stream} of job {self.id} was still growing after {timeout:g} s.",
                        self._job,
                    )
                delay = min(delay, remaining)
            time.sleep(delay)

    def __repr__(self) -> str:
        job = self._job
        where = f"{job.facility}/{job.system}" if job.system else job.facility
        waits = f", after {','.join(job.depends_on)}" if job.depends_on else ""
        return f"<JobHandle {job.id} {job.name!r} at {where}: {job.state.value}{waits}>"

    def _repr_html_(self) -> str:
        found = self._job.efficiency
        return (
            jobs_html([self._job])
            + dependency_html(self._job)
            + ("" if found is None else efficiency_html(found))
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        found = self._job.efficiency
        waits = dependency_text(self._job)
        printer.text(
            jobs_text([self._job])
            + ("" if waits is None else "\n" + waits)
            + ("" if found is None else "\n" + efficiency_text(found))
        )


def _print_now(text: str) -> None:
    print(text, end="", flush=True)


class SubmitOptions(TypedDict, total=False):
    """What `HPC.submit` accepts besides the script; None or absent leaves it to the script."""

    name: str | None
    partition: str | None
    nodes: int | None
    time_limit: int | str | datetime.timedelta | None
    account: str | None
    workdir: str | None
    env: Mapping[str, str] | None
    stdout: str | None
    stderr: str | None
    array: str | None
    """Task indexes of a job array: `0-9`, `1,3,5-7`, `0-99%8` (facilities with `jobs.arrays`)."""
    depends_on: JobRef | Sequence[JobRef] | None
    """Jobs (handles, `Job`s or ids) this one waits for (facilities with `jobs.dependencies`)."""
    dependency: str | None
    """`afterok` (the default), `afterany` or `afternotok`."""


JobRef = Union["JobHandle", Job, str, int]
"""A job, by handle, record or id."""


def job_id_of(job: JobRef) -> str:
    """The id of a job given by handle, record or id."""
    if isinstance(job, (JobHandle, Job)):
        return job.id
    return str(job)


_SUBMIT_OPTIONS = frozenset(SubmitOptions.__annotations__)


def _seconds(limit: int | str | datetime.timedelta) -> int:
    if isinstance(limit, datetime.timedelta):
        seconds = int(limit.total_seconds())
    elif isinstance(limit, str):
        return parse_time_limit(limit)
    else:
        seconds = limit
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise ValidationError(f"time_limit must be at least one second, not {limit!r}.")
    return seconds


def _submit_body(script: str, options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - _SUBMIT_OPTIONS)
    if unknown:
        raise TypeError(
            f"Unknown submit option(s) {', '.join(unknown)}; known: {sorted(_SUBMIT_OPTIONS)}."
        )
    body: dict[str, Any] = {"script": script}
    for key, value in options.items():
        if value is None:
            continue
        if key == "time_limit":
            value = _seconds(value)
        elif key == "env":
            value = dict(value)
        elif key == "depends_on":
            many = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
            value = [job_id_of(job) for job in many]
        body[key] = value
    return body


# -- the API -------------------------------------------------------------------------------------


class HPC:
    """Files and jobs at one facility (and system) of the hpc-jupyter server.

    Get one with `hpc_jupyter.connect()`; switch with `use()`. Every method raises an
    `HPCError` (see `hpc_jupyter.errors`) with a message meant for people.
    """

    def __init__(
        self, client: HPCClient, facility: str | None = None, system: str | None = None
    ) -> None:
        self.client = client
        self._facility = facility
        self.system = system
        self._described: dict[str, Facility] = {}
        self._listed: tuple[tuple[Any, ...], str, tuple[Job, ...], Staleness | None] | None = None
        """The last job listing: the request, its ETag, the jobs and their `stale` mark."""

    def __repr__(self) -> str:
        return f"HPC(facility={self._facility!r}, system={self.system!r}, url={self.client.url!r})"

    # -- facilities ----------------------------------------------------------------------------

    @property
    def facility_name(self) -> str:
        """The facility in use (the server's first usable one unless chosen)."""
        if self._facility is None:
            facilities = self.facilities()
            if not facilities:
                raise NotFound("The hpc-jupyter server has no facilities configured.")
            # A misconfigured facility is listed to say what is wrong, not to be used.
            usable = [f for f in facilities if f.auth_status != "misconfigured"]
            self._facility = (usable or facilities)[0].name
        return self._facility

    def facilities(self) -> FacilityTable[Facility]:
        """Every facility of the server."""
        data = self.client.request("GET", "facilities")
        items = data.get("facilities") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise _malformed("facility list")
        table = FacilityTable(facility_from_dict(item) for item in items)
        self._described.update((facility.name, facility) for facility in table)
        return table

    def facility(self, name: str | None = None) -> Facility:
        """One facility (default: the one in use), with its systems and login status."""
        name = self.facility_name if name is None else name
        data = self.client.request("GET", api_path("facilities", name))
        facility = facility_from_dict(data)
        self._described[facility.name] = facility
        return facility

    def use(self, name: str, system: str | None = None) -> HPC:
        """Work with facility `name` (and `system`, default: the facility's) from now on."""
        facility = self.facility(name)
        if system is not None and system not in {s.name for s in facility.systems}:
            known = ", ".join(s.name for s in facility.systems) or "none"
            raise NotFound(f"Facility {name!r} has no system {system!r}; it has: {known}.")
        self._facility, self.system = facility.name, system
        return self

    # -- login -------------------------------------------------------------------------------

    def login(
        self,
        name: str | None = None,
        *,
        wait: bool = True,
        timeout: float | None = None,
        ask: Callable[[str], str] | None = None,
        show: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """Log in to facility `name` (default: the one in use); the server keeps the tokens.

        Device login: shows where to go and the code to enter, then (`wait`) waits until the
        user has approved, refused or let it expire. Globus login: shows the URL where the user
        authorizes, then `ask`s for the code Globus shows. Returns where the login stands
        (`state`: `logged_in`, `pending` or `logged_out`, and a `message`).
        """
        name = self.facility_name if name is None else name
        ask = ask or input  # looked up now: Jupyter gives each cell's input() the frontend's stdin
        show = show or print
        started = self.client.login(name)
        if started.get("flow") == "globus":
            url = started["authorize_url"]
            show(f"Open this URL, log in to Globus and copy the code it shows:\n{url}")
            code = ask("Paste the code here: ").strip()
            if not code:
                return self.client.login_status(name)
            return self.client.finish_login(name, code)
        where = started.get("verification_uri_complete") or started.get("verification_uri")
        show(f"Open {where} and enter the code {started.get('user_code')} to log in to {name!r}.")
        if not wait:
            return started
        deadline = time.monotonic() + (timeout if timeout is not None else 3600.0)
        status = started
        while status.get("state") == "pending" and time.monotonic() < deadline:
            time.sleep(min(float(status.get("interval") or 2.0), 2.0))
            status = self.client.login_status(name)
        return status

    def login_status(self, name: str | None = None) -> dict[str, Any]:
        """Where the login to facility `name` (default: the one in use) stands."""
        return self.client.login_status(self.facility_name if name is None else name)

    def logout(self, name: str | None = None) -> dict[str, Any]:
        """Log out of facility `name` (default: the one in use): the server forgets the tokens."""
        return self.client.logout(self.facility_name if name is None else name)

    def _poll_interval(self, name: str) -> float:
        if name not in self._described:
            self.facility(name)
        return self._described[name].poll_interval

    def _path(self, *parts: str) -> str:
        return api_path("facilities", self.facility_name, *parts)

    def _params(self, **extra: str | int | bool | None) -> dict[str, str | int | bool | None]:
        return {"system": self.system, **extra}

    def _entry(self, method: str, parts: tuple[str, ...], body: dict[str, Any]) -> FileEntry:
        data = self.client.request(
            method, self._path(*parts), params=self._params(), json_body=body
        )
        return entry_from_dict(data)

    # -- files ---------------------------------------------------------------------------------

    def ls(
        self,
        path: RemotePath | None = None,
        *,
        offset: int | None = None,
        limit: int | None = None,
    ) -> Listing:
        """The entries of a directory (default: the home directory on the system).

        With `offset` or `limit`, a page of them in name order: at most `limit` entries from
        `offset`; the listing's `total` then says how many the directory holds.
        """
        params = self._params(
            path=None if path is None else os.fspath(path), offset=offset, limit=limit
        )
        data = self.client.request("GET", self._path("files"), params=params)
        if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
            raise _malformed("directory listing")
        entries = (entry_from_dict(item) for item in data["entries"])
        total = data.get("total")
        return Listing(
            entries,
            str(data.get("path") or path or ""),
            total if isinstance(total, int) and not isinstance(total, bool) else None,
        )

    def stat(self, path: RemotePath) -> FileEntry:
        """One file entry."""
        params = self._params(path=os.fspath(path))
        return entry_from_dict(
            self.client.request("GET", self._path("files", "stat"), params=params)
        )

    def read_bytes(self, path: RemotePath, offset: int = 0, length: int | None = None) -> bytes:
        """A file's bytes (or `length` bytes from `offset`)."""
        buffer = io.BytesIO()
        params = self._params(path=os.fspath(path), offset=offset or None, length=length)
        self.client.download(self._path("files", "content"), buffer, params=params)
        return buffer.getvalue()

    def read_text(
        self,
        path: RemotePath,
        offset: int = 0,
        length: int | None = None,
        encoding: str = "utf-8",
    ) -> str:
        """A text file's content (or `length` bytes from `offset`); undecodable bytes become �."""
        return self.read_bytes(path, offset, length).decode(encoding, errors="replace")

    def upload(
        self, local: LocalPath, remote: RemotePath, progress: ProgressCallback | None = None
    ) -> FileEntry:
        """Copy local file `local` to `remote`, streamed; `progress(done, total)` in bytes."""
        try:
            with open(local, "rb") as source:
                size = os.fstat(source.fileno()).st_size
                data = self.client.upload(
                    self._path("files", "content"),
                    source,
                    size,
                    params=self._params(path=os.fspath(remote)),
                    progress=progress,
                )
        except FileNotFoundError:
            raise NotFound(f"No local file {os.fspath(local)!r} to upload.") from None
        except IsADirectoryError:
            raise ValidationError(f"{os.fspath(local)!r} is a folder; upload files.") from None
        except OSError as err:
            raise HPCError(f"Cannot read {os.fspath(local)!r}: {err.strerror}.") from None
        return entry_from_dict(data)

    def download(
        self, remote: RemotePath, local: LocalPath, progress: ProgressCallback | None = None
    ) -> Path:
        """Copy `remote` to the local file `local` (or into the local folder `local`).

        The data goes to a temporary file next to the target, renamed once complete, so an
        interrupted download never leaves a truncated file. Returns the local path.
        """
        remote_text = os.fspath(remote)
        target = Path(local)
        if target.is_dir():
            target = target / (remote_text.rstrip("/").rsplit("/", 1)[-1] or "download")
        if not target.parent.is_dir():
            raise NotFound(f"No local folder {str(target.parent)!r} to download into.")
        temp = _create_temp(target)
        try:
            with open(temp, "wb") as sink:
                self.client.download(
                    self._path("files", "content"),
                    sink,
                    params=self._params(path=remote_text),
                    progress=progress,
                )
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return target

    def mkdir(self, path: RemotePath, parents: bool = False) -> FileEntry:
        """Create a directory (and missing parents with `parents=True`)."""
        return self._entry(
            "POST", ("files", "mkdir"), {"path": os.fspath(path), "parents": parents}
        )

    def move(self, source: RemotePath, target: RemotePath) -> FileEntry:
        """Move or rename `source` to `target`."""
        body = {"source": os.fspath(source), "target": os.fspath(target)}
        return self._entry("POST", ("files", "move"), body)

    def copy(self, source: RemotePath, target: RemotePath) -> FileEntry:
        """Copy `source` to `target`."""
        body = {"source": os.fspath(source), "target": os.fspath(target)}
        return self._entry("POST", ("files", "copy"), body)

    def delete(self, path: RemotePath, recursive: bool = False) -> None:
        """Delete a file, or a directory and its content with `recursive=True`."""
        body = {"path": os.fspath(path), "recursive": recursive}
        self.client.request(
            "POST", self._path("files", "delete"), params=self._params(), json_body=body
        )

    def chmod(self, path: RemotePath, mode: str | int) -> FileEntry:
        """Change permissions: an octal string ("755") or a number (0o755)."""
        text = format(mode, "o") if isinstance(mode, int) else mode
        return self._entry("POST", ("files", "chmod"), {"path": os.fspath(path), "mode": text})

    def chown(
        self, path: RemotePath, owner: str | None = None, group: str | None = None
    ) -> FileEntry:
        """Change the owner and/or group (by name) of a file; None leaves one as it is."""
        body = {"path": os.fspath(path), "owner": owner, "group": group}
        return self._entry("POST", ("files", "chown"), {k: v for k, v in body.items() if v})

    def _lines(self, end: str, path: RemotePath, lines: int) -> str:
        params = self._params(path=os.fspath(path), lines=lines)
        data = self.client.request("GET", self._path("files", end), params=params)
        text = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(text, str):
            raise _malformed(f"file {end}")
        return text

    def head(self, path: RemotePath, lines: int = 10) -> str:
        """The first `lines` lines of a text file (at most 1 MiB of them), like `head -n`."""
        return self._lines("head", path, lines)

    def tail(self, path: RemotePath, lines: int = 10) -> str:
        """The last `lines` lines of a text file (at most 1 MiB of them), like `tail -n`."""
        return self._lines("tail", path, lines)

    def checksum(self, path: RemotePath) -> str:
        """The SHA-256 of a file, computed at the facility, as lowercase hex."""
        params = self._params(path=os.fspath(path))
        data = self.client.request("GET", self._path("files", "checksum"), params=params)
        digest = data.get("checksum") if isinstance(data, Mapping) else None
        if not isinstance(digest, str):
            raise _malformed("checksum")
        return digest

    # -- jobs ----------------------------------------------------------------------------------

    def _handle(self, data: Any, asked: bool = False) -> JobHandle:
        job = job_from_dict(data)
        interval = self._poll_interval(job.facility or self.facility_name)
        return JobHandle(self.client, job, interval, asked=asked)

    def submit(
        self,
        script: str,
        *,
        _via: str = "api",
        _resubmit_of: str | None = None,
        **options: Unpack[SubmitOptions],
    ) -> JobHandle:
        """Submit a batch script; options override its `#SBATCH` directives.

        Options: name, partition, nodes, time_limit (seconds, `timedelta` or a Slurm time such
        as "90", "1:30:00", "2-00"), account, workdir, env, stdout, stderr, array (task
        indexes), depends_on (jobs to wait for) and dependency (`afterok`, `afterany`,
        `afternotok`). The server records where it came from (this notebook and cell; `_via`
        says what made it: the magics, widgets and helpers pass theirs).
        """
        body = _submit_body(script, options)
        body["origin"] = origin.current(_via, _resubmit_of, self.client)
        data = self.client.request(
            "POST",
            self._path("jobs"),
            params=self._params(),
            json_body=body,
            # The key makes a retried submission return the same job instead of a second one.
            headers={"Idempotency-Key": secrets.token_hex(16)},
            retry=True,
        )
        return self._handle(data)

    def executor(self, facility: str | None = None, **resources: Any) -> HPCExecutor:
        """A `concurrent.futures.Executor` running Python calls as jobs at `facility`.

        `resources` are submit options for its jobs (name, partition, nodes, time_limit,
        account, env, ...); `probe=False` skips the check of the facility's Python. See
        `hpc_jupyter.executor`.
        """
        from .executor import HPCExecutor

        return HPCExecutor(self, facility, **resources)

    def sweep(
        self,
        script: str,
        params: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
        max_running: int | None = None,
        **options: Unpack[SubmitOptions],
    ) -> Sweep:
        """Run `script` once per set of `params`: a dict of lists (their grid) or a list of
        dicts. Each task finds its parameters as environment variables; where the facility runs
        job arrays the sweep is one array job (at most `max_running` tasks at once), elsewhere
        one job per task. Other options as for `submit`. See `hpc_jupyter.sweep.Sweep`.
        """
        from .sweep import submit_sweep

        return submit_sweep(self, script, params, max_running, **options)

    def submit_file(
        self, path: LocalPath, *, _via: str = "api", **options: Unpack[SubmitOptions]
    ) -> JobHandle:
        """Submit the batch script in the local (kernel-side) file `path`."""
        try:
            script = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"No local script {os.fspath(path)!r}.") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ValidationError(f"Cannot read the script {os.fspath(path)!r}: {err}.") from None
        return self.submit(script, _via=_via, **options)

    def jobs(self, notebook: str | bool | None = None) -> JobTable:
        """The user's jobs at the facility; with `notebook`, only those submitted from it.

        `notebook=True` is this kernel's notebook; a path is a notebook by its path relative
        to the server's root (as `job.origin.notebook` names it).

        When the facility could not be listed again, the table holds the last good listing and
        its `stale` attribute says why and since when (it is None for current jobs); with no
        good listing to show, the facility's error is raised.
        """
        table = self._jobs()
        if notebook is None or notebook is False:
            return table
        wanted = origin.notebook(self.client) if notebook is True else notebook
        if wanted is None:
            raise ValidationError("This kernel does not know its notebook: name it, as a path.")
        kept = [j for j in table if j.origin and origin.same_notebook(j.origin.notebook, wanted)]
        return JobTable(kept, table.stale)

    def _jobs(self) -> JobTable:
        path, params = self._path("jobs"), self._params()
        asked = (path, *sorted(params.items()))
        held = self._listed if self._listed is not None and self._listed[0] == asked else None
        # A monitor asks again and again: while the listing is unchanged the server says so
        # (304) instead of sending it, and the jobs read last time are answered again.
        answer = self.client.get_if_changed(
            path, params=params, etag=None if held is None else held[1]
        )
        if answer is None and held is not None:
            return JobTable(held[2], held[3])
        data, etag = answer if answer is not None else (None, None)
        items = data.get("jobs") if isinstance(data, Mapping) else None
        if not isinstance(data, Mapping) or not isinstance(items, list):
            raise _malformed("job list")
        stale_data = data.get("stale")
        jobs = tuple(job_from_dict(item) for item in items)
        stale = None if stale_data is None else _model(Staleness, stale_data, "job list")
        self._listed = None if etag is None else (asked, etag, jobs, stale)
        return JobTable(jobs, stale)

    def status(
        self, facility: str | None = None, system: str | None = None, refresh: bool = False
    ) -> Status:
        """What facility `facility` (default: the one in use) says about itself.

        Its systems' health, incidents and maintenance on or ahead, partitions with their
        limits, and your accounts' allocations with what is left; a part is None where the
        facility does not tell it (see `Status.sources` for why). The server keeps it a
        minute; `refresh=True` asks the facility again. Needs the `status` capability.
        """
        name = self.facility_name if facility is None else facility
        if system is None and name == self.facility_name:
            system = self.system
        params: dict[str, str | int | bool | None] = {"system": system}
        if refresh:
            params["refresh"] = "true"
        data = self.client.request("GET", api_path("facilities", name, "status"), params=params)
        return _model(Status, data, "status")

    def check(self, script: str, **options: Unpack[SubmitOptions]) -> Check:
        """What submitting `script` with `options` (as `submit` takes them) would cost.

        Nothing is submitted: the server works out the node hours (nodes times time limit, from
        the options or the script's `#SBATCH` lines), the charge to the account's allocation
        where its unit is node hours, and warnings (a time limit beyond the partition's, an
        allocation it would exceed, a system down, a maintenance before the job could end).
        Needs the `status` capability.
        """
        data = self.client.request(
            "POST",
            self._path("jobs", "check"),
            params=self._params(),
            json_body=_submit_body(script, options),
        )
        return _model(Check, data, "submit check")

    def partitions(self) -> list[Partition]:
        """The partitions (queues) of the facility's system, when it lists them."""
        data = self.client.request("GET", self._path("partitions"), params=self._params())
        items = data.get("partitions") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise _malformed("partition list")
        return [_model(Partition, item, "partition") for item in items]

    def submission(self, job_id: str | int) -> Submission:
        """How job `job_id` was submitted: the server's record (script, options, origin), or
        the facility's copy of its script (`recorded` False); `NotFound` when neither is kept.
        """
        return resubmit.submission(self.client, self.facility_name, self.system, str(job_id))

    def resubmit(self, job_id: str | int, **changes: Any) -> JobHandle:
        """Submit job `job_id` again, with `changes` to its options or `script`.

        The new job's origin is this notebook and cell, with `resubmit_of` the old job.
        """
        return resubmit.resubmit(self, str(job_id), "api", changes)

    def job(self, job_id: str | int) -> JobHandle:
        """A handle on job `job_id`, with its current state."""
        data = self.client.request("GET", self._path("jobs", str(job_id)), params=self._params())
        return self._handle(data, asked=True)

    def cancel(self, job_id: str | int) -> Job:
        """Cancel job `job_id`; returns the job as the facility reports it afterwards."""
        path = self._path("jobs", str(job_id))
        return job_from_dict(self.client.request("DELETE", path, params=self._params()))

    def hold(self, job_id: str | int) -> Job:
        """Keep pending job `job_id` from starting until released (capability `jobs.hold`)."""
        return self._act(job_id, "hold")

    def release(self, job_id: str | int) -> Job:
        """Let held job `job_id` start again (capability `jobs.hold`)."""
        return self._act(job_id, "release")

    def requeue(self, job_id: str | int) -> Job:
        """Put running job `job_id` back in the queue (capability `jobs.requeue`)."""
        return self._act(job_id, "requeue")

    def _act(self, job_id: str | int, action: str) -> Job:
        path = self._path("jobs", str(job_id), action)
        return job_from_dict(self.client.request("POST", path, params=self._params()))


def _create_temp(target: Path) -> Path:
    """A new empty file next to `target`, created with the usual permissions (umask applies)."""
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as err:
            raise HPCError(f"Cannot write in {str(target.parent)!r}: {err.strerror}.") from None
        os.close(fd)
        return temp
    raise HPCError(f"Cannot create a temporary file in {str(target.parent)!r}.")


def connect(
    facility: str | None = None, *, system: str | None = None, client: HPCClient | None = None
) -> HPC:
    """Connect to the hpc-jupyter server and work with `facility` (default: its first one).

    Finds the server that started this kernel (see `hpc_jupyter.client.find_server`) unless a
    `client` is given, and checks that it speaks this version of the API.
    """
    client = default_client() if client is None else client
    client.check_api_version()
    hpc = HPC(client)
    if facility is None:
        hpc.facility_name  # noqa: B018 - resolves the default facility now, failing early
        if system is not None:
            hpc.use(hpc.facility_name, system)
    else:
        hpc.use(facility, system)
    _register_formatters()
    return hpc


def _register_formatters() -> None:
    """In IPython, show lone jobs and file entries as tables too."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is not None:
        from .display import register_formatters

        register_formatters(shell)
