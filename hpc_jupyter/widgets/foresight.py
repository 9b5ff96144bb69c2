"""The submit form's look ahead: accounts with what is left, the request checked as it changes."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence

import ipywidgets as w

from ..api import HPC, SubmitOptions
from ..display_status import amount, check_html, unit_words
from ..models import Allocation, SubmitCheck
from .status import describe

__all__ = ["DELAY", "Foresight", "account_labels"]

DELAY = 0.6
"""Seconds after the last change of a field before the request is checked: typing a time
limit does not send one check per key."""
_TIME_UNITS_EXCLUDED = ("bytes", "inodes")


def _label(allocation: Allocation) -> str:
    if allocation.remaining is None:
        return allocation.account
    of = f" of {amount(allocation.allocated, allocation.unit)}" if allocation.allocated else ""
    share = " (your share)" if allocation.scope == "user" else ""
    return (
        f"{allocation.account}: {amount(allocation.remaining, allocation.unit)}{of} "
        f"{unit_words(allocation.unit)} left{share}"
    ).replace("  ", " ")


def account_labels(allocations: Sequence[Allocation]) -> dict[str, str]:
    """Choices for an account field, each label mapped to the account it names.

    An account's allocations in a unit jobs are charged in (not bytes or inodes) say what is
    left; an account with no such figure is offered by its name alone.
    """
    labels: dict[str, str] = {}
    for allocation in allocations:
        if allocation.unit in _TIME_UNITS_EXCLUDED:
            continue
        labels.setdefault(_label(allocation), allocation.account)
    for allocation in allocations:  # accounts known only by name, or only by their storage
        if allocation.account not in labels.values():
            labels[allocation.account] = allocation.account
    return labels


class Foresight:
    """Lists the accounts of a facility with the `status` capability and checks the request.

    `schedule()` (on every change of a field) checks the request `DELAY` seconds after the
    last change, in a daemon thread so the kernel stays free; `check_now()` does it at once.
    What the check says (the estimate, the warnings) or that it failed shows in `widget`;
    nothing here ever stops a submission.

    Parameters
    ----------
    api
        The API of the chosen facility, or None when it does not report its status.
    request
        The script and options as the form has them now, or None when there is no script.
    account
        The account field: its choices become the accounts, with what is left of each.
    """

    def __init__(
        self,
        api: Callable[[], HPC | None],
        request: Callable[[], tuple[str, SubmitOptions] | None],
        account: w.Combobox,
        delay: float = DELAY,
    ) -> None:
        self.widget = w.HTML(value="")
        self.widget.add_class("hpc-jupyter-foresight")
        self.account = account
        self.delay = delay
        self.labels: dict[str, str] = {}
        """Each account choice's label, mapped to the account it names."""
        self.result: SubmitCheck | None = None
        """The last check shown, None before one or after a failed one."""
        self.error: str | None = None
        """Why the last check failed, when it did."""
        self._api = api
        self._request = request
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._generation = 0
        self._accounts_of: tuple[str, str | None] | None = None

    def account_name(self, value: str) -> str:
        """The account a choice of the account field names (typed text is taken as it is)."""
        return self.labels.get(value, value)

    def _next(self) -> int:
        with self._lock:
            self._generation += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return self._generation

    def schedule(self) -> None:
        """Check the request once the fields have stopped changing for `delay` seconds."""
        generation = self._next()
        timer = threading.Timer(self.delay, self._in_background, (generation,))
        timer.daemon = True  # a check never keeps a kernel from shutting down
        timer.name = "hpc-jupyter: submit check"
        with self._lock:
            if generation != self._generation:
                return
            self._timer = timer
        timer.start()

    def cancel(self) -> None:
        """Forget a check not yet made."""
        self._next()

    def _in_background(self, generation: int) -> None:
        try:
            self._check(generation)
        except Exception as err:  # shown where the estimate would be; a submit is still possible
            self._show(generation, None, describe(err))

    def check_now(self) -> SubmitCheck | None:
        """Check the request now (None where the facility cannot); a failure is raised."""
        generation = self._next()
        try:
            return self._check(generation)
        except Exception as err:
            self._show(generation, None, describe(err))
            raise

    def _check(self, generation: int) -> SubmitCheck | None:
        api = self._api()
        if api is None:
            self._accounts_of = None
            self.labels = {}
            self.account.options = []
            self._show(generation, None, None)
            return None
        where = (api.facility_name, api.system)
        if where != self._accounts_of:
            self._load_accounts(api)
            self._accounts_of = where
        asked = self._request()
        if asked is None:
            self._show(generation, None, None)
            return None
        script, options = asked
        verdict = api.check(script, **options)
        self._show(generation, verdict, None)
        return verdict

    def _load_accounts(self, api: HPC) -> None:
        allocations = api.status().allocations
        self.labels = account_labels(allocations or ())
        self.account.options = list(self.labels)

    def _show(self, generation: int, verdict: SubmitCheck | None, error: str | None) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a newer check is coming: this one is about fields as they were
            self.result, self.error = verdict, error
            if error is not None:
                self.widget.value = (
                    "<div style='color:#616161'>Could not check the request: "
                    f"{html.escape(error)}</div>"
                )
            elif verdict is not None:
                self.widget.value = check_html(verdict)
            else:
                self.widget.value = ""

    @property
    def warnings(self) -> list[str]:
        """The codes of the last check's warnings."""
        return [] if self.result is None else [advice.code for advice in self.result.warnings]
