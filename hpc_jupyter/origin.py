"""Where a kernel-side submission comes from: the session's notebook and the cell being run.

jupyter_server puts the session's notebook in a kernel's environment (`JPY_SESSION_NAME`: the
path relative to the server's root, or absolute for a JupyterLab session, which the server
records relative to its root), as it was named when the kernel started; renamed since, the
server's session says its name now. JupyterLab sends the running cell's id in each execute
request's metadata (`cellId`). Neither is always there (a console, a script, a widget's
callback): what is missing is left out, and finding out never fails a submission.
"""

from __future__ import annotations

import os
import posixpath
import re
import time
from typing import TYPE_CHECKING, Any

from .errors import HPCError
from .models import Origin, Via
from .protocol import KERNEL_ID

if TYPE_CHECKING:
    from .client import HPCClient

_named: dict[tuple[str, str], tuple[str | None, float]] = {}
"""The server's last answer by (server, kernel id), and when it was asked (monotonic seconds)."""


def notebook(client: HPCClient | None = None, within: float = 0.0) -> str | None:
    """The notebook of this kernel's session: as the server (`client`) names it now (or named
    it at most `within` seconds ago: a monitor's renders), else as jupyter_server told the
    kernel when it started; None outside a notebook's session."""
    told = os.environ.get("JPY_SESSION_NAME") or None
    if client is None or told is None or (kernel := kernel_id()) is None:
        return told
    key, now = (client.url, kernel), time.monotonic()
    if key not in _named or now - _named[key][1] >= within:
        try:
            _named[key] = (client.kernel_notebook(kernel), now)
        except HPCError:  # an older server, or none: what the kernel was told
            _named[key] = (None, now)
    return _named[key][0] or told


def kernel_id() -> str | None:
    """This kernel's id on its server (its connection file's name); None outside a kernel."""
    try:
        from ipykernel.connect import get_connection_file

        name = os.path.basename(get_connection_file())
    except Exception:  # not a kernel the server started
        return None
    found = re.fullmatch(rf"kernel-({KERNEL_ID})\.json", name)
    return found.group(1) if found else None


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


def current(
    via: Via | str, resubmit_of: str | None = None, client: HPCClient | None = None
) -> dict[str, Any]:
    """The `origin` of a submission made now, as the API takes it (its notebook as `client`'s
    server names it now)."""
    how = Via(via) if via in {v.value for v in Via} else Via.OTHER
    try:
        origin = Origin(how, notebook(client), cell(), resubmit_of)
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
