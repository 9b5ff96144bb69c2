"""hpc-jupyter: HPC facilities in Jupyter, through one server extension that holds the tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import HPC
    from .sweep import Sweep

__all__ = ["Sweep", "__version__", "connect", "load_ipython_extension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    # jupyter_server calls this right after importing the package, before it logs any
    # configuration ("Config changed: ..."); kernels importing the package are left alone.
    from . import log_redaction
    from .app import HPCJupyterApp

    log_redaction.install()

    return [{"module": "hpc_jupyter", "app": HPCJupyterApp}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab side panel (`jupyter labextension develop` links it)."""
    return [{"src": "labextension", "dest": "hpc-jupyter"}]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext hpc_jupyter`: register the %hpc_* magics."""
    from .magics import load_ipython_extension as load

    load(ipython)


def connect(facility: str | None = None) -> HPC:
    """Connect to the hpc-jupyter server extension from a kernel or a script."""
    from .api import connect as _connect

    return _connect(facility)


def __getattr__(name: str) -> Any:
    # `hpc.sweep(...)` (HPC.sweep) makes a sweep; the module hpc_jupyter.sweep holds its class.
    if name == "Sweep":  # imported when asked for: a kernel importing the package stays light
        from .sweep import Sweep

        return Sweep
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
