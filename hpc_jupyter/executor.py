"""Functions as jobs: `hpc.executor()`, a `concurrent.futures.Executor` running calls as jobs.

>>> with hpc.executor(time_limit="10") as ex:             # doctest: +SKIP
...     print(ex.submit(pow, 2, 10).result())             # 1024, computed in a job
...     print(list(ex.map(simulate, [1, 2, 3])))          # one job array, or batched jobs

Each call is pickled (cloudpickle) and uploaded through the files API into the executor's call
directory (`.hpc-jupyter/calls/<uuid>/` under the facility's home); a job runs it there with
the facility's Python (its `python` option) and a small runner embedded in the job script
(`executor_runner.py`), which writes the result, or the exception with its traceback, next to
the input. One thread per executor follows the jobs (one job listing per poll for all its
futures) and downloads the results.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import shlex
import shutil
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle

from .errors import (
    Conflict,
    HPCError,
    NotFound,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from .executor_probe import check_python
from .models import Capability, Job, JobState

if TYPE_CHECKING:
    from .api import HPC, Facility
    from .widgets.calls import CallsMonitor

__all__ = ["HPCExecutor", "RemoteError"]

CALLS = ".hpc-jupyter/calls"
"""Where executors keep their calls, under the facility's home."""
RUNNER = Path(__file__).with_name("executor_runner.py")
"""The runner's source, embedded in each job script."""
HEREDOC = "HPC_JUPYTER_RUNNER"
RESERVED = frozenset({"array", "workdir", "stdout", "stderr"})
"""Submit options the executor sets itself."""
TRANSIENT = (Unavailable, UpstreamTimeout, RateLimited)
"""Errors after which the follower asks again at the next poll."""


class RemoteError(HPCError):
    """A call raised at the facility: the remote exception's type, message and traceback.

    When the remote exception unpickles in the kernel, the future raises that exception
    instead, with this error as its `__cause__` (so `except ValueError` works and the remote
    traceback shows).
    """

    def __init__(
        self, remote_type: str, remote_message: str, remote_traceback: str, job_id: str
    ) -> None:
        shown = remote_type.removeprefix("builtins.")
        super().__init__(
            f"{shown}: {remote_message} (in job {job_id})\n\nRemote traceback:\n"
            f"{remote_traceback.rstrip()}"
        )
        self.remote_type = remote_type
        self.remote_message = remote_message
        self.remote_traceback = remote_traceback
        self.job_id = job_id


class HPCFuture(concurrent.futures.Future[Any]):
    """A call's future; `cancel()` also cancels its job at the facility."""

    def __init__(self, executor: HPCExecutor) -> None:
        super().__init__()
        self._executor = executor
        self.job_id: str | None = None
        """The job (or array task, `A_i`) running the call, once submitted."""
        self.job_state: JobState | None = None
        """The state its job (or array task) was last seen in; None before it was submitted."""
        self._followed: str | None = None
        """The job the executor follows for it: the job, or the array."""

    def cancel(self) -> bool:
        """Cancel the call: True when its job was still pending or running at the facility.

        A job running other calls of a `map` batch too goes on for them; this call's result
        is then ignored.
        """
        if self.cancelled():
            return True  # as concurrent.futures answers a second cancel
        if self.done():
            return False
        if self.job_id is None:
            return super().cancel()
        if not self._executor._cancel_job_of(self):
            return False
        return super().cancel()

    def _cancel_locally(self) -> bool:
        return super().cancel()

    def _settle(self, value: Any = None, error: BaseException | None = None) -> None:
        """Complete the call with `value` (or `error`), unless it was cancelled meanwhile.

        The user may cancel a call while the follower fetches its result; the call then stays
        cancelled, and the follower goes on with the others.
        """
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            if error is None:
                self.set_result(value)
            else:
                self.set_exception(error)


@dataclass
class _Tracked:
    """A job (or job array) the follower watches and the calls it runs."""

    job_id: str
    futures: dict[int, HPCFuture] = field(default_factory=dict)
    tasks: dict[int, int] = field(default_factory=dict)
    """For an array: the task index running each call."""
    missing: int = 0
    """Consecutive listings without the job."""


