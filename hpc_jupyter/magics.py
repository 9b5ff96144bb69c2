"""IPython magics for hpc-jupyter: %hpc_ls, %%hpc_submit, %hpc_jobs, %hpc_status and more.

%hpc_files, %hpc_monitor and %hpc_submit_form open the notebook panels (hpc_jupyter.widgets).

Load them with `%load_ext hpc_jupyter`. Each magic returns a Python object (a job handle, a
listing, a table) that notebooks show as a readable table; errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from IPython.core import magic as _ipython_magic
from IPython.core import magic_arguments as _ipython_arguments
from IPython.core.magic import Magics, magics_class

from .api import HPC, Facility, JobHandle, Status, SubmitOptions, connect
from .client import HPCClient, default_client
from .display import (
    FacilityTable,
    FileText,
    JobTable,
    Listing,
    LogText,
    format_size,
    register_formatters,
)
from .errors import HPCError, ValidationError
from .models import FileEntry
from .resubmit import resubmit
from .timefmt import parse_time_limit

if TYPE_CHECKING:
    from .widgets import FileBrowser, JobMonitor, SubmitForm

__all__ = ["HPCMagics", "load_ipython_extension"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_F = TypeVar("_F", bound=Callable[..., Any])


# Typed doors to IPython's decorators (magic_arguments is untyped; line_magic returns a union).
def _line_magic(func: _F) -> _F:
    """Mark a method as a line magic."""
    return cast("_F", _ipython_magic.line_magic(func))


def _line_cell_magic(func: _F) -> _F:
    """Mark a method as a magic usable as %line or %%cell."""
    return cast("_F", _ipython_magic.line_cell_magic(func))


def _magic_arguments() -> Callable[[_F], _F]:
    """Build the magic's argument parser from the `_argument` decorators below it."""
    return _ipython_arguments.magic_arguments()  # type: ignore[no-untyped-call]


def _argument(*names: str, **options: Any) -> Callable[[_F], _F]:
    """One argument of a magic, as `argparse.ArgumentParser.add_argument` takes it."""
    return _ipython_arguments.argument(*names, **options)  # type: ignore[no-untyped-call]


def _parse(magic: Callable[..., Any], line: str) -> argparse.Namespace:
    """The magic's arguments parsed from its line (IPython raises a UsageError on bad input)."""
    return _ipython_arguments.parse_argstring(magic, line)  # type: ignore[no-untyped-call,no-any-return]


def _facility_option(func: _F) -> _F:
    return _argument(
        "--facility", "-f", default=None, help="The facility to use (default: the one in use)."
    )(func)


