"""SubmitForm: a batch script and its options, submitted to a facility from a notebook."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..api import HPC, JobHandle, SubmitOptions, connect
from ..errors import NotFound, ValidationError
from ..timefmt import parse_time_limit
from . import tracking
from .foresight import DELAY, Foresight
from .job_monitor import JobMonitor
from .pickers import FacilityPicker
from .status import StatusBar, describe

__all__ = ["TEMPLATE", "SubmitForm"]

TEMPLATE = """#!/bin/bash
#SBATCH --job-name=hello
# The form's fields override #SBATCH lines like the one above.

echo "Hello from $(hostname) at $(date)"
"""
"""The script a new form starts with when no file is given."""

FIELDS = ("script", "name", "partition", "nodes", "time_limit", "account")

# Which field a facility's message is about, by the words it uses (first match wins).
_FIELD_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("time_limit", re.compile(r"time[_ ]limit|--time\b", re.IGNORECASE)),
    ("nodes", re.compile(r"\bnodes?\b", re.IGNORECASE)),
    ("partition", re.compile(r"partition|queue", re.IGNORECASE)),
    ("account", re.compile(r"account", re.IGNORECASE)),
    ("name", re.compile(r"'name'|job[- ]name", re.IGNORECASE)),
    ("script", re.compile(r"script|#SBATCH", re.IGNORECASE)),
)


def field_of(message: str) -> str | None:
    """The form field an error message is about, or None when it names none."""
    for field, words in _FIELD_WORDS:
        if words.search(message):
            return field
    return None


class SubmitForm:
    """Write or load a batch script, set its options, submit it (`%hpc_submit_form [SCRIPT]`).

    `submit()` is what the button does; it returns the job's handle and shows the job in
    `monitor` (one is added under the form at the first submission when none is given).
    Errors the facility reports about a field appear next to that field (`field_errors`).

    For a facility that reports its status, the account field offers your accounts with what
    is left of each, and the request is checked as the fields change (`foresight`): the
    estimated node hours and charge, and warnings (a partition it does not know, a time limit
    beyond the partition's, an allocation it would exceed, maintenance ahead). You can still
    submit; a check that fails says so under the fields.

    Parameters
    ----------
    script
        A batch script on the kernel's disk to start from (default: a small template).
    facility, system
        Where to submit (default: the facility in use and its default system).
    hpc
        The Python API to use (default: `hpc_jupyter.connect()`).
    monitor
        The job monitor that shows submitted jobs.
    text
        The script's text, instead of a file.
    check_delay
        Seconds after the last change of a field before the request is checked.
    """

    def __init__(
        self,
        script: str | os.PathLike[str] | None = None,
        *,
        facility: str | None = None,
        system: str | None = None,
        hpc: HPC | None = None,
        monitor: JobMonitor | None = None,
        text: str | None = None,
        check_delay: float = DELAY,
    ) -> None:
        self.hpc = connect() if hpc is None else hpc
        self.monitor = monitor
        self.status = StatusBar()
        self.submitted: list[JobHandle] = []
        self.picker = FacilityPicker(self.hpc, "jobs.submit", facility=facility, system=system)
        self._check_delay = check_delay
        self._build(_script_text(script, text))
        self.picker.on_change(self.status.guard("Reading partitions", self.load_partitions))
        self.picker.on_change(self.foresight.schedule)
        for name in ("script", "partition", "nodes", "time_limit", "account"):
            self.inputs[name].observe(lambda _: self.foresight.schedule(), names="value")
        self.status.guard("Reading partitions", self.load_partitions)()
        self.foresight.schedule()

    def _field(self, name: str, widget: Any) -> Any:
        error = w.HTML(value="")
        error.add_class("hpc-jupyter-field-error")
        self.errors[name] = error
        self.inputs[name] = widget
        return w.HBox([widget, error])

    def _build(self, script: str) -> None:
        self.errors: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        wide = w.Layout(width="100%", height="14em")
        self.script = w.Textarea(value=script, description="Script", layout=wide)
        self.name = w.Text(value="", description="Job name", placeholder="from the script")
        self.partition = w.Combobox(
            value="", description="Partition", placeholder="facility default", options=[]
        )
        self.nodes = w.Text(value="", description="Nodes", placeholder="facility default")
        self.time_limit = w.Text(
            value="", description="Time limit", placeholder="30, 1:30:00 or 1-00:00:00"
        )
        self.account = w.Combobox(
            value="", description="Account", placeholder="facility default", options=[]
        )
        self.foresight = Foresight(self._status_api, self._request, self.account, self._check_delay)
        rows = [
            self._field("script", self.script),
            self._field("name", self.name),
            self._field("partition", self.partition),
            self._field("nodes", self.nodes),
            self._field("time_limit", self.time_limit),
            self._field("account", self.account),
        ]
        self.submit_button = w.Button(description="Submit", icon="play", button_style="primary")
        self.submit_button.on_click(self.status.guard("Submit", lambda _: self.submit()))
        self.widget = w.VBox(
            [
                self.picker.widget,
                *rows,
                self.foresight.widget,
                self.submit_button,
                self.status.widget,
            ]
        )
        self.widget.add_class("hpc-jupyter-submit")
        if self.monitor is not None:
            self.widget.children = (*self.widget.children, self.monitor.widget)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    @property
    def field_errors(self) -> dict[str, str]:
        """The errors shown next to fields, as plain text."""
        found = {}
        for name, widget in self.errors.items():
            if widget.value:
                found[name] = html.unescape(re.sub(r"<[^>]+>", "", str(widget.value)))
        return found

    def _show_field_error(self, name: str, message: str) -> None:
        self.errors[name].value = f"<span style='color:#c62828'>⚠ {html.escape(message)}</span>"

    def _clear_errors(self) -> None:
        for widget in self.errors.values():
            widget.value = ""

    def load_partitions(self) -> list[str]:
        """Offer the facility's partitions as choices, the default one first.

        A facility that does not list them (no `jobs.partitions` capability) offers the
        partitions of your recent jobs instead. Typing any other name works.
        """
        api = self.picker.api()
        partitions: list[str] = []
        facility = self.picker.facilities[api.facility_name]
        if facility.can("jobs.partitions"):
            # `default` is None when the facility does not say: only a known default leads.
            listed = sorted(api.partitions(), key=lambda p: (p.default is not True, p.name))
            partitions = [p.name for p in listed]
        elif facility.can("jobs.list"):
            partitions = sorted({j.partition for j in api.jobs() if j.partition})
        self.partition.options = partitions
        return partitions

    def _status_api(self) -> HPC | None:
        """The chosen facility's API when it reports its status (else no look ahead)."""
        if self.picker.all:
            return None
        api = self.picker.api()
        return api if self.picker.facilities[api.facility_name].can("status") else None

    def _request(self) -> tuple[str, SubmitOptions] | None:
        """The script and the options that parse, for a check; None without a script."""
        script = str(self.script.value)
        if not script.strip():
            return None
        return script, self._fields()[0]

    def _fields(self) -> tuple[SubmitOptions, dict[str, str]]:
        """The options that parse, and what is wrong with the fields that do not."""
        options: SubmitOptions = {}
        problems: dict[str, str] = {}
        name, partition, account = (
            str(self.inputs[field].value).strip() for field in ("name", "partition", "account")
        )
        account = self.foresight.account_name(account).strip()
        if name:
            options["name"] = name
        if partition:
            options["partition"] = partition
        if account:
            options["account"] = account
        nodes = str(self.nodes.value).strip()
        if nodes:
            if nodes.isdigit() and int(nodes) >= 1:
                options["nodes"] = int(nodes)
            else:
                problems["nodes"] = f"{nodes!r} is not a number of nodes (1 or more)."
        limit = str(self.time_limit.value).strip()
        if limit:
            try:
                options["time_limit"] = parse_time_limit(limit)
            except ValidationError as err:
                problems["time_limit"] = err.message
        if not str(self.script.value).strip():
            problems["script"] = "Write the batch script first."
        return options, problems

    def _options(self) -> SubmitOptions:
        """The form's options; a field that does not parse gets its error and raises."""
        options, problems = self._fields()
        for field, message in problems.items():
            self._show_field_error(field, message)
        if problems:
            raise ValidationError("; ".join(problems.values()))
        return options

    def submit(self) -> JobHandle:
        """Submit the script with the form's options; the job appears in the monitor."""
        self._clear_errors()
        options = self._options()
        api = self.picker.api()
        self.status.info(f"Submitting to {api.facility_name}…")
        try:
            handle = api.submit(str(self.script.value), _via="widget", **options)
        except ValidationError as err:
            field = field_of(err.message)
            if field is not None:
                self._show_field_error(field, err.message)
            raise
        self.submitted.append(handle)
        tracking.track(handle.facility, handle.id)
        self.status.success(
            f"Submitted job {handle.id} ({handle.info.name}) to {handle.facility}: "
            f"{handle.info.state.value}"
        )
        self._show_in_monitor(handle)
        return handle

    def _show_in_monitor(self, handle: JobHandle) -> None:
        try:
            if self.monitor is None:
                self.monitor = JobMonitor(handle.facility, hpc=self.hpc)
                self.widget.children = (*self.widget.children, self.monitor.widget)
            self.monitor.track(handle)
        except Exception as err:  # the job was submitted: say so, and why it is not shown
            self.status.info(
                f"Submitted job {handle.id}, but the monitor could not show it: {describe(err)}"
            )


def _script_text(script: str | os.PathLike[str] | None, text: str | None) -> str:
    if text is not None:
        return text
    if script is None:
        return TEMPLATE
    path = Path(script).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"No local script {str(path)!r}.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ValidationError(f"Cannot read the script {str(path)!r}: {err}.") from None
