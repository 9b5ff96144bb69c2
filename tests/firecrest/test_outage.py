"""A facility that goes down and comes back, through the REST API: never an outage as "no jobs"."""

from __future__ import annotations

import asyncio
import contextlib
import html
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.api import HPC
from hpc_jupyter.client import default_client, set_default_client
from hpc_jupyter.display import JobTable, stale_text
from hpc_jupyter.errors import HPCError
from hpc_jupyter.widgets import JobMonitor
from tests.firecrest.double_fixtures import facility_options
from tests.firecrest.fake_firecrest import CLIENT_SECRET, FakeFirecrest, start_fake
from tests.firecrest.outage import FACILITY, POLL_INTERVAL, Outage
from tests.helpers import expect_error, wait_until
from tests.spec_validation import api_violations

API = Callable[..., Awaitable[Any]]
JOBS = ("facilities", FACILITY, "jobs")


@pytest.fixture
def outage(tmp_path: Path, jp_asyncio_loop: Any) -> Iterator[Outage]:
    """The double, up; stopped for good after the test."""
    fake = FakeFirecrest(root=tmp_path / "remote", s3=None, s3_url="")
    double = Outage(fake, jp_asyncio_loop.run_until_complete(start_fake(fake)))
    yield double
    if double.server is not None:
        jp_asyncio_loop.run_until_complete(double.down())
    assert fake.problems == [], fake.problems


@pytest.fixture
def hpc_facilities(outage: Outage) -> dict[str, Any]:
    options = facility_options(outage.fake, CLIENT_SECRET)
    return {FACILITY: {**options, "timeout": 5, "poll_interval": POLL_INTERVAL}}


def attempts(hpc_app: Any) -> int:
    """How many listings the job watcher has asked of the facility."""
    count: int = hpc_app.watcher.fetch_count(FACILITY, "localcluster")
    return count