def _one_line_errors(method: Callable[_P, _R]) -> Callable[_P, _R | None]:
    """Report an `HPCError` as one line on stderr, with no traceback, and return None."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R | None:
        try:
            return method(*args, **kwargs)
        except HPCError as err:
            print(f"hpc-jupyter: {err.message}", file=sys.stderr, flush=True)
            return None

    return wrapper


class _Progress:
    """A progress line for long transfers, updated in place; silent for quick ones."""

    def __init__(self, verb: str, interval: float = 0.5) -> None:
        self.verb = verb
        self.interval = interval
        self.started = time.monotonic()
        self.shown_at: float | None = None

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        last = self.shown_at if self.shown_at is not None else self.started
        if now - last < self.interval and not (self.shown_at is not None and done == total):
            return
        self.shown_at = now
        of = f" of {format_size(total)}" if total else ""
        percent = f" ({100 * done // total}%)" if total else ""
        print(f"\r{self.verb} {format_size(done)}{of}{percent}", end="", flush=True)

    def finish(self) -> None:
        if self.shown_at is not None:
            print(flush=True)


def _unquote(value: str | None) -> str | None:
    """A path without the quotes IPython's argument splitting keeps ("my file.txt")."""
    if value is not None and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _parse_env(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValidationError(f"--env takes NAME=VALUE, not {pair!r}.")
        env[name] = value
    return env


def _chain_options(after: str | None, kind: str | None) -> SubmitOptions:
    """`depends_on` and `dependency` from `--after 12,13 --after-type afterany`."""
    if after is None:
        if kind is not None:
            raise ValidationError("--after-type needs --after: name the jobs to wait for.")
        return {}
    ids = [part.strip() for part in (_unquote(after) or "").replace(":", ",").split(",")]
    if not all(ids):
        raise ValidationError(f"--after takes job ids separated by commas, not {after!r}.")
    return {"depends_on": ids, "dependency": kind}


@magics_class
class HPCMagics(Magics):
    """The %hpc_* magics; they share one connection and the facility chosen with %hpc_use."""

    def __init__(self, shell: Any = None) -> None:
        super().__init__(shell)
        self._hpc: HPC | None = None

    def _api(self, facility: str | None = None) -> HPC:
        """The API for `facility` (default: the one in use), connecting on first use."""
        client: HPCClient = default_client()
        if self._hpc is None or self._hpc.client is not client:
            self._hpc = connect(client=client)
        if facility is None or facility == self._hpc.facility_name:
            return self._hpc
        return HPC(self._hpc.client, facility)

    # -- facilities ----------------------------------------------------------------------------

    @_line_magic
    @_magic_arguments()
    @_one_line_errors
    def hpc_facilities(self, line: str = "") -> FacilityTable[Facility] | None:
        """List the facilities of the hpc-jupyter server, their systems and login status."""
        _parse(self.hpc_facilities, line)
        return self._api().facilities()

    @_line_magic
    @_magic_arguments()
    @_argument("facility", nargs="?", help="The facility to use from now on.")
    @_argument("--system", "-s", default=None, help="The system (default: the facility's).")
    @_one_line_errors
    def hpc_use(self, line: str = "") -> Facility | None:
        """Choose the facility (and system) the other magics use; show the one in use."""
        args = _parse(self.hpc_use, line)
        hpc = self._api()
        if args.facility is not None:
            hpc.use(args.facility, args.system)
        elif args.system is not None:
            hpc.use(hpc.facility_name, args.system)
        return hpc.facility()

    @_line_magic
    @_magic_arguments()
    @_argument("facility", nargs="?", default=None, help="The facility (default: the one in use).")
    @_argument("--system", "-s", default=None, help="The system (default: the facility's).")
    @_argument("--refresh", action="store_true", help="Ask the facility again.")
    @_one_line_errors
    def hpc_status(self, line: str = "") -> Status | None:
        """Show a facility's status: systems, maintenance ahead, partitions, your allocations.

        Systems' health, incidents and maintenance on or ahead (in local time), partitions with
        their limits, your accounts' allocations and what is left of them. A part the facility
        does not tell, or that could not be read, says so. The server keeps the status a
        minute; --refresh asks the facility again.
        """
        args = _parse(self.hpc_status, line)
        return self._api().status(args.facility, args.system, refresh=args.refresh)

    # -- login ---------------------------------------------------------------------------------

    @_line_magic
    @_magic_arguments()
    @_argument("facility", nargs="?", default=None, help="The facility (default: the one in use).")
    @_argument("--no-wait", action="store_true", help="Start a device login; do not wait for it.")
    @_one_line_errors
    def hpc_login(self, line: str = "") -> None:
        """Log in to a facility: open the page shown and enter the code (Globus: paste it here)."""
        args = _parse(self.hpc_login, line)
        hpc = self._api()
        name = args.facility or hpc.facility_name
        status = hpc.login(name, wait=not args.no_wait)
        print(_login_line(name, status), flush=True)

    @_line_magic
    @_magic_arguments()
    @_argument("facility", nargs="?", default=None, help="The facility (default: the one in use).")
    @_one_line_errors
    def hpc_logout(self, line: str = "") -> None:
        """Log out of a facility: the server forgets your tokens for it."""
        args = _parse(self.hpc_logout, line)
        hpc = self._api()
        name = args.facility or hpc.facility_name
        status = hpc.logout(name)
        print(_login_line(name, status), flush=True)

    # -- files ---------------------------------------------------------------------------------

    @_line_magic
    @_magic_arguments()
    @_argument("path", nargs="?", default=None, help="A remote directory (default: home).")
    @_facility_option
    @_one_line_errors
    def hpc_ls(self, line: str = "") -> Listing | None:
        """List a remote directory."""
        args = _parse(self.hpc_ls, line)
        return self._api(args.facility).ls(_unquote(args.path))

    @_line_magic
    @_magic_arguments()
    @_argument("local", help="The local file.")
    @_argument("remote", help="Where to put it at the facility.")
    @_facility_option
    @_one_line_errors
    def hpc_upload(self, line: str = "") -> FileEntry | None:
        """Upload a local file to the facility."""
        args = _parse(self.hpc_upload, line)
        progress = _Progress("Uploaded")
        try:
            local, remote = _unquote(args.local), _unquote(args.remote)
            return self._api(args.facility).upload(str(local), str(remote), progress)
        finally:
            progress.finish()

    @_line_magic
    @_magic_arguments()
    @_argument("remote", help="The file at the facility.")
    @_argument("local", help="The local file or folder.")
    @_facility_option
    @_one_line_errors
    def hpc_download(self, line: str = "") -> Path | None:
        """Download a file from the facility."""
        args = _parse(self.hpc_download, line)
        progress = _Progress("Downloaded")
        try:
            remote, local = _unquote(args.remote), _unquote(args.local)
            return self._api(args.facility).download(str(remote), str(local), progress)
        finally:
            progress.finish()

    @_line_magic
    @_magic_arguments()
    @_argument("path", help="A remote text file.")
    @_argument("-n", "--lines", type=int, default=10, help="How many lines (default 10).")
    @_facility_option
    @_one_line_errors
    def hpc_head(self, line: str = "") -> FileText | None:
        """Show the first lines of a remote text file, like `head -n`."""
        args = _parse(self.hpc_head, line)
        return FileText(self._api(args.facility).head(str(_unquote(args.path)), args.lines))

    @_line_magic
    @_magic_arguments()
    @_argument("path", help="A remote text file.")
    @_argument("-n", "--lines", type=int, default=10, help="How many lines (default 10).")
    @_facility_option
    @_one_line_errors
    def hpc_tail(self, line: str = "") -> FileText | None:
        """Show the last lines of a remote text file, like `tail -n`."""
        args = _parse(self.hpc_tail, line)
        return FileText(self._api(args.facility).tail(str(_unquote(args.path)), args.lines))

    # -- jobs ----------------------------------------------------------------------------------

    @_line_cell_magic
    @_magic_arguments()
    @_argument("script", nargs="?", default=None, help="A local batch script (line magic only).")
    @_argument("--name", "-J", default=None, help="The job's name.")
    @_argument("--partition", "-p", default=None, help="The partition (queue).")
    @_argument("--nodes", "-N", type=int, default=None, help="How many nodes.")
    @_argument("--array", "-a", default=None, help="A job array's task indexes: 0-9, 1,3, 0-99%%8.")
    @_argument("--time", "-t", default=None, help="Time limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.")
    @_argument("--account", "-A", default=None, help="The account to charge.")
    @_argument("--workdir", "-D", default=None, help="The job's working directory.")
    @_argument("--output", "-o", default=None, help="The stdout file.")
    @_argument("--error", "-e", default=None, help="The stderr file.")
    @_argument("--env", action="append", metavar="NAME=VALUE", help="An environment variable.")
    @_argument("--after", default=None, metavar="ID[,ID]", help="Jobs this one waits for.")
    @_argument(
        "--after-type",
        default=None,
        choices=("afterok", "afterany", "afternotok"),
        help="How it waits for them: once all succeeded (afterok, the default), ended at all "
        "(afterany) or ended otherwise (afternotok).",
    )
    @_facility_option
    @_one_line_errors
    def hpc_submit(self, line: str = "", cell: str | None = None) -> JobHandle | None:
        """Submit a batch script: `%hpc_submit FILE`, or `%%hpc_submit` with the script as cell.

        Options override the script's #SBATCH directives.
        """
        args = _parse(self.hpc_submit, line)
        options = SubmitOptions(
            name=args.name,
            partition=args.partition,
            nodes=args.nodes,
            array=args.array,
            time_limit=None if args.time is None else parse_time_limit(args.time),
            account=args.account,
            workdir=args.workdir,
            env=_parse_env(args.env),
            stdout=args.output,
            stderr=args.error,
            **_chain_options(args.after, args.after_type),
        )
        hpc = self._api(args.facility)
        if cell is not None:
            if args.script is not None:
                raise ValidationError(
                    "Give the script either as a file (%hpc_submit FILE) or as the cell "
                    "(%%hpc_submit), not both."
                )
            if not cell.strip():
                raise ValidationError("The cell is empty: write the batch script in it.")
            return _tracked(hpc.submit(cell, _via="magic", **options))
        if args.script is None:
            raise ValidationError(
                "Name a local batch script (%hpc_submit job.sh), or use %%hpc_submit with the "
                "script as the cell."
            )
        return _tracked(hpc.submit_file(str(_unquote(args.script)), _via="magic", **options))

    @_line_magic
    @_magic_arguments()
    @_argument(
        "--this-notebook", action="store_true", help="Only the jobs submitted from this notebook."
    )
    @_facility_option
    @_one_line_errors
    def hpc_jobs(self, line: str = "") -> JobTable | None:
        """List your jobs at the facility.

        When the facility cannot be listed now, the server's last good listing is shown under
        a line saying how old it is and why; with none to show, the error is the answer.
        """
        args = _parse(self.hpc_jobs, line)
        return self._api(args.facility).jobs(notebook=args.this_notebook or None)

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_facility_option
    @_one_line_errors
    def hpc_job(self, line: str = "") -> JobHandle | None:
        """Show one job; returns a handle on it.

        A finished job shows its efficiency too (how it ended, CPU, memory and time used),
        where the facility's accounting tells it.
        """
        args = _parse(self.hpc_job, line)
        return self._api(args.facility).job(args.job_id)

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job to submit again.")
    @_argument("--name", "-J", default=None, help="A new name.")
    @_argument("--partition", "-p", default=None, help="Another partition (queue).")
    @_argument("--nodes", "-N", type=int, default=None, help="How many nodes.")
    @_argument("--time", "-t", default=None, help="Time limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.")
    @_argument("--account", "-A", default=None, help="Another account to charge.")
    @_facility_option
    @_one_line_errors
    def hpc_resubmit(self, line: str = "") -> JobHandle | None:
        """Submit a job again, as the server recorded it, with the options given changed.

        The new job's origin is this notebook and cell, and the job it submits again.
        """
        args = _parse(self.hpc_resubmit, line)
        changes = {
            "name": args.name,
            "partition": args.partition,
            "nodes": args.nodes,
            "time_limit": None if args.time is None else parse_time_limit(args.time),
            "account": args.account,
        }
        given = {key: value for key, value in changes.items() if value is not None}
        hpc = self._api(args.facility)
        return _tracked(resubmit(hpc, str(_unquote(args.job_id)), "magic", given))

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_facility_option
    @_one_line_errors
    def hpc_cancel(self, line: str = "") -> JobHandle | None:
        """Cancel a job; returns a handle on it."""
        return self._act(self.hpc_cancel, line, "cancel")

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_facility_option
    @_one_line_errors
    def hpc_hold(self, line: str = "") -> JobHandle | None:
        """Hold a pending job so that it does not start; returns a handle on it."""
        return self._act(self.hpc_hold, line, "hold")

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_facility_option
    @_one_line_errors
    def hpc_release(self, line: str = "") -> JobHandle | None:
        """Release a held job; returns a handle on it."""
        return self._act(self.hpc_release, line, "release")

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_facility_option
    @_one_line_errors
    def hpc_requeue(self, line: str = "") -> JobHandle | None:
        """Put a running job back in the queue; returns a handle on it."""
        return self._act(self.hpc_requeue, line, "requeue")

    def _act(self, magic: Callable[..., Any], line: str, action: str) -> JobHandle:
        args = _parse(magic, line)
        handle = self._api(args.facility).job(args.job_id)
        getattr(handle, action)()
        return handle

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_argument("--timeout", type=float, default=None, help="Seconds to wait at most.")
    @_facility_option
    @_one_line_errors
    def hpc_wait(self, line: str = "") -> JobHandle | None:
        """Wait until a job ends; returns a handle on the finished job."""
        args = _parse(self.hpc_wait, line)
        handle = self._api(args.facility).job(args.job_id)
        try:
            handle.wait(timeout=args.timeout)
        except KeyboardInterrupt:
            raise HPCError(
                f"Stopped waiting; job {handle.id} is still {handle.info.state.value}."
            ) from None
        return handle

    @_line_magic
    @_magic_arguments()
    @_argument("job_id", help="The job's id.")
    @_argument("--follow", action="store_true", help="Print the log as it grows until it ends.")
    @_argument("--stderr", action="store_true", help="Show stderr instead of stdout.")
    @_facility_option
    @_one_line_errors
    def hpc_log(self, line: str = "") -> LogText | None:
        """Show a job's log so far; with --follow, print it as it grows until the job ends."""
        args = _parse(self.hpc_log, line)
        stream = "stderr" if args.stderr else "stdout"
        handle = self._api(args.facility).job(args.job_id)
        if not args.follow:
            return LogText(handle.log(stream))
        try:
            handle.follow(stream)
        except KeyboardInterrupt:
            print(flush=True)
            raise HPCError(f"Stopped following the {stream} of job {handle.id}.") from None
        return None

    # -- panels --------------------------------------------------------------------------------

    @_line_magic
    @_magic_arguments()
    @_argument("path", nargs="?", default=None, help="A remote directory (default: home).")
    @_argument("--system", "-s", default=None, help="The system (default: the facility's).")
    @_facility_option
    @_one_line_errors
    def hpc_files(self, line: str = "") -> FileBrowser | None:
        """Open a file browser on the facility: navigate, preview, upload, download."""
        from .widgets import FileBrowser

        args = _parse(self.hpc_files, line)
        hpc = self._api(args.facility)
        return FileBrowser(
            _unquote(args.path),
            facility=hpc.facility_name,
            system=args.system or hpc.system,
            hpc=hpc,
        )

    @_line_magic
    @_magic_arguments()
    @_argument(
        "--facility", "-f", default=None, help="Only this facility (default: every facility)."
    )
    @_argument("--system", "-s", default=None, help="The system (with --facility).")
    @_one_line_errors
    def hpc_monitor(self, line: str = "") -> JobMonitor | None:
        """Open a live job monitor: states, logs, cancel, notifications."""
        from .widgets import JobMonitor

        args = _parse(self.hpc_monitor, line)
        if args.system is not None and args.facility is None:
            raise ValidationError("--system needs --facility.")
        return JobMonitor(args.facility, system=args.system, hpc=self._api())

    @_line_magic
    @_magic_arguments()
    @_argument("script", nargs="?", default=None, help="A local batch script to start from.")
    @_argument("--system", "-s", default=None, help="The system (default: the facility's).")
    @_facility_option
    @_one_line_errors
    def hpc_submit_form(self, line: str = "") -> SubmitForm | None:
        """Open a form to edit and submit a batch script; submitted jobs show in a monitor."""
        from .widgets import SubmitForm

        args = _parse(self.hpc_submit_form, line)
        hpc = self._api(args.facility)
        return SubmitForm(
            _unquote(args.script),
            facility=hpc.facility_name,
            system=args.system or hpc.system,
            hpc=hpc,
        )


def _login_line(name: str, status: Mapping[str, Any]) -> str:
    """One line: logged in, still pending, or why not."""
    state = status.get("state")
    if state == "logged_in":
        return f"Logged in to facility {name!r}."
    if state == "pending":
        return f"The login to facility {name!r} is still pending: {status.get('message') or ''}"
    return f"Not logged in to facility {name!r}: {status.get('message') or 'no reason given'}"


def _tracked(handle: JobHandle) -> JobHandle:
    """Remember that this notebook submitted the job, so a job monitor announces its changes."""
    from .widgets import tracking

    tracking.track(handle.facility, handle.id)
    return handle


def load_ipython_extension(ipython: Any) -> None:
    """Register the %hpc_* magics and the table display of jobs and files."""
    ipython.register_magics(HPCMagics(ipython))
    register_formatters(ipython)