class HPCExecutor(concurrent.futures.Executor):
    """Runs Python calls as jobs at a facility; get one with `HPC.executor()`.

    `resources` are `HPC.submit` options (name, partition, nodes, time_limit, account, env,
    depends_on, dependency) for every job; the executor sets the work directory and output.
    """

    def __init__(
        self,
        hpc: HPC,
        facility: str | None = None,
        system: str | None = None,
        *,
        probe: bool = True,
        **resources: Any,
    ) -> None:
        from .api import _SUBMIT_OPTIONS, HPC

        unknown = sorted(set(resources) - (_SUBMIT_OPTIONS - RESERVED))
        if unknown:
            raise TypeError(
                f"Unknown executor option(s) {', '.join(unknown)}; known: "
                f"{sorted(_SUBMIT_OPTIONS - RESERVED)} (the executor sets the rest)."
            )
        name = facility or hpc.facility_name
        if system is None and name == hpc.facility_name:
            system = hpc.system  # the system `hpc` uses; another facility's default otherwise
        self._hpc = HPC(hpc.client, name, system)
        self._facility: Facility = self._hpc.facility(name)
        self._resources = resources
        self._probe = probe
        self.directory = f"{_home(self._facility, self._hpc.system)}{CALLS}/{uuid.uuid4().hex}"
        """The executor's call directory at the facility."""
        self._hpc.mkdir(self.directory, parents=True)
        self._local = tempfile.mkdtemp(prefix="hpc-executor-")
        """Where payloads and results pass through in the kernel, one file at a time."""
        weakref.finalize(self, shutil.rmtree, self._local, ignore_errors=True)
        self._lock = threading.Lock()
        self._ready = False
        self._next = 0
        self._tracked: dict[str, _Tracked] = {}
        self._thread: threading.Thread | None = None
        self._calls: list[HPCFuture] = []
        """Every call's future, in the order they were made (for `watch`)."""
        self._wake = threading.Event()
        self._shutdown = False
        self.poll = min(max(self._facility.poll_interval, 0.5), 5.0)
        """Seconds between two checks of the jobs."""

    def __repr__(self) -> str:
        return f"<HPCExecutor at {self._facility.name}: {self.directory}>"

    def watch(self, poll: float = 1.0) -> CallsMonitor:
        """A live table of every call made so far: its job, the job's state, its outcome."""
        from .widgets.calls import CallsMonitor

        with self._lock:
            calls = list(self._calls)
        return CallsMonitor(calls, poll=poll)

    # -- submitting ----------------------------------------------------------------------------

    @property
    def python(self) -> str:
        """The command running Python in the jobs: the facility's, or the kernel's own."""
        return self._facility.python or shlex.quote(sys.executable)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> HPCFuture:
        """Run `fn(*args, **kwargs)` in a job; the future resolves with its result."""
        numbers = self._start([(fn, args, kwargs)])
        future = HPCFuture(self)
        job_id = self._submit_job(fn, [str(number) for number in numbers])
        self._track({job_id: {numbers[0]: future}})
        return future

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> MapResults:
        """`fn` over the inputs, as jobs: results in input order, as `Executor.map`.

        One job array (task per `chunksize` calls) where the facility has `jobs.arrays`, else
        one job per `chunksize` calls. A call that raised raises from the iterator there.
        """
        if chunksize < 1:
            raise ValueError("chunksize must be 1 or more.")
        items: list[tuple[Callable[..., Any], Any, Any]] = [
            (fn, args, {}) for args in zip(*iterables, strict=False)
        ]
        if not items:
            return MapResults([], timeout)
        numbers = self._start(items)
        futures = {number: HPCFuture(self) for number in numbers}
        chunks = [numbers[i : i + chunksize] for i in range(0, len(numbers), chunksize)]
        if self._facility.can(Capability.JOBS_ARRAYS):
            argv = ["--array", str(numbers[0]), str(chunksize), str(len(numbers))]
            array_id = self._submit_job(fn, argv, array=f"0-{len(chunks) - 1}")
            tasks = {number: task for task, chunk in enumerate(chunks) for number in chunk}
            self._track({array_id: futures}, tasks)
        else:
            jobs: dict[str, dict[int, HPCFuture]] = {}
            try:
                for chunk in chunks:
                    job_id = self._submit_job(fn, [str(number) for number in chunk])
                    jobs[job_id] = {number: futures[number] for number in chunk}
            except BaseException:  # an error or an interrupt: no job runs on unfollowed
                self._withdraw(jobs)
                raise
            self._track(jobs)
        return MapResults([futures[number] for number in numbers], timeout)

    def _start(self, calls: list[tuple[Callable[..., Any], Any, Any]]) -> list[int]:
        """Check the facility once, then upload the calls; their numbers."""
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if not self._ready:
                if self._probe and self._facility.python is not None:
                    self._check_python()
                self._ready = True
            first, self._next = self._next, self._next + len(calls)
        numbers = list(range(first, first + len(calls)))
        for number, call in zip(numbers, calls, strict=True):
            local = Path(self._local) / f"{number}.in"
            with open(local, "wb") as sink:
                cloudpickle.dump(call, sink)
            try:
                self._hpc.upload(local, f"{self.directory}/{number}.in")
            finally:
                local.unlink(missing_ok=True)
        return numbers

    def _submit_job(self, fn: Callable[..., Any], argv: list[str], array: str | None = None) -> str:
        options: dict[str, Any] = {"name": _name(fn), **self._resources}
        options.update(workdir=self.directory, array=array)
        script = _script(self.python, argv)
        return self._hpc.submit(script, _via="executor", **options).id

    def _withdraw(self, job_ids: Iterable[str]) -> None:
        """Cancel jobs of a `map` that could not be submitted whole (best effort: the error
        that stopped it is the one to tell)."""
        for job_id in job_ids:
            with contextlib.suppress(HPCError):
                self._hpc.cancel(job_id)

    def _check_python(self) -> None:
        """Run the probe once per facility and Python for the kernel's life; raise its verdict."""
        verdict = check_python(
            self._hpc, self._facility.name, self.python, self.directory, self._resources
        )
        if verdict is not None:
            raise HPCError(verdict)

    # -- following -----------------------------------------------------------------------------

    def _track(
        self, jobs: Mapping[str, Mapping[int, HPCFuture]], tasks: Mapping[int, int] | None = None
    ) -> None:
        """Follow `jobs` (an array's calls with their `tasks`) from the next poll."""
        tasks = tasks or {}
        with self._lock:
            for job_id, calls in jobs.items():
                for number, future in calls.items():
                    task = tasks.get(number)
                    future.job_id = job_id if task is None else f"{job_id}_{task}"
                    future.job_state = JobState.PENDING
                    future._followed = job_id
                    self._calls.append(future)
                tracked = self._tracked.setdefault(job_id, _Tracked(job_id))
                tracked.futures.update(calls)
                tracked.tasks.update((n, t) for n, t in tasks.items() if n in calls)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._follow, name=f"hpc-executor-{self.directory}", daemon=True
                )
                self._thread.start()

    def _follow(self) -> None:
        """Check the jobs every poll until none is left, the first time at once: a short job
        has often ended by the time its submit is answered."""
        first = True
        while True:
            if not first:
                self._wake.wait(self.poll)
            first = False
            self._wake.clear()
            with self._lock:
                self._drop_done()
                if not self._tracked:
                    self._thread = None
                    return
            try:
                self._check()
            except TRANSIENT:
                continue  # the facility is busy or away: ask again at the next poll
            except HPCError as err:
                self._fail_all(err)
            except Exception as err:  # never leave a future waiting forever
                self._fail_all(HPCError(f"Following the jobs failed: {err!r}"))

    def _drop_done(self) -> None:
        for job_id in list(self._tracked):
            tracked = self._tracked[job_id]
            for number in [n for n, f in tracked.futures.items() if f.done()]:
                del tracked.futures[number]
            if not tracked.futures:
                del self._tracked[job_id]

    def _check(self) -> None:
        """One listing of the jobs (and one of the call directory when calls ended)."""
        listing = list(self._hpc.jobs())
        with self._lock:
            tracked = list(self._tracked.values())
        ended: list[tuple[_Tracked, list[int], Job | None]] = []
        for item in tracked:
            rows = [job for job in listing if _belongs(job, item.job_id)]
            _seen(item, rows)
            for job in rows:  # an array's tasks that ended: their calls, before the rest
                task = _task_of(job, item.job_id)
                if task is not None and job.state.is_final:
                    numbers = [n for n, t in item.tasks.items() if t == task]
                    ended.append((item, numbers, job))
            if rows:
                item.missing = 0
                if all(job.state.is_final for job in rows):
                    ended.append((item, list(item.futures), rows[0]))
                continue
            item.missing += 1
            if item.missing >= 2:  # gone from the listing: ask for it by itself
                asked = self._ask(item.job_id)
                if asked is None or asked.state.is_final:
                    ended.append((item, list(item.futures), asked))
        if not ended:
            return
        present = {entry.name for entry in self._hpc.ls(self.directory)}
        for item, numbers, last in ended:
            for number in numbers:
                future = item.futures.get(number)
                if future is None or future.done():
                    continue
                if f"{number}.out" in present:
                    self._resolve(future, number, future.job_id or item.job_id)
                else:
                    future._settle(error=self._no_result(future.job_id or item.job_id, last))

    def _ask(self, job_id: str) -> Job | None:
        """The job asked for by itself; None when the facility no longer knows it."""
        try:
            return self._hpc.job(job_id).info
        except NotFound:
            return None

    def _resolve(self, future: HPCFuture, number: int, job_id: str) -> None:
        """Complete `future` from its result file; a facility that is away is asked again at
        the next poll, any other failure is this call's alone."""
        local = Path(self._local) / f"{number}.out"
        try:
            self._hpc.download(f"{self.directory}/{number}.out", local)
            with open(local, "rb") as source:
                outcome = cloudpickle.load(source)
        except TRANSIENT:
            raise
        except HPCError as err:
            future._settle(error=err)
            return
        except Exception as err:  # e.g. the result's class is not importable in the kernel
            future._settle(
                error=HPCError(f"The result of job {job_id} cannot be read in this kernel: {err!r}")
            )
            return
        finally:
            local.unlink(missing_ok=True)
        if not isinstance(outcome, dict):
            future._settle(error=HPCError(f"Job {job_id} left a result this kernel cannot read."))
            return
        if outcome.get("ok"):
            future._settle(outcome.get("value"))
            return
        remote = RemoteError(
            str(outcome.get("type")),
            str(outcome.get("message")),
            str(outcome.get("traceback")),
            job_id,
        )
        future._settle(error=_original(outcome.get("exception"), remote))

    def _no_result(self, job_id: str, job: Job | None) -> HPCError:
        if job is None:
            return HPCError(
                f"Job {job_id} is no longer known to {self._facility.name} and left no result "
                f"in {self.directory}."
            )
        why = f"; exit code {job.exit_code}" if job.exit_code is not None else ""
        if job.state is JobState.CANCELLED:
            return HPCError(f"Job {job_id} was cancelled before the call returned.")
        stderr = job.stderr or job.stdout
        see = f"; see {stderr}" if stderr else ""
        return HPCError(
            f"Job {job_id} ended {job.state.value} without a result{why}{see}. Is `{self.python}` "
            f"a Python with cloudpickle at {self._facility.name}?"
        )

    def _fail_all(self, err: HPCError) -> None:
        with self._lock:
            futures = [f for item in self._tracked.values() for f in item.futures.values()]
            self._tracked.clear()
        for future in futures:
            future._settle(error=err)

    def _cancel_job_of(self, future: HPCFuture) -> bool:
        """Cancel the job (or array task) running `future`'s call unless it runs others too;
        False when it had ended."""
        job_id, followed = future.job_id, future._followed or future.job_id
        assert job_id is not None and followed is not None
        with self._lock:
            tracked = self._tracked.get(followed)
            task = tracked.tasks.get(_number_of(tracked, future), -1) if tracked else -1
            others = tracked is not None and any(
                f is not future and not f.done() and (task < 0 or tracked.tasks.get(n) == task)
                for n, f in tracked.futures.items()
            )
        if others:
            return True
        try:
            job = self._hpc.job(job_id).info
            if job.state.is_final:
                return False
            self._hpc.cancel(job_id)
        except ValidationError:  # a facility that cannot name an array's tasks
            return True
        except (NotFound, Conflict):
            return False
        return True

    def _cancel_all(self, futures: list[HPCFuture]) -> None:
        """Cancel these calls: an array all of whose calls still running are among them in one
        request (`scancel A`), not two per task; any other call as `cancel()` does."""
        wanted = {id(f) for f in futures}
        whole: dict[str, list[HPCFuture]] = {}
        with self._lock:
            for array_id, tracked in self._tracked.items():
                left = [f for f in tracked.futures.values() if not f.done()]
                if tracked.tasks and left and all(id(f) in wanted for f in left):
                    whole[array_id] = left
        for array_id, calls in whole.items():
            with contextlib.suppress(NotFound, Conflict):  # ended: the calls are given up anyway
                self._hpc.cancel(array_id)
            for future in calls:
                future._cancel_locally()
        for future in futures:
            future.cancel()  # the rest; a call cancelled above answers True at once

    # -- ending --------------------------------------------------------------------------------

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new calls; with `cancel_futures`, cancel those not done; with `wait`, wait for
        the others' results."""
        with self._lock:
            self._shutdown = True
            futures = [f for item in self._tracked.values() for f in item.futures.values()]
            thread = self._thread
        if cancel_futures:
            self._cancel_all(futures)
        self._wake.set()
        if wait and thread is not None:
            thread.join()


