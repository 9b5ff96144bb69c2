"""Starting a local job's process detached from the server, and recognising it later."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from .store import JobRecord
from .usage import RECORDER, USAGE_FILE

# The wrapper records its own pid before the script starts, so a server that finds a claimed job
# without a pid (its launcher's server died) can still follow or cancel it. When the script
# ends it `exec`s Python, in an empty environment (the job's LD_PRELOAD and the like stay out),
# to record what the script used (usage.RECORDER), then its exit status; should that Python be
# gone, it records the exit status alone. A SIGTERM (a cancel or a time limit) reaches the
# script too: the wrapper waits for it to end and records it all the same.
_WRAPPER = (
    'trap : TERM; echo $$ > "$3"; bash "$1"; rc=$?; shopt -s execfail;'
    ' if [ -x "$4" ]; then exec /usr/bin/env -i "$4" -I -S -c "$6" "$5" "$2" "$rc"; fi;'
    ' echo "$rc" > "$2.tmp" && mv "$2.tmp" "$2"; exit "$rc"'
)
# Starts the wrapper detached in a new session with its output redirected, and prints its pid
# (which is also its process group id: setsid does not fork for a non-leader).
_LAUNCHER = (
    'if [ "$4" = "$3" ]; then setsid /bin/bash -c "$0" hpc-job "$1" "$2" "$5" "$6" "$7" "$8"'
    ' </dev/null >>"$3" 2>&1 &'
    ' else setsid /bin/bash -c "$0" hpc-job "$1" "$2" "$5" "$6" "$7" "$8" </dev/null'
    ' >>"$3" 2>>"$4" & fi;'
    " echo $!"
)


def process_start(pid: int) -> str | None:
    """The start time of a live process, to tell it from a later one with the same pid.

    None when there is no such process or it has exited (a zombie).
    """
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def start_process(
    job_dir: Path, record: JobRecord, env: Mapping[str, str], python: str | None = None
) -> int:
    """Start the job's script detached (its own session), in its work dir; its pid.

    The wrapper writes the pid to `job_dir/pid` before the script starts; when it ends, what
    it used to `job_dir/usage` with `python` (this server's own by default), then its exit
    status to `job_dir/exit_code`.
    """
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
            str(job_dir / "pid"),
            python or sys.executable or "python3",
            str(job_dir / USAGE_FILE),
            RECORDER,
        ],
        cwd=record.workdir,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=True,
    )
    return int(launched.stdout.decode().strip())
