"""The submit form's look ahead against the real server: accounts, the estimate, the warnings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hpc_jupyter.api import HPC
from hpc_jupyter.models import Allocation
from hpc_jupyter.widgets import SubmitForm, tracking
from hpc_jupyter.widgets.foresight import account_labels
from tests.helpers import run, wait_until


@pytest.fixture(autouse=True)
def _fresh_tracking() -> Iterator[None]:
    tracking.forget_all()
    yield
    tracking.forget_all()


async def test_the_form_checks_the_request_as_it_changes(hpc: HPC) -> None:
    # Given a form on the local facility, which reports its status (one partition, `local`)
    form = await run(SubmitForm, hpc=hpc, check_delay=0.05)
    assert await wait_until(lambda: form.foresight.result is not None, 20), form.foresight.error
    # (a busy machine running the tests would add system_degraded: its health is the facility's)
    assert set(form.foresight.warnings) <= {"system_degraded"}
    assert "Estimate: not known until the job has a time limit." in form.foresight.widget.value

    # When the user types a time limit and a partition the facility does not have
    form.time_limit.value = "90"
    form.partition.value = "nope"

    # Then, once the fields rest, the estimate and the warning show under them
    assert await wait_until(lambda: "unknown_partition" in form.foresight.warnings, 20)
    result = form.foresight.result
    assert result is not None and result.node_hours == 1.5
    shown = form.foresight.widget.value
    assert "Estimate: 1.5 node hours" in shown
    assert "This facility has no partition nope (it has: local)." in shown

    # and the user can still submit: the local facility takes any partition name
    handle = await run(form.submit)
    assert handle.info.partition == "nope"
    assert form.status.errors == []

    # A partition it has clears the warning
    form.partition.value = "local"
    assert await wait_until(
        lambda: (
            "unknown_partition" not in form.foresight.warnings
            and form.foresight.result is not None
            and form.foresight.result.node_hours == 1.5
        ),
        20,
    )


async def test_a_failing_check_says_so_and_never_blocks(hpc: HPC) -> None:
    form = await run(SubmitForm, hpc=hpc, check_delay=0.05)
    assert await wait_until(lambda: form.foresight.result is not None, 20)

    # When the check cannot be made (here: asked of a facility the server does not have)
    form.foresight._api = lambda: HPC(hpc.client, "nowhere")  # type: ignore[method-assign]
    form.time_limit.value = "1"

    # Then it says so in one line where the estimate was
    assert await wait_until(lambda: form.foresight.error is not None, 20)
    assert form.foresight.result is None
    assert "Could not check the request:" in form.foresight.widget.value
    assert "nowhere" in str(form.foresight.error)

    # and the submission goes out all the same
    handle = await run(form.submit)
    assert handle.facility == "local"


async def test_check_now_and_an_empty_script(hpc: HPC) -> None:
    form = await run(SubmitForm, hpc=hpc, check_delay=60)  # the timer never fires here
    form.nodes.value = "1"
    form.time_limit.value = "2:00:00"
    verdict = await run(form.foresight.check_now)
    assert verdict is not None and verdict.node_hours == 2.0
    # a field that does not parse is left out of the check (the submit will say why)
    form.nodes.value = "two"
    verdict = await run(form.foresight.check_now)
    assert verdict is not None and verdict.node_hours == 2.0
    assert form.field_errors == {}
    # no script, no check
    form.script.value = " "
    assert await run(form.foresight.check_now) is None
    assert form.foresight.widget.value == ""


def test_account_choices_say_what_is_left() -> None:
    labels = account_labels(
        [
            Allocation("proj", "node_hours", 1000.0, 400.0, 600.0),
            Allocation("proj", "node_hours", 100.0, 90.5, 9.5, scope="user"),
            Allocation("proj", "bytes", 2.0**40, 0.0, 2.0**40),
            Allocation("named"),
            Allocation("store", "inodes", 10.0, 1.0, 9.0),
        ]
    )
    assert labels == {
        "proj: 600 of 1,000 node hours left": "proj",
        "proj: 9.5 of 100 node hours left (your share)": "proj",
        "named": "named",
        "store": "store",
    }


async def test_an_account_chosen_by_its_label_is_submitted_by_its_name(hpc: HPC) -> None:
    # The local facility has no allocations: give the field the choices a facility with
    # allocations would (account_labels of its status), as the check does
    form = await run(SubmitForm, hpc=hpc, check_delay=60)
    form.foresight.labels = account_labels([Allocation("proj", "node_hours", 10.0, 5.0, 5.0)])
    form.account.value = "proj: 5 of 10 node hours left"
    handle = await run(form.submit)
    assert handle.info.account == "proj"
    # and typed text is taken as it is
    form.account.value = "other"
    assert (await run(form.submit)).info.account == "other"


async def test_typing_makes_one_check_once_the_fields_rest(hpc: HPC) -> None:
    checks: list[dict[str, Any]] = []

    class Counting(HPC):
        def check(self, script: str, **options: Any) -> Any:
            checks.append(options)
            return super().check(script, **options)

    form = await run(SubmitForm, hpc=hpc, check_delay=3)
    form.foresight._api = lambda: Counting(hpc.client, "local")  # type: ignore[method-assign]

    # When a time limit is typed key by key (the form was just opened: its own first check
    # is still waiting too)
    for typed in ("1", "1:", "1:3", "1:30", "1:30:", "1:30:0", "1:30:00"):
        form.time_limit.value = typed

    # Then one check goes out, for the whole time limit
    assert await wait_until(lambda: form.foresight.result is not None, 20)
    assert checks == [{"time_limit": 5400}]
    assert form.foresight.result is not None and form.foresight.result.node_hours == 1.5
