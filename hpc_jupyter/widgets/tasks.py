"""Slow work (transfers, log reads) off the kernel's main thread, failures shown in the panel."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

from .status import StatusBar

__all__ = ["Tasks"]

_T = TypeVar("_T")


class Tasks:
    """Runs functions in daemon threads; each returns a `Future`, and a failure is also shown.

    Daemon threads (not an executor's) so that a transfer left running never keeps a kernel
    from shutting down.
    """

    def __init__(self, status: StatusBar) -> None:
        self.status = status
        self._futures: list[concurrent.futures.Future[object]] = []
        self._lock = threading.Lock()

    def start(self, doing: str, func: Callable[[], _T]) -> concurrent.futures.Future[_T]:
        """Run `func` in the background; its exception is shown as "`doing` failed: ..."."""
        future: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = func()
            except BaseException as err:
                self.status.error(err, doing)
                future.set_exception(err)
            else:
                future.set_result(result)

        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(future)  # type: ignore[arg-type]
        threading.Thread(target=run, name=f"hpc-jupyter: {doing}", daemon=True).start()
        return future

    @property
    def running(self) -> int:
        """How many tasks have not finished."""
        with self._lock:
            return sum(not f.done() for f in self._futures)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every task started so far; False when some are still running at `timeout`."""
        with self._lock:
            futures = list(self._futures)
        _, pending = concurrent.futures.wait(futures, timeout=timeout)
        return not pending
