"""How a facility's status, a submit check and a job's efficiency read, in HTML and in text."""

from __future__ import annotations

import time
from typing import Any, cast

from hpc_jupyter.api import Check, JobHandle, Status
from hpc_jupyter.client import HPCClient
from hpc_jupyter.display_efficiency import efficiency_html, efficiency_text
from hpc_jupyter.display_status import check_text, status_html, status_text
from hpc_jupyter.efficiency import efficiency, outcome_of
from hpc_jupyter.models import (
    Advice,
    Allocation,
    FacilityStatus,
    Health,
    Job,
    JobState,
    Notice,
    NoticeKind,
    Partition,
    StatusSource,
    SubmitCheck,
    SystemHealth,
)

NOW = time.time()
HOUR = 3600
GIB = 1024**3


def local(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def full_status() -> FacilityStatus:
    return FacilityStatus(
        facility="hpc",
        system="alps",
        systems=(SystemHealth("alps", Health.DEGRADED, "Slow filesystem", checked_at=NOW),),
        notices=(
            Notice(
                "m1",
                NoticeKind.MAINTENANCE,
                "OS <upgrade>",
                start=NOW + HOUR,
                end=NOW + 3 * HOUR,
                systems=("alps",),
                status="planned",
            ),
            Notice("i1", NoticeKind.INCIDENT, "Login node down", start=NOW - HOUR),
        ),
        partitions=(
            Partition("normal", default=True, max_time=24 * HOUR, nodes=100),
            Partition("debug", default=False, state="DOWN", max_time=None, nodes=None),
        ),
        allocations=(
            Allocation("proj", "node_hours", 1000.0, 950.5, 49.5, default=True),
            Allocation("proj", "bytes", 2.0 * GIB, GIB, GIB, note="scratch"),
            Allocation("spent", "node_hours", 10.0, 12.0, -2.0, scope="user"),
            Allocation("named"),
        ),
        sources=(StatusSource("systems", "GET /status/systems", NOW),),
    )


def test_every_part_as_text() -> None:
    text = status_text(full_status(), now=NOW)
    assert text.startswith("Status of hpc (system alps), as of ")
    assert "degraded  Slow filesystem" in text
    # notices with their local times, an open end, one under way
    assert f"OS <upgrade>     {local(NOW + HOUR)}" in text
    assert local(NOW + 3 * HOUR) in text
    assert f"{local(NOW - HOUR)} (under way)  open-ended" in text
    # partitions with their limits, the default starred
    assert "normal*  UP     1-00:00:00  100" in text
    assert "debug    DOWN   unlimited   -" in text
    # allocations in their units, a name alone where no figure is told
    assert "proj*    project  1,000      950.5    49.5       node hours" in text
    assert "1.0 GiB" in text and "scratch" in text
    assert "spent    yours    10         12       -2" in text
    assert "named    project  -          -        -          -" in text
    assert "Sources: systems from GET /status/systems at " in text


def test_every_part_as_html() -> None:
    page = status_html(full_status(), now=NOW)
    assert "OS &lt;upgrade&gt;" in page and "<upgrade>" not in page  # escaped
    assert ">degraded</span>" in page
    assert local(NOW + HOUR) in page
    assert 'class="hpc-jupyter hpc-partitions"' in page
    assert '<b style="color:#b26a00">49.5</b>' in page  # little left
    assert '<b style="color:#c62828">-2</b>' in page  # none left


def test_a_null_part_says_why_never_an_empty_table() -> None:
    status = FacilityStatus(
        facility="hpc",
        system="alps",
        systems=None,
        notices=(),
        partitions=None,
        allocations=None,
        sources=(
            StatusSource("systems", "GET /status/systems", NOW, error="No answer within 15 s."),
            StatusSource("notices", "GET /status/reservations", NOW),
            StatusSource("allocations", "sacctmgr associations", NOW),
            StatusSource("allocations", "sreport usage", NOW, error="sreport: not found."),
        ),
    )
    text = status_text(status, now=NOW)
    assert (
        "Systems: could not be read: GET /status/systems: No answer within 15 s.." not in text
    )  # one full stop
    assert "Systems: could not be read: GET /status/systems: No answer within 15 s." in text
    assert "Incidents and maintenance: None on or ahead." in text
    assert "Partitions: not reported by this facility." in text
    assert "Allocations: could not be read: sreport usage: sreport: not found." in text
    page = status_html(status, now=NOW)
    assert (
        "hpc-systems" not in page and "hpc-partitions" not in page and "hpc-allocations" not in page
    )
    assert "<i>not reported by this facility</i>" in page
    assert "(failed: sreport: not found)" in page


def test_status_from_the_server_json() -> None:
    status = Status.from_dict(full_status().to_dict())
    assert isinstance(status, FacilityStatus)
    assert status.partitions is not None and status.partitions[0].name == "normal"
    assert str(status).startswith("Status of hpc (system alps)")
    assert status._repr_html_().startswith('<div class="hpc-jupyter hpc-status">')


def test_a_check_reads_as_an_estimate_and_warnings() -> None:
    allocation = Allocation("proj", "node_hours", 100.0, 90.0, 10.0)
    check = Check.from_dict(
        SubmitCheck(
            node_hours=12.0,
            charge=12.0,
            unit="node_hours",
            allocation=allocation,
            warnings=(Advice("over_allocation", "This job could use 12 node hours; ..."),),
        ).to_dict()
    )
    assert str(check) == (
        "Estimate: 12 node hours (nodes times time limit), charged 12 node hours to proj "
        "(10 left).\n⚠ This job could use 12 node hours; ... [over_allocation]"
    )
    assert 'data-code="over_allocation"' in check._repr_html_()
    cpu = Allocation("proj", "cpu_hours", 100.0, 0.0, 100.0)
    assert check_text(SubmitCheck(node_hours=0.5, allocation=cpu)) == (
        "Estimate: 0.5 node hours (nodes times time limit); the charge in cpu hours to proj "
        "cannot be worked out here (100 left).\nNo warnings."
    )
    assert check_text(SubmitCheck(node_hours=None)) == (
        "Estimate: not known until the job has a time limit.\nNo warnings."
    )


def test_efficiency_reads_in_words_and_figures() -> None:
    found = efficiency(
        outcome_of(JobState.OUT_OF_MEMORY),
        "sacct",
        elapsed=90,
        time_limit=600,
        cpus=4,
        cpu_time=60,
        memory_used=2 * GIB,
        memory_requested=2 * GIB,
        exit_code=0,
        signal=9,
    )
    text = efficiency_text(found)
    assert text.startswith("Efficiency: Ran out of memory (peak 2.0 GiB of 2.0 GiB requested)")
    assert "Outcome         out of memory" in text
    assert "Time            00:01:30 of 00:10:00 (15%)" in text
    assert "CPU efficiency  17% of 4 CPUs, 00:01:00 CPU time" in text
    assert "Memory peak     2.0 GiB of 2.0 GiB (100%)" in text
    assert "Ended with      exit code 0, signal 9" in text
    assert "Source          sacct" in text
    assert "Not told" not in text
    page = efficiency_html(found)
    assert '<span style="color:#c62828">Ran out of memory' in page


def test_efficiency_without_figures_says_what_is_not_told() -> None:
    found = efficiency(outcome_of(JobState.COMPLETED, 0), "local")
    text = efficiency_text(found)
    assert text.splitlines() == [
        "Efficiency: Completed.",
        "  Outcome  completed",
        "  Source   local",
        "Not told by the facility: time, CPU efficiency, memory.",
    ]
    assert '<span style="color:#2e7d32">Completed.</span>' in efficiency_html(found)
    # CPU time without the CPUs it was spread over: the time, but no efficiency
    timed = efficiency_text(efficiency(outcome_of(JobState.COMPLETED), "x", cpu_time=75))
    assert "  CPU time  00:01:15" in timed
    assert timed.endswith("Not told by the facility: time, CPU efficiency, memory.")


def test_a_job_handle_shows_its_efficiency_once_finished() -> None:
    base = Job(id="7", name="sim", state=JobState.TIMEOUT, raw_state="TIMEOUT", facility="hpc")
    found = efficiency(outcome_of(JobState.TIMEOUT), "sacct", elapsed=600, time_limit=600)
    client = cast(HPCClient, None)  # displaying a handle asks nothing of the server
    answered = Job.from_dict({**base.to_dict(), "efficiency": found.to_dict()})
    finished = JobHandle(client, answered, asked=True)  # as GET .../jobs/{id} answered it
    assert finished.efficiency == found  # a finished job's efficiency is not asked again
    assert "Ran out of time: stopped at its time limit of 00:10:00." in finished._repr_html_()
    printed: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            printed.append(value)

    finished._repr_pretty_(cast(Any, Printer()), False)
    assert "\nEfficiency: Ran out of time" in printed[0]
    running = JobHandle(client, Job(id="8", name="x", state=JobState.RUNNING, raw_state="R"))
    assert "Efficiency" not in running._repr_html_()
