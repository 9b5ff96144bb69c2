"""A notebook run in a kernel the server started, cell by cell as JupyterLab sends them (with
each cell's id): its jobs record the notebook and cell, and it finds and resubmits them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import JOBS

pytestmark = pytest.mark.kernel

CELLS = {
    "setup": "%load_ext hpc_jupyter\nimport hpc_jupyter\nhpc = hpc_jupyter.connect()",
    "api-submit": (
        'job = hpc.submit("#!/bin/bash\\necho \\"$GREETING from $SLURM_JOB_NAME\\"\\n",'
        ' name="greet", env={"GREETING": "hello"})\njob.wait(timeout=60)'
    ),
    "magic-submit": "%%hpc_submit --name magic --time 5\n#!/bin/bash\necho magic\n",
    "resubmit": (
        'again = job.resubmit(env={"GREETING": "again"}, time_limit=120)\n'
        "again.wait(timeout=60)\n"
        'assert again.log() == "again from greet\\n", again.log()'
    ),
    "magic-resubmit": "%hpc_resubmit {job.id} --time 3 --name renamed",
    "filter": (
        "mine = hpc.jobs(notebook=True)\n"
        "print(sorted(j.id for j in mine))\n"
        "assert len(mine) == 4, mine\n"
        'assert hpc.jobs(notebook="elsewhere.ipynb") == []'
    ),
}


async def run_cells(kernel: Any, cells: dict[str, str]) -> None:
    """Execute each cell with its id in the request's metadata, as JupyterLab does."""
    client = kernel.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        for cell_id, code in cells.items():
            content = {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            msg = client.session.msg("execute_request", content, metadata={"cellId": cell_id})
            client.shell_channel.send(msg)
            while True:
                reply = await client.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break
            result = reply["content"]
            assert result["status"] == "ok", (cell_id, "\n".join(result.get("traceback", [])))
    finally:
        client.stop_channels()


async def test_a_notebooks_jobs_record_it_and_it_resubmits_them(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path, api: Any
) -> None:
    # Given a notebook in a folder, opened as JupyterLab opens one (a session with its name:
    # the kernel then knows its notebook by the absolute path)
    (jp_root_dir / "work").mkdir()
    session = {
        "path": "work/sweep.ipynb",
        "name": "sweep.ipynb",
        "type": "notebook",
        "kernel": {"name": "python3"},
    }
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    kernel = hpc_server.kernel_manager.get_kernel(json.loads(response.body)["kernel"]["id"])

    # When its cells submit, resubmit and list the notebook's jobs
    await run_cells(kernel, CELLS)

    # Then each job says which cell of which notebook made it, and how
    jobs = sorted((await api(*JOBS))["jobs"], key=lambda job: int(job["id"]))
    origins = [(job["name"], job["origin"]) for job in jobs]
    first = jobs[0]["id"]
    notebook = "work/sweep.ipynb"
    assert origins == [
        ("greet", {"via": "api", "notebook": notebook, "cell": "api-submit", "resubmit_of": None}),
        (
            "magic",
            {"via": "magic", "notebook": notebook, "cell": "magic-submit", "resubmit_of": None},
        ),
        ("greet", {"via": "api", "notebook": notebook, "cell": "resubmit", "resubmit_of": first}),
        (
            "renamed",
            {"via": "magic", "notebook": notebook, "cell": "magic-resubmit", "resubmit_of": first},
        ),
    ]
    # and a resubmission is the recorded request with the changes
    again = (await api(*JOBS, jobs[2]["id"], "submission"))["request"]
    renamed = (await api(*JOBS, jobs[3]["id"], "submission"))["request"]
    assert again["env"] == {"GREETING": "again"} and again["time_limit"] == 120
    assert again["name"] == "greet"
    assert renamed["env"] == {"GREETING": "hello"} and renamed["time_limit"] == 180


async def test_a_notebook_renamed_while_its_kernel_runs_keeps_its_jobs_and_its_name(
    hpc_server: Any, jp_fetch: Any, jp_root_dir: Path, api: Any
) -> None:
    # Given an Untitled notebook whose kernel has submitted a job
    (jp_root_dir / "Untitled.ipynb").write_text("{}")
    session = {"path": "Untitled.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    started = json.loads(response.body)
    kernel = hpc_server.kernel_manager.get_kernel(started["kernel"]["id"])
    submit = "%%hpc_submit --name {name} --time 5\n#!/bin/bash\necho {name}\n"
    await run_cells(kernel, {"setup": CELLS["setup"], "before": submit.format(name="before")})

    # When it is renamed as JupyterLab renames it (the file, then its session), and its kernel
    # (which was told the old name when it started) submits again and lists its jobs
    new = "fit run é.ipynb"
    body = json.dumps({"path": new})
    await jp_fetch("api", "contents", "Untitled.ipynb", method="PATCH", body=body)
    body = json.dumps({"path": new, "name": new})
    await jp_fetch("api", "sessions", started["id"], method="PATCH", body=body)
    listing = (
        "mine = hpc.jobs(notebook=True)\n"
        "assert sorted(j.name for j in mine) == ['after', 'before'], mine\n"
        f"assert {{j.origin.notebook for j in mine}} == {{{new!r}}}, mine"
    )
    after = {"after": submit.format(name="after"), "mine": listing}
    await run_cells(kernel, {"setup": CELLS["setup"], **after})

    # Then both jobs are the renamed notebook's, in the server's records too
    jobs = (await api(*JOBS))["jobs"]
    assert {job["name"]: job["origin"]["notebook"] for job in jobs} == {
        "before": new,
        "after": new,
    }