class MapResults(Iterator[Any]):
    """`HPCExecutor.map`'s results in input order; `close()` cancels the calls not yet read.

    `futures` are the calls' futures, in input order.
    """

    def __init__(self, futures: list[HPCFuture], timeout: float | None) -> None:
        self.futures = futures
        self._next = 0
        self._deadline = None if timeout is None else time.monotonic() + timeout

    def __next__(self) -> Any:
        if self._next >= len(self.futures):
            raise StopIteration
        future = self.futures[self._next]
        remaining = None if self._deadline is None else self._deadline - time.monotonic()
        try:
            result = future.result(remaining)
        except BaseException:
            if future.done():  # the call raised at its place; the iterator goes on after it
                self._next += 1
            raise  # a timeout or an interrupt while waiting: the next read waits for it again
        self._next += 1
        return result

    def watch(self, poll: float = 1.0) -> CallsMonitor:
        """A live table of these calls: each one's job, the job's state, its outcome."""
        from .widgets.calls import CallsMonitor

        return CallsMonitor(self.futures, poll=poll)

    def _repr_html_(self) -> str:
        from .widgets.calls import calls_html, summary

        return f"<b>{summary(self.futures)}</b>{calls_html(self.futures)}"

    def close(self) -> None:
        """Cancel the calls whose results were not read (their jobs or array tasks)."""
        left = self.futures[self._next :]
        if left:
            left[0]._executor._cancel_all(left)
        self._next = len(self.futures)