async def listing_until(api: API, done: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """GET the jobs every 0.1 s until `done(answer)`; every answer (a JSON body or an error)."""
    answers: list[Any] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            answer = await api(*JOBS)
        except Exception as err:  # an error is an answer too: the caller checks which
            answers.append(err)
        else:
            answers.append(answer)
            if done(answer):
                return answers
        await asyncio.sleep(0.1)
    raise AssertionError(f"not done after 20 s; last answers: {answers[-3:]}")


async def test_down_before_any_listing_answers_the_error_every_time(
    api: API, hpc_app: Any, outage: Outage
) -> None:
    # Given a facility that answered once (its systems are known) and then went down
    await api("facilities", FACILITY)
    await outage.down()

    # When its jobs are listed, again and again over several poll intervals
    before = attempts(hpc_app)
    started = time.monotonic()
    errors = []
    while time.monotonic() - started < 3 * POLL_INTERVAL:
        errors.append(await expect_error(api(*JOBS), 502))
        await asyncio.sleep(0.05)
    crowd = await asyncio.gather(*(expect_error(api(*JOBS), 502) for _ in range(25)))

    # Then every answer is the facility's error, never an empty list of jobs
    assert len(errors) > 10
    for error in [*errors, *crowd]:
        assert error["reason"] == "unavailable"
        assert error["message"] == f"FirecREST ({FACILITY}) cannot be reached."
    # and the facility was tried about once per interval, not once per request
    elapsed = time.monotonic() - started
    assert attempts(hpc_app) - before <= elapsed / POLL_INTERVAL + 2


async def test_an_outage_shows_the_last_listing_stale_until_the_facility_is_back(
    api: API, hpc_app: Any, outage: Outage, job_events: list[dict[str, Any]]
) -> None:
    # Given a running job, listed while the facility was up
    job_id = outage.add_job()
    listed_before = time.time()
    first = await api(*JOBS)
    assert [job["id"] for job in first["jobs"]] == [job_id]
    assert "stale" not in first

    # When the facility goes down (and the job ends meanwhile)
    down_at = time.time()
    await outage.down()
    outage.fake.finish_job(job_id)
    answers = await listing_until(api, lambda answer: "stale" in answer)

    # Then until the watcher finds out, clients get the listing made before the outage, and
    # from then on the same listing marked stale: never an empty list, never an error
    for answer in answers:
        assert [(job["id"], job["state"]) for job in answer["jobs"]] == [(job_id, "RUNNING")]
    stale = answers[-1]["stale"]
    assert set(stale) == {"message", "reason", "failed_at", "listed_at"}
    assert stale["reason"] == "unavailable"
    assert stale["message"] == f"FirecREST ({FACILITY}) cannot be reached."
    assert listed_before <= stale["listed_at"] <= down_at <= stale["failed_at"] <= time.time()

    # And it stays stale, since the first failure, while the facility is retried
    tries = attempts(hpc_app)
    later = await listing_until(api, lambda _: attempts(hpc_app) >= tries + 2)
    assert all(answer["stale"] == stale for answer in later)
    # a job is never answered from the stale listing: the facility's error is the answer
    error = await expect_error(api(*JOBS, job_id), 502)
    assert error["reason"] == "unavailable"
    # and nothing was published from the stale listing
    assert [(e["job_id"], e["state"]) for e in job_events] == []

    # When the facility is back
    outage.up()
    recovered = await listing_until(api, lambda answer: "stale" not in answer)

    # Then the listing is fresh again, and the change missed during the outage is published
    assert [(job["id"], job["state"]) for job in recovered[-1]["jobs"]] == [(job_id, "COMPLETED")]
    assert (await api(*JOBS, job_id))["state"] == "COMPLETED"
    assert await wait_until(lambda: len(job_events) > 0, timeout=5)
    assert [(e["job_id"], e["previous_state"], e["state"]) for e in job_events] == [
        (job_id, "RUNNING", "COMPLETED")
    ]


# -- the kernel side: %hpc_jobs, hpc.jobs() and the JobMonitor in a real server's outage ----------


@pytest.fixture
def kernel(kernel_env: Any) -> Iterator[Any]:
    """An IPython shell as a kernel of the test server: it finds the server by itself."""
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")
    formatter = shell.display_formatter.formatters["text/html"]
    enabled, formatter.enabled = formatter.enabled, True
    previous = set_default_client(None)
    yield shell
    formatter.enabled = enabled
    client = set_default_client(previous)
    if client is not None:
        client.close()


async def kernel_listing_until(hpc: HPC, done: Callable[[JobTable], bool]) -> JobTable:
    """hpc.jobs() from the kernel, every 0.1 s until `done(table)` (errors are retried)."""
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(HPCError):
            table = await asyncio.to_thread(hpc.jobs)
            if done(table):
                return table
        assert time.monotonic() < deadline, "the listing never got there"
        await asyncio.sleep(0.1)


@pytest.mark.kernel
async def test_the_kernel_side_never_shows_an_outage_as_no_jobs(
    api: API, kernel: Any, outage: Outage, capsys: pytest.CaptureFixture[str]
) -> None:
    ip = kernel
    hpc = HPC(default_client(), FACILITY)

    def hpc_jobs() -> Any:
        return ip.run_line_magic("hpc_jobs", f"-f {FACILITY}")

    # Given a facility that went down before its jobs were ever listed
    await api("facilities", FACILITY)
    await outage.down()

    # Then %hpc_jobs says why in one line, and the monitor warns, never "No jobs."
    assert await asyncio.to_thread(hpc_jobs) is None
    out, err = capsys.readouterr()
    assert f"hpc-jupyter: FirecREST ({FACILITY}) cannot be reached." in err.splitlines()
    assert "Traceback" not in err and "No jobs" not in out + err
    monitor = await asyncio.to_thread(JobMonitor, FACILITY, hpc=hpc, live=False)
    try:
        assert monitor.warnings == {
            FACILITY: f"{FACILITY}: could not list the jobs: FirecREST ({FACILITY}) cannot be "
            "reached."
        }
        assert monitor.warning.layout.display != "none"
        assert "No jobs." not in monitor.table.note.value

        # When it is back with a job, and goes down again
        outage.up()
        job_id = outage.add_job()
        await kernel_listing_until(hpc, lambda table: table.stale is None and len(table) == 1)
        await asyncio.to_thread(monitor.refresh)
        assert [row["ID"] for row in monitor.table.rows()] == [job_id]
        assert monitor.warnings == {} and monitor.warning.layout.display == "none"
        await outage.down()
        await kernel_listing_until(hpc, lambda table: table.stale is not None)

        # Then %hpc_jobs shows the last listing under one line saying how old it is and why
        jobs = await asyncio.to_thread(hpc_jobs)
        assert isinstance(jobs, JobTable) and [job.id for job in jobs] == [job_id]
        assert jobs.stale is not None and jobs.stale.reason == "unavailable"
        line = stale_text(jobs.stale)
        assert line.startswith("Showing jobs as of ")
        since = time.strftime("%H:%M:%S", time.localtime(jobs.stale.failed_at))
        assert line.endswith(f"since {since}: FirecREST ({FACILITY}) cannot be reached.")
        plain = ip.display_formatter.format(jobs, include={"text/plain"})[0]["text/plain"]
        assert plain.splitlines()[0] == f"Warning: {line}"
        assert job_id in plain.splitlines()[2]
        shown = ip.display_formatter.formatters["text/html"](jobs)
        assert html.escape(line) in shown.split("<table")[0]
        # and the monitor keeps its rows under the same warning
        assert await asyncio.to_thread(monitor.refresh) is False
        assert [row["ID"] for row in monitor.table.rows()] == [job_id]
        assert monitor.warnings == {FACILITY: f"{FACILITY}: {line}"}
        assert html.escape(line) in monitor.warning.value

        # When the facility is back, nothing is marked any more
        outage.up()
        await kernel_listing_until(hpc, lambda table: table.stale is None)
        await asyncio.to_thread(monitor.refresh)
        assert monitor.warnings == {} and monitor.warning.layout.display == "none"
        assert [row["ID"] for row in monitor.table.rows()] == [job_id]
    finally:
        await asyncio.to_thread(monitor.close)


@pytest.mark.kernel
async def test_waiting_for_a_job_outlasts_an_outage(api: API, kernel: Any, outage: Outage) -> None:
    # Given a job someone waits for from a kernel
    job_id = outage.add_job()
    await api("facilities", FACILITY, "jobs")
    hpc = HPC(default_client(), FACILITY)
    handle = await asyncio.to_thread(hpc.job, job_id)
    waiting = asyncio.ensure_future(asyncio.to_thread(handle.wait, 60, 0.2))

    # When the facility goes down, the job ends meanwhile, and the facility comes back
    await outage.down()
    await asyncio.sleep(1.5)  # several of the waiter's looks fail
    assert not waiting.done()
    outage.fake.finish_job(job_id)
    outage.up()

    # Then the wait returns the ended job instead of failing at the first refused look
    job = await asyncio.wait_for(waiting, 30)
    assert job.id == job_id and job.state.is_final


async def test_a_token_service_out_of_reach_is_an_unknown_auth_status(
    api: API, outage: Outage
) -> None:
    # Given a facility described once (its systems are known), whose tokens live 31 s: FirecREST
    # refuses a token with under 30 s left, so the next look at the credentials needs a new one
    outage.fake.token_ttl = 31
    assert (await api("facilities", FACILITY))["auth"]["status"] == "ok"

    # When the token service cannot be reached and the facilities are listed
    await outage.down()
    await asyncio.sleep(1.1)
    listed = await api("facilities")

    # Then nobody can tell whether the credentials work: `unknown`, as the spec allows
    assert listed["facilities"][0]["auth"] == {
        "status": "unknown",
        "message": f"The token service of facility {FACILITY!r} cannot be reached right now.",
    }
    assert api_violations("FacilityList", listed) == []
