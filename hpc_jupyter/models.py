"""The project's vocabulary: jobs, file entries, systems and capabilities, for every facility."""

from __future__ import annotations

import dataclasses
import enum
import operator
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from .errors import ValidationError
from .inputs import shown, utf8


class JobState(str, enum.Enum):
    """A job's state, in Slurm's words; every facility's states map onto these."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETING = "COMPLETING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"
    NODE_FAIL = "NODE_FAIL"
    SUSPENDED = "SUSPENDED"
    UNKNOWN = "UNKNOWN"

    @property
    def is_final(self) -> bool:
        """True once the job can no longer change state."""
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.TIMEOUT,
        JobState.OUT_OF_MEMORY,
        JobState.NODE_FAIL,
    }
)


class FileType(str, enum.Enum):
    """What a file entry is."""

    FILE = "file"
    DIRECTORY = "directory"
    LINK = "link"
    OTHER = "other"


class Capability(str, enum.Enum):
    """One thing a facility can do; the UIs hide what a facility does not declare."""

    FILES_READ = "files.read"
    FILES_WRITE = "files.write"
    FILES_CHMOD = "files.chmod"
    FILES_CHOWN = "files.chown"
    FILES_CHECKSUM = "files.checksum"
    FILES_HEAD_TAIL = "files.head_tail"
    JOBS_SUBMIT = "jobs.submit"
    JOBS_LIST = "jobs.list"
    JOBS_CANCEL = "jobs.cancel"
    JOBS_OUTPUT = "jobs.output"
    JOBS_PARTITIONS = "jobs.partitions"
    JOBS_HOLD = "jobs.hold"
    """Hold a pending job and release it again."""
    JOBS_REQUEUE = "jobs.requeue"
    """Put a running job back in the queue."""
    AUTH_LOGIN = "auth.login"
    """The user logs in from the panel or `%hpc_login` (`/login` routes)."""
    STATUS = "status"
    """Systems' health, incidents and maintenance, partition limits, allocations (`/status`)."""
    JOBS_EFFICIENCY = "jobs.efficiency"
    """A finished job's `efficiency`, from the facility's accounting."""
    JOBS_ARRAYS = "jobs.arrays"
    """One submission runs many tasks (`JobRequest.array`, Slurm's `--array`)."""
    JOBS_DEPENDENCIES = "jobs.dependencies"
    """A job waits for others (`JobRequest.depends_on`, Slurm's `--dependency`)."""


class AuthStatus(str, enum.Enum):
    """Whether a facility's credentials work, as the API reports it (`FacilityAuth.status`)."""

    NONE = "none"
    """The facility needs no credentials."""
    OK = "ok"
    EXPIRED = "expired"
    """The credentials were refused or have run out: the user must renew them."""
    ERROR = "error"
    """The credentials cannot be used (missing, unreadable, wrongly configured)."""
    UNKNOWN = "unknown"
    """The token service cannot be reached now, so nobody can tell."""
    MISCONFIGURED = "misconfigured"
    """The server's configuration of the facility is wrong; it is listed, never used."""


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Types JSON takes as they are (exactly these: a `str` enum is not plain)."""

_Encoder = Callable[[Any], dict[str, Any]]
_ENCODERS: dict[type, _Encoder] = {}


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encoder(kind)(value)
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _encoder(cls: type) -> _Encoder:
    """The function turning a `cls` dataclass into a dict, its field list compiled once.

    A job listing serializes thousands of jobs: walking `dataclasses.fields` and testing every
    value's type generically per job cost most of a listing's time (issue 15). Plain values
    (most fields) are taken as they are; the rest go through `_jsonable`, so the result is the
    same as the generic walk's.
    """
    names = tuple(f.name for f in dataclasses.fields(cls))
    plain, jsonable = _PLAIN, _jsonable
    # attrgetter of two names or more answers a tuple: all values in one C call.
    values_of: Callable[[Any], tuple[Any, ...]] = (
        operator.attrgetter(*names)
        if len(names) > 1
        else lambda obj: tuple(getattr(obj, name) for name in names)
    )

    def encode(obj: Any) -> dict[str, Any]:
        values = values_of(obj)
        return {
            name: value if type(value) in plain else jsonable(value)
            for name, value in zip(names, values, strict=True)
        }

    _ENCODERS[cls] = encode
    return encode


_ModelT = TypeVar("_ModelT", bound="Model")


class Model:
    """Mixin: a dataclass that turns itself into JSON-ready data, and back."""

    def to_dict(self) -> dict[str, Any]:
        """Return this model as plain JSON-ready data."""
        data = _jsonable(self)
        assert isinstance(data, dict)
        return data

    @classmethod
    def from_dict(cls: type[_ModelT], data: Any) -> _ModelT:
        """The model that `to_dict` made `data` from: enums, nested models, tuples, sets.

        Made for JSON from a server that may be newer: keys it does not know are ignored, an
        enum value it does not know becomes the enum's catch-all (`UNKNOWN`, `OTHER`) or, in a
        list, is left out. `TypeError` or `ValueError` when `data` is not such a model.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__} from {type(data).__name__}, not a mapping")
        hints = _field_types(cls)
        values = {key: _from_json(hints[key], value) for key, value in data.items() if key in hints}
        return cls(**values)


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    """The type of each field of dataclass `cls`, by name (worked out once per class)."""
    if cls not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        _FIELD_TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}
    return _FIELD_TYPES[cls]