def _home(facility: Facility, system: str | None) -> str:
    """The prefix of paths under the system's home: `HOME/`, or "" for the files API's own."""
    name = system or facility.default_system
    home = next((s.home for s in facility.systems if s.name == name), None)
    if not home or home in {".", "./"}:
        return ""
    return home.rstrip("/") + "/"


def _name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "") or "call"
    return "call" if name == "<lambda>" else name[:64]


def _script(python: str, argv: list[str]) -> str:
    """The job script: the runner, fed to the facility's Python through a here-document."""
    runner = RUNNER.read_text(encoding="utf-8")
    assert HEREDOC not in runner
    args = " ".join(shlex.quote(arg) for arg in argv)
    return f"#!/bin/bash\n{python} - {args} <<'{HEREDOC}'\n{runner}{HEREDOC}\n"


def _belongs(job: Job, job_id: str) -> bool:
    """Whether listed `job` is job `job_id`, or a task (or the pending tasks) of array `job_id`."""
    return job.id == job_id or job.id.startswith(f"{job_id}_") or job.array_job_id == job_id


def _task_of(job: Job, array_id: str) -> int | None:
    """The index of array `array_id`'s task that `job` is (None: not one task)."""
    if job.array_job_id == array_id and job.array_task_id and job.array_task_id.isdigit():
        return int(job.array_task_id)
    parent, _, task = job.id.rpartition("_")
    return int(task) if parent == array_id and task.isdigit() else None


def _seen(tracked: _Tracked, rows: list[Job]) -> None:
    """Note the state each call's job (or array task) is listed in."""
    for job in rows:
        task = _task_of(job, tracked.job_id)
        if task is not None:
            numbers = [n for n, t in tracked.tasks.items() if t == task]
        elif job.id == tracked.job_id and not tracked.tasks:
            numbers = list(tracked.futures)
        else:
            continue  # an array's pending tasks, listed as one record: still PENDING
        for number in numbers:
            future = tracked.futures.get(number)
            if future is not None:
                future.job_state = job.state


def _number_of(tracked: _Tracked, future: HPCFuture) -> int:
    return next((n for n, f in tracked.futures.items() if f is future), -1)


def _original(pickled: Any, remote: RemoteError) -> BaseException:
    """The remote exception itself when it unpickles here (with `remote` as its cause)."""
    if isinstance(pickled, bytes):
        try:
            err = cloudpickle.loads(pickled)
        except Exception:
            return remote
        if isinstance(err, BaseException):
            err.__cause__ = remote
            return err
    return remote
