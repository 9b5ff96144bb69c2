"""Where a kernel-side submission comes from: the session's notebook and the cell being run.

jupyter_server puts the session's notebook in a kernel's environment (`JPY_SESSION_NAME`: the
path relative to the server's root, or absolute for a JupyterLab session, which the server
records relative to its root); JupyterLab sends the running cell's id in each execute
request's metadata (`cellId`). Neither is always there (a console, a script, a widget's
callback): what is missing is left out, and finding out never fails a submission.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from .errors import HPCError
from .models import Origin, Via


def notebook() -> str | None:
    """The notebook of this kernel's session, as jupyter_server told the kernel; else None."""
    return os.environ.get("JPY_SESSION_NAME") or None


def cell() -> str | None:
    """The id of the cell being run, as JupyterLab sends it; None outside a cell."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent: Any = kernel.get_parent() if kernel is not None else None
        found = (parent or {}).get("metadata", {}).get("cellId")
    except Exception:  # no kernel, or another kernel API: no cell to tell
        return None
    return found if isinstance(found, str) and found else None


def current(via: Via | str, resubmit_of: str | None = None) -> dict[str, Any]:
    """The `origin` of a submission made now, as the API takes it."""
    how = Via(via) if via in {v.value for v in Via} else Via.OTHER
    try:
        origin = Origin(how, notebook(), cell(), resubmit_of)
    except HPCError:  # a path no record should keep (control characters, too long)
        origin = Origin(how, resubmit_of=resubmit_of)
    return origin.to_dict()


def same_notebook(recorded: str | None, current_path: str) -> bool:
    """Whether a job's `origin.notebook` is the notebook at `current_path`.

    The server records paths relative to its root; a kernel of a JupyterLab session knows its
    own by the absolute path: equal, or the absolute path ending in the recorded one (either
    spelled out: `./`, `//` and `..` taken as a path means them).
    """
    if recorded is None:
        return False
    current = posixpath.normpath(current_path)
    if recorded == current:
        return True
    return posixpath.isabs(current) and current.endswith("/" + recorded.lstrip("/"))
