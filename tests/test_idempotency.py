"""An Idempotency-Key holds across server restarts and crashes: never the same job twice."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpc_jupyter.errors import (
    Conflict,
    FacilityAuthError,
    FacilityError,
    HPCError,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from hpc_jupyter.ledger import SubmissionLedger
from hpc_jupyter.models import Job, JobRequest, JobState
from tests.server_process import ServerProcess, jupyter_server

FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}


def wait_for_end(server: ServerProcess, facility: str, job_id: str, timeout: float = 60) -> Any:
    """Poll a job until it ended; its last description."""
    deadline = time.monotonic() + timeout
    while True:
        job = server.api("GET", "facilities", facility, "jobs", job_id).json()
        if job["state"] in FINAL:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def test_a_retry_after_a_restart_answers_the_first_job(tmp_path: Path) -> None:
    # Given a job submitted with a key, by a server that is then stopped
    config = {"data_dir": str(tmp_path / "data")}
    body = {"script": "#!/bin/bash\necho once >> runs.txt\n", "name": "once"}
    key = {"Idempotency-Key": "7f1c-restart"}
    with jupyter_server(tmp_path, config, name="first") as server:
        first = server.api("POST", "facilities", "local", "jobs", json=body, headers=key)
        assert first.status_code == 201, first.text
        wait_for_end(server, "local", first.json()["id"])

    # When the client repeats the request to a new server on the same data directory, once
    # as it was and once changed
    with jupyter_server(tmp_path, config, name="second") as server:
        again = server.api("POST", "facilities", "local", "jobs", json=body, headers=key)
        changed = server.api(
            "POST", "facilities", "local", "jobs", json={**body, "name": "other"}, headers=key
        )
        listed = server.api("GET", "facilities", "local", "jobs").json()["jobs"]

    # Then the repeat answers the first job and submits nothing; the changed one is a 409
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "once"
    assert [job["id"] for job in listed] == [first.json()["id"]]
    assert (tmp_path / "root" / "runs.txt").read_text() == "once\n"
    assert changed.status_code == 409
    assert changed.json()["reason"] == "conflict"
    assert "different job request" in changed.json()["message"]


def test_a_submission_cut_by_a_crash_is_not_sent_again(tmp_path: Path) -> None:
    # Given a slurm-cli facility whose sbatch hangs (a slow login node), and a server killed
    # while it submits a job with a key
    calls = tmp_path / "sbatch-calls.txt"
    login = tmp_path / "login-node"
    login.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = sbatch ]; then echo "$@" >> {calls}; exec sleep 600; fi\n'
        'echo "$1: not in this test" >&2; exit 1\n'
    )
    login.chmod(0o755)
    (tmp_path / "root").mkdir()
    facility = {
        "kind": "slurm-cli",
        "prefix": [str(login)],
        "files": {"kind": "local", "root": str(tmp_path / "root")},
    }
    config = {"data_dir": str(tmp_path / "data"), "facilities": {"cluster": facility}}
    body = {"script": "#!/bin/bash\necho hi\n"}
    key = {"Idempotency-Key": "crash-8a2d"}
    with jupyter_server(tmp_path, config, name="first") as server, ThreadPoolExecutor(1) as pool:
        request = pool.submit(
            server.api, "POST", "facilities", "cluster", "jobs", json=body, headers=key
        )
        deadline = time.monotonic() + 60
        while not calls.exists():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        server.kill()
        with pytest.raises(httpx.TransportError):  # the connection dies with the server
            request.result(timeout=30)

    # When the client retries with the same key on a restarted server
    with jupyter_server(tmp_path, config, name="second") as server:
        retry = server.api("POST", "facilities", "cluster", "jobs", json=body, headers=key)

    # Then nothing is submitted again, and the answer says to check the job list
    assert retry.status_code == 409, retry.text
    assert retry.json()["reason"] == "conflict"
    assert "Check the job list" in retry.json()["message"]
    assert len(calls.read_text().splitlines()) == 1


async def test_a_failed_submission_is_forgotten_and_two_ledgers_share_one_file(
    tmp_path: Path,
) -> None:
    # Given two servers' ledgers on one data directory
    one, two = SubmissionLedger(tmp_path), SubmissionLedger(tmp_path)
    request = JobRequest(script="echo")
    submitted: list[str] = []

    async def fails() -> Job:
        submitted.append("failed")
        raise OSError("the facility is down")

    async def works() -> Job:
        submitted.append("ok")
        return Job(id="42", name="x", state=JobState.PENDING, raw_state="PENDING")

    # When a submission fails, is retried through one server, then repeated through the other
    with pytest.raises(OSError):
        await one.submit("f", "s", "k", request, fails)
    job = await one.submit("f", "s", "k", request, works)
    again = await two.submit("f", "s", "k", request, works)

    # Then the retry submitted, and the repeat answered the same job without submitting
    assert submitted == ["failed", "ok"]
    assert again == job
    one.close()
    two.close()


async def test_a_key_in_flight_with_another_request_is_a_conflict(tmp_path: Path) -> None:
    ledger = SubmissionLedger(tmp_path)
    release = asyncio.Event()

    async def slow() -> Job:
        await release.wait()
        return Job(id="7", name="x", state=JobState.PENDING, raw_state="PENDING")

    first = asyncio.ensure_future(ledger.submit("f", "s", "k", JobRequest(script="a"), slow))
    await asyncio.sleep(0)  # the first submission is under way
    with pytest.raises(Conflict, match="different job request"):
        await ledger.submit("f", "s", "k", JobRequest(script="b"), slow)
    same = asyncio.ensure_future(ledger.submit("f", "s", "k", JobRequest(script="a"), slow))
    release.set()

    assert (await first).id == (await same).id == "7"
    ledger.close()


async def test_a_key_is_forgotten_after_its_time(tmp_path: Path) -> None:
    # A ledger keeping keys for no time at all stands for one 24 hours later.
    ledger = SubmissionLedger(tmp_path, ttl=-1.0)
    ids = iter(["1", "2"])

    async def start() -> Job:
        return Job(id=next(ids), name="x", state=JobState.PENDING, raw_state="PENDING")

    one = await ledger.submit("f", "s", "k", JobRequest(script="a"), start)
    two = await ledger.submit("f", "s", "k", JobRequest(script="a"), start)

    assert (one.id, two.id) == ("1", "2")
    ledger.close()


async def test_a_ledger_that_cannot_be_written_submits_nothing(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a file where the facility's folder should be")
    ledger = SubmissionLedger(tmp_path)
    started: list[str] = []

    async def start() -> Job:
        started.append("submitted")
        return Job(id="1", name="x", state=JobState.PENDING, raw_state="PENDING")

    with pytest.raises(HPCError, match="nothing was submitted") as info:
        await ledger.submit("f", "s", "k", JobRequest(script="a"), start)

    assert started == []
    assert str(tmp_path / "f" / "submissions.sqlite") in info.value.message


@pytest.mark.parametrize(
    "lost",
    [
        Unavailable("FirecREST (alps) dropped the connection."),
        UpstreamTimeout("FirecREST (alps) did not answer within 30 s."),
        FacilityError("FirecREST (alps) answered 500."),
    ],
    ids=["dropped", "timeout", "5xx"],
)
async def test_a_submission_whose_answer_was_lost_is_never_sent_again(
    tmp_path: Path, lost: FacilityError
) -> None:
    # Given a submission whose answer the facility lost: it may have taken the job
    ledger = SubmissionLedger(tmp_path)
    request = JobRequest(script="echo")
    submitted: list[str] = []

    async def answer_lost() -> Job:
        submitted.append("sent")
        raise lost

    with pytest.raises(FacilityError):
        await ledger.submit("f", "s", "k", request, answer_lost)

    # When the client retries with the same key (as a client does after an error)
    with pytest.raises(Conflict, match="Check the job list") as conflict:
        await ledger.submit("f", "s", "k", request, answer_lost)

    # Then nothing is sent again, and the user is told why
    assert submitted == ["sent"]
    assert "answer was lost" in conflict.value.message
    ledger.close()


@pytest.mark.parametrize(
    "refusal",
    [
        ValidationError("'nodes' must be a whole number."),
        FacilityAuthError("FirecREST refused the token."),
        RateLimited("FirecREST asked us to slow down."),
    ],
    ids=["bad input", "credentials", "slow down"],
)
async def test_a_refused_submission_can_be_retried_with_its_key(
    tmp_path: Path, refusal: HPCError
) -> None:
    ledger = SubmissionLedger(tmp_path)
    request = JobRequest(script="echo")
    attempts: list[str] = []

    async def refused_then_taken() -> Job:
        attempts.append("sent")
        if len(attempts) == 1:
            raise refusal
        return Job(id="9", name="x", state=JobState.PENDING, raw_state="PENDING")

    with pytest.raises(HPCError):
        await ledger.submit("f", "s", "k", request, refused_then_taken)
    job = await ledger.submit("f", "s", "k", request, refused_then_taken)

    assert job.id == "9"
    assert attempts == ["sent", "sent"]
    ledger.close()
