"""A panel's status line: what it is doing, and every error a callback raised, shown in place."""

from __future__ import annotations

import html
import threading
import traceback
from collections.abc import Callable
from typing import ParamSpec

import ipywidgets as w

from ..errors import HPCError

__all__ = ["StatusBar"]

_P = ParamSpec("_P")
_COLOURS = {"info": "inherit", "success": "#2e7d32", "error": "#c62828"}


def describe(err: BaseException) -> str:
    """One line for a person: our own errors carry a message written for them."""
    if isinstance(err, HPCError):
        return err.message
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class StatusBar:
    """One line under a panel: progress notes, results, and errors (kept in `errors`).

    Exceptions from widget callbacks never reach the kernel log only: `guard` catches them and
    shows them here, our own errors as their message, anything else with its traceback folded
    under the message (it is a bug worth reporting).
    """

    def __init__(self) -> None:
        self.widget = w.HTML(value="")
        self.widget.add_class("hpc-jupyter-status")
        self.level = ""
        self.message = ""
        self.errors: list[str] = []
        """Every error shown, oldest first."""
        self._lock = threading.Lock()

    def _show(self, level: str, message: str, detail: str = "") -> None:
        with self._lock:
            self.level, self.message = level, message
            body = html.escape(message)
            if detail:
                body += (
                    "<details><summary>details</summary>"
                    f"<pre style='white-space:pre-wrap'>{html.escape(detail)}</pre></details>"
                )
            self.widget.value = f"<div style='color:{_COLOURS[level]}'>{body}</div>"

    def info(self, message: str) -> None:
        """Say what the panel is doing or has done."""
        self._show("info", message)

    def success(self, message: str) -> None:
        """Say that something worked."""
        self._show("success", message)

    def error(self, err: BaseException, doing: str = "") -> None:
        """Show an error; `doing` says what failed ("Upload of data.bin")."""
        message = describe(err)
        if doing:
            message = f"{doing} failed: {message}"
        detail = ""
        if not isinstance(err, HPCError):
            detail = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        with self._lock:
            self.errors.append(message)
        self._show("error", message, detail)

    def clear(self) -> None:
        """Show nothing."""
        with self._lock:
            self.level, self.message = "", ""
            self.widget.value = ""

    def guard(self, doing: str, func: Callable[_P, object]) -> Callable[_P, None]:
        """`func` for use as a widget callback: any exception it raises is shown here."""

        def callback(*args: _P.args, **kwargs: _P.kwargs) -> None:
            try:
                func(*args, **kwargs)
            except Exception as err:
                self.error(err, doing)

        return callback
