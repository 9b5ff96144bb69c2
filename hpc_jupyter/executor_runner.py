"""The runner `hpc.executor` embeds in its job scripts: runs pickled calls, writes their results.

It runs at the facility, where hpc-jupyter is not installed: only the standard library and
cloudpickle. In the job's work directory (the executor's call directory), call `N` is read
from `N.in` (a cloudpickled `(fn, args, kwargs)`) and its outcome written to `N.out`: a
pickled dict, `{"ok": True, "value": ...}` or `{"ok": False, "type", "message", "traceback",
"exception"}` (the pickled exception, or None when it cannot be pickled). Arguments: the call
numbers, or `--array FIRST CHUNK COUNT`: task `SLURM_ARRAY_TASK_ID` runs calls
`FIRST + task * CHUNK` onwards, at most CHUNK of them, below `FIRST + COUNT`.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any


def _failure(err: BaseException, dumps: Any) -> dict[str, Any]:
    try:
        pickled: bytes | None = dumps(err)
    except Exception:
        pickled = None
    return {
        "ok": False,
        "type": f"{type(err).__module__}.{type(err).__qualname__}",
        "message": str(err),
        "traceback": "".join(traceback.format_exception(type(err), err, err.__traceback__)),
        "exception": pickled,
    }


def run_call(number: int, home: str) -> None:
    """Run call `number` from its `.in` file in directory `home` and write its `.out` file
    there (never raises); the call may change directory, the next starts in `home` again."""
    import cloudpickle

    try:
        with open(os.path.join(home, f"{number}.in"), "rb") as source:
            fn, args, kwargs = cloudpickle.load(source)
        outcome: dict[str, Any] = {"ok": True, "value": fn(*args, **kwargs)}
        data = cloudpickle.dumps(outcome)
    except BaseException as err:  # the caller's exception, whatever it is, goes back
        data = cloudpickle.dumps(_failure(err, cloudpickle.dumps))
    finally:
        os.chdir(home)
    temp = os.path.join(home, f".{number}.out.{os.getpid()}")
    with open(temp, "wb") as sink:
        sink.write(data)
    os.replace(temp, os.path.join(home, f"{number}.out"))  # never read half-written


def calls(argv: list[str]) -> list[int]:
    """The call numbers this job (or array task) runs."""
    if argv[:1] == ["--array"]:
        first, chunk, count = (int(value) for value in argv[1:4])
        task = int(os.environ["SLURM_ARRAY_TASK_ID"])
        start = first + task * chunk
        return list(range(start, min(start + chunk, first + count)))
    return [int(value) for value in argv]


def main() -> None:
    """Run every call named on the command line, in order, in the job's work directory."""
    home = os.getcwd()
    for number in calls(sys.argv[1:]):
        run_call(number, home)


if __name__ == "__main__":
    main()