_NOT_KNOWN = object()
"""What `_from_json` makes of an enum value this version does not know, with no catch-all."""


def _from_json(kind: Any, value: Any) -> Any:
    """`value` (JSON) as the field type `kind`; `_NOT_KNOWN` for an unknown enum value."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (kind,) = [arg for arg in args if arg is not type(None)]  # only `X | None` is used
        return _from_json(kind, value)
    if origin in (tuple, frozenset):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"a list, not {type(value).__name__}")
        items = (_from_json(args[0], item) for item in value)
        return origin(item for item in items if item is not _NOT_KNOWN)
    if origin is Mapping or origin is dict:
        if not isinstance(value, Mapping):
            raise TypeError(f"a mapping, not {type(value).__name__}")
        return dict(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        if not isinstance(value, str):  # every enum here is of words; null is no word
            raise TypeError(f"a {kind.__name__} word, not {type(value).__name__}")
        try:
            return kind(value)
        except ValueError:
            fallback = _CATCH_ALL.get(kind)
            return _NOT_KNOWN if fallback is None else fallback
    if isinstance(kind, type) and issubclass(kind, Model):
        return kind.from_dict(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(frozen=True)
class FileEntry(Model):
    """One entry of a remote directory."""

    name: str
    path: str
    type: FileType
    size: int
    permissions: str
    user: str
    group: str
    modified: float
    link_target: str | None = None


MAX_EXCERPT_LINES = 10_000
"""The most lines a head or tail of a file may ask for."""
MAX_EXCERPT_BYTES = 1024 * 1024
"""The most bytes of text a head or tail of a file returns; longer excerpts are cut."""


def _split_lines(text: str) -> list[str]:
    """Lines ending in `\n` (kept), the last one possibly without; only `\n` ends a line."""
    parts = [part + "\n" for part in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    return parts if parts[-1] else parts[:-1]


@dataclass(frozen=True)
class FileExcerpt(Model):
    """The first or last lines of a text file, as `head -n` or `tail -n` show them."""

    data: str
    lines: int
    """How many lines `data` holds (a last line without `\n` counts)."""
    truncated: bool
    """True when `data` was cut at `MAX_EXCERPT_BYTES`: the lines asked for are longer."""

    @classmethod
    def of(
        cls, text: str, lines: int, *, from_end: bool, max_bytes: int = MAX_EXCERPT_BYTES
    ) -> FileExcerpt:
        """The first (or last) `lines` lines of `text`, at most `max_bytes` of UTF-8.

        Facilities may send more than was asked for; this keeps exactly what the API promises.
        """
        parts = _split_lines(text)
        parts = parts[-lines:] if from_end else parts[:lines]
        encoded = "".join(parts).encode()
        truncated = len(encoded) > max_bytes
        if truncated:  # cut at a byte, dropping a character split by the cut
            kept = encoded[-max_bytes:] if from_end else encoded[:max_bytes]
            data = kept.decode(errors="ignore")
        else:
            data = "".join(parts)
        return cls(data=data, lines=len(_split_lines(data)), truncated=truncated)


class Dependency(str, enum.Enum):
    """When a job may start after the jobs it depends on (Slurm's `--dependency` types)."""

    AFTEROK = "afterok"
    """Once each of them has completed with exit code 0."""
    AFTERANY = "afterany"
    """Once each of them has ended, however."""
    AFTERNOTOK = "afternotok"
    """Once each of them has ended other than completed (failed, timed out, cancelled...)."""


class Via(str, enum.Enum):
    """What a submission was made with."""

    MAGIC = "magic"
    API = "api"
    WIDGET = "widget"
    EXECUTOR = "executor"
    SWEEP = "sweep"
    PANEL = "panel"
    """The Lab's submit dialog."""
    OTHER = "other"


@dataclass(frozen=True)
class Origin(Model):
    """Where a submission came from: the notebook and cell, and the job it repeats, if any."""

    via: Via = Via.OTHER
    notebook: str | None = None
    """The notebook's path as the Jupyter server names it (relative to its root)."""
    cell: str | None = None
    """JupyterLab's id of the cell that submitted it."""
    resubmit_of: str | None = None
    """The job (of the same facility and system) this one submits again."""

    def __post_init__(self) -> None:
        """Refuse what no record should keep: control characters, paths over 4096 bytes."""
        for name in ("notebook", "cell", "resubmit_of"):
            value = getattr(self, name)
            if value is None:
                continue
            if not value or len(utf8(f"'origin.{name}'", value)) > 4096:
                raise ValidationError(f"'origin.{name}' must be 1 to 4096 bytes.")
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise ValidationError(f"'origin.{name}' has a control character.")


ARRAY_SPEC = re.compile(r"^\d+(-\d+(:\d+)?)?(,\d+(-\d+(:\d+)?)?)*(%\d+)?$")
"""Slurm's `--array` syntax: indexes and ranges (with a step), then `%` and the most at once."""
JOB_ID = re.compile(r"^[A-Za-z0-9._+-]{1,200}$")
"""A job id a request may name (`depends_on`): no separator of Slurm's dependency syntax."""


@dataclass(frozen=True)
class JobRequest(Model):
    """What a user asks for when submitting a batch script.

    Fields left as None fall back to the script's directives, then to the facility's defaults.
    """

    script: str
    name: str | None = None
    partition: str | None = None
    nodes: int | None = None
    time_limit: int | None = None
    account: str | None = None
    workdir: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    stdout: str | None = None
    stderr: str | None = None
    array: str | None = None
    """Run the script as a job array of these task indexes, e.g. `0-9`, `1,3,5-7`, `0-99%8`
    (at most 8 at once); each task sees its index as `SLURM_ARRAY_TASK_ID`."""
    depends_on: tuple[str, ...] = ()
    """Jobs (of the same facility and system) this one waits for, as `dependency` says."""
    dependency: Dependency = Dependency.AFTEROK
    origin: Origin | None = None
    """Where the submission came from; the server keeps it with its record of the submission."""

    def __post_init__(self) -> None:
        """Refuse what no facility can run, whoever builds the request (routes, tests, kinds)."""
        if not self.script.strip():
            raise ValidationError("The batch script is empty.")
        if self.array is not None and not ARRAY_SPEC.match(self.array):
            raise ValidationError(
                f"'array' {shown(self.array)} is not a list of task indexes such as 0-9, "
                "1,3,5-7 or 0-99%8."
            )
        for job_id in self.depends_on:
            if not JOB_ID.match(job_id):
                raise ValidationError(f"'depends_on' names no job: {shown(job_id)}.")
        utf8("The batch script", self.script)
        for key, value in self.env.items():
            if not key.isidentifier() or not key.isascii() or "\x00" in value:
                raise ValidationError(f"Environment variable {shown(key)} has a bad name or value.")
            utf8(f"Environment variable {shown(key)}", value)


@dataclass(frozen=True)
class Job(Model):
    """A batch job as every facility reports it. Times are Unix seconds; limits are seconds."""

    id: str
    name: str
    state: JobState
    raw_state: str
    facility: str = ""
    system: str = ""
    user: str = ""
    account: str | None = None
    partition: str | None = None
    nodes: int | None = None
    submit_time: float | None = None
    start_time: float | None = None
    end_time: float | None = None
    time_limit: int | None = None
    exit_code: int | None = None
    workdir: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    reason: str | None = None
    array_job_id: str | None = None
    """For a task of a job array: the array's job id (Slurm's %A)."""
    array_task_id: str | None = None
    """For a task of a job array: its index, or a range (`4-6`) for tasks still pending together."""
    efficiency: Efficiency | None = None
    """How a finished job used what it asked for: only when one job is asked for, and only where
    the facility's accounting tells (`Capability.JOBS_EFFICIENCY`)."""
    depends_on: tuple[str, ...] = ()
    """The jobs it waits (or waited) for, where the facility tells."""
    dependency: Dependency | None = None
    """How it depends on `depends_on`; None when it depends on none."""
    origin: Origin | None = None
    """Where it was submitted from, from the server's record of its submission (none for a job
    submitted elsewhere)."""


@dataclass(frozen=True)
class Submission(Model):
    """How a job was submitted: enough to see where it came from and to submit it again."""

    facility: str
    system: str
    job_id: str
    request: JobRequest
    """The request as the server sent it (its `origin` says where it came from)."""
    submitted_at: float | None = None
    recorded: bool = True
    """Whether this server recorded the submission; False when only the facility's copy of the
    script is known (a job submitted elsewhere): `request` then holds that script alone."""

    def to_json(self) -> dict[str, Any]:
        """`to_dict()` as the API answers it: the request without the options it left out."""
        data = self.to_dict()
        data["request"] = {k: v for k, v in data["request"].items() if v is not None}
        return data


class Outcome(str, enum.Enum):
    """How a finished job ended, as its efficiency summary words it."""

    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    CANCELLED = "cancelled"
    NODE_FAIL = "node_fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Efficiency(Model):
    """How a finished job used what it asked for, from the facility's accounting.

    Each measure is None where the accounting does not tell it; `summary` says it in words.
    Build one with `hpc_jupyter.efficiency.efficiency()`, which works out the ratios and words.
    """

    outcome: Outcome
    summary: str
    """For a person: how it ended and what it used, e.g. out of memory or CPUs left idle."""
    source: str
    """Where the figures come from, e.g. `sacct` or `slurmdb/v0.0.42 job`."""
    elapsed: float | None = None
    """Seconds the job ran."""
    time_limit: int | None = None
    """Seconds it asked for."""
    time_used: float | None = None
    """`elapsed` / `time_limit`, 0 to 1 (or above, for a job its facility let run over)."""
    cpus: int | None = None
    """CPUs allocated to it, all nodes."""
    cpu_time: float | None = None
    """CPU seconds its processes used (user + system), all tasks."""
    cpu_efficiency: float | None = None
    """`cpu_time` / (`elapsed` * `cpus`), 0 to 1."""
    memory_used: int | None = None
    """Bytes: the peak resident memory of its largest task (Slurm's MaxRSS)."""
    memory_requested: int | None = None
    """Bytes it asked for, all nodes."""
    memory_efficiency: float | None = None
    """`memory_used` / `memory_requested`, 0 to 1 (or above)."""
    exit_code: int | None = None
    signal: int | None = None
    """The signal that ended it, when one did."""


@dataclass(frozen=True)
class Staleness(Model):
    """Why a job listing is not fresh: listing the jobs again failed, so this is the last good one.

    Times are Unix seconds, like the jobs' own.
    """

    message: str
    """The newest failure, for a person (as an error's `message`)."""
    reason: str
    """The newest failure's stable word (as an error's `reason`: `unavailable`, `timeout`...)."""
    failed_at: float
    """When listings started failing: the first failure after the last good listing."""
    listed_at: float
    """When the listing served was made."""


@dataclass(frozen=True)
class JobListing(Model):
    """A facility's jobs as the job watcher serves them: fresh, or the last good ones, marked."""

    jobs: tuple[Job, ...]
    stale: Staleness | None = None
    """None while the listing is fresh; else why it is not."""

    def to_dict(self) -> dict[str, Any]:
        """The API's `JobList`: `stale` only when the listing is stale."""
        data = super().to_dict()
        if self.stale is None:
            del data["stale"]
        return data


LogStream = Literal["stdout", "stderr"]
"""Which log of a job: backends take only these, checked once where a request comes in."""


def check_stream(stream: str) -> LogStream:
    """`stream` as a `LogStream`; any log of a job but its `stdout` and `stderr` is refused."""
    if stream not in ("stdout", "stderr"):
        raise ValidationError("stream must be 'stdout' or 'stderr'.")
    return "stdout" if stream == "stdout" else "stderr"


@dataclass(frozen=True)
class OutputChunk(Model):
    """A piece of a job's log: data from an offset, where to read next, whether the log is done."""

    data: str
    offset: int
    complete: bool


@dataclass(frozen=True)
class Partition(Model):
    """A partition (queue) jobs can be submitted to."""

    name: str
    default: bool | None = None
    """Whether jobs that name no partition go here; None when the facility does not say."""
    state: str = "UP"
    max_time: int | None = None
    """The longest time limit it allows, in seconds; None when unlimited or unknown."""
    nodes: int | None = None
    """How many nodes it has, when known."""


@dataclass(frozen=True)
class System(Model):
    """A cluster or machine of a facility."""

    name: str
    status: str = "available"
    default: bool = False
    home: str | None = None


@dataclass(frozen=True)
class AuthState(Model):
    """A facility's auth status and, unless it is `ok` or `none`, what the user should do."""

    status: AuthStatus
    message: str | None = None


@dataclass(frozen=True)
class FacilityInfo(Model):
    """A facility as `GET /hpc/api/facilities` lists it: what it is and can do; no credential."""

    name: str
    kind: str
    default_system: str | None
    """None when the facility could not be reached (see `auth`)."""
    systems: tuple[System, ...] = ()
    capabilities: frozenset[Capability] = frozenset()
    auth: AuthState = AuthState(AuthStatus.NONE)
    poll_interval: float = 30.0
    """Seconds between two listings of the facility's jobs."""
    python: str | None = None
    """The command that runs Python in the facility's jobs (`hpc.executor`); None: the
    kernel's own interpreter (the `local` facility, on this machine)."""

    def can(self, capability: Capability | str) -> bool:
        """Whether the facility declares `capability` (e.g. `"jobs.submit"`)."""
        return capability in self.capabilities  # a str enum: "jobs.submit" finds its member

    @property
    def auth_status(self) -> str:
        """The auth status as the API words it (`ok`, `expired`...)."""
        return self.auth.status.value

    @property
    def auth_message(self) -> str | None:
        """What the user should do about the auth status, if anything."""
        return self.auth.message

    def to_dict(self) -> dict[str, Any]:
        """The API's `Facility`: capabilities sorted."""
        data = super().to_dict()
        data["capabilities"] = sorted(data["capabilities"])
        return data


class Health(str, enum.Enum):
    """A system's or a service's health, as the status of a facility says it."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SystemHealth(Model):
    """A system (cluster, service, storage) as the facility's status reports it."""

    name: str
    health: Health
    message: str | None = None
    """What the facility says about it, when it is not simply up."""
    checked_at: float | None = None
    """When the facility last checked it (Unix seconds), when it says."""


class NoticeKind(str, enum.Enum):
    """What a notice of a facility is."""

    MAINTENANCE = "maintenance"
    """Planned: a maintenance window or a reservation for one (Slurm's MAINT)."""
    INCIDENT = "incident"
    """Unplanned: an outage or a degradation."""
    RESERVATION = "reservation"
    """Nodes set aside for someone, not for maintenance."""


@dataclass(frozen=True)
class Notice(Model):
    """An incident, a maintenance window or a reservation: what it is, when, and what it touches."""

    id: str
    kind: NoticeKind
    title: str
    start: float | None = None
    """Unix seconds; None when the facility does not say."""
    end: float | None = None
    """Unix seconds; None when open-ended or not said."""
    systems: tuple[str, ...] = ()
    """The systems, partitions or resources it touches, in the facility's names."""
    status: str | None = None
    """In the facility's words (`unresolved`, `ACTIVE`...)."""


@dataclass(frozen=True)
class Allocation(Model):
    """An account (project) the user may charge, and what is left of it in one unit.

    `allocated`, `used` and `remaining` are None where the facility does not tell them (an
    account known by name only); never 0 for "unknown".
    """

    account: str
    unit: str | None = None
    """`node_hours`, `cpu_hours`, `gpu_hours`, `billing_hours`, `bytes`, `inodes`... or None."""
    allocated: float | None = None
    used: float | None = None
    remaining: float | None = None
    """`allocated` - `used`, may be negative."""
    default: bool | None = None
    """Whether jobs that name no account are charged to it, when the facility says."""
    scope: str = "project"
    """`project`: the account's whole allocation; `user`: the user's share of it."""
    note: str | None = None
    """Where the figure comes from in the facility's terms, e.g. `GrpTRESMins cpu`."""


@dataclass(frozen=True)
class StatusSource(Model):
    """Where one part of a facility's status came from, when, and why it is missing if it is."""

    part: str
    """`systems`, `notices`, `partitions` or `allocations`."""
    source: str
    """The facility's call or command, e.g. `GET /status/systems`."""
    fetched_at: float
    """When it was asked (Unix seconds)."""
    error: str | None = None
    """Why this part is absent: asking failed (the part is then null, never empty)."""


@dataclass(frozen=True)
class FacilityStatus(Model):
    """What a facility says about itself: each part is null where it cannot tell or failed."""

    facility: str
    system: str
    systems: tuple[SystemHealth, ...] | None = None
    notices: tuple[Notice, ...] | None = None
    """Incidents and maintenance that are on or ahead (ended ones are left out)."""
    partitions: tuple[Partition, ...] | None = None
    allocations: tuple[Allocation, ...] | None = None
    sources: tuple[StatusSource, ...] = ()


@dataclass(frozen=True)
class Advice(Model):
    """One warning about a job request before it is submitted; the user may still submit."""

    code: str
    """Stable word: `over_partition_limit`, `over_allocation`, `system_down`..."""
    message: str


@dataclass(frozen=True)
class SubmitCheck(Model):
    """What a job request would cost and what stands in its way, from the facility's status."""

    node_hours: float | None
    """Nodes * time limit in hours; None when either is not known."""
    charge: float | None = None
    """The estimate in the unit of the account's allocation, when it can be worked out."""
    unit: str | None = None
    """The unit of `charge`."""
    allocation: Allocation | None = None
    """The account's allocation the job would be charged to, when known."""
    warnings: tuple[Advice, ...] = ()


_CATCH_ALL: dict[type[enum.Enum], enum.Enum] = {
    JobState: JobState.UNKNOWN,
    FileType: FileType.OTHER,
    AuthStatus: AuthStatus.UNKNOWN,
    Outcome: Outcome.UNKNOWN,
    Health: Health.UNKNOWN,
    Via: Via.OTHER,
}
"""The member `from_dict` gives an enum value this version does not know (a newer server's)."""
