"""Submitting a job again: its recorded script and options, with changes, from where it is now.

The server keeps how each job was submitted (`GET .../jobs/{id}/submission`); a resubmission
takes that request, applies the changes (named as `HPC.submit`'s options, and `script`) and
submits it anew, its origin the current notebook and cell with `resubmit_of` the old job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .client import HPCClient, api_path
from .errors import HPCError
from .models import JobRequest, Submission

if TYPE_CHECKING:
    from .api import HPC, JobHandle

OPTIONS = (
    "name",
    "partition",
    "nodes",
    "time_limit",
    "account",
    "workdir",
    "env",
    "stdout",
    "stderr",
    "array",
    "depends_on",
    "dependency",
)
"""What a submission's request holds besides its script, as `HPC.submit` names it."""


def submission(client: HPCClient, facility: str, system: str | None, job_id: str) -> Submission:
    """How job `job_id` was submitted, as the server recorded it (or the facility's script)."""
    path = api_path("facilities", facility, "jobs", job_id, "submission")
    data = client.request("GET", path, params={"system": system or None})
    try:
        return Submission.from_dict(data)
    except (TypeError, ValueError, HPCError):
        raise HPCError("The server answered a malformed job submission.") from None


def options_of(request: JobRequest) -> dict[str, Any]:
    """The options `request` gave (those it left to the script's directives left out)."""
    options = {name: getattr(request, name) for name in OPTIONS}
    if not request.depends_on:  # no dependency type without jobs to depend on
        del options["depends_on"], options["dependency"]
    else:
        options["depends_on"] = list(request.depends_on)
        options["dependency"] = request.dependency.value
    if not request.env:
        del options["env"]
    return {name: value for name, value in options.items() if value is not None}


def resubmit(hpc: HPC, job_id: str, via: str, changes: Mapping[str, Any]) -> JobHandle:
    """Submit job `job_id` of `hpc`'s facility again, with `changes` to its script or options."""
    unknown = sorted(set(changes) - {"script", *OPTIONS})
    if unknown:
        raise TypeError(
            f"Unknown resubmit change(s) {', '.join(unknown)}; known: script, {', '.join(OPTIONS)}."
        )
    recorded = submission(hpc.client, hpc.facility_name, hpc.system, job_id)
    options = {**options_of(recorded.request), **changes}
    script = options.pop("script", recorded.request.script)
    return hpc.submit(script, _via=via, _resubmit_of=recorded.job_id, **options)
