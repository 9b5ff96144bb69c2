"""api/openapi.yaml is valid, names exactly the routes of the code, and real responses match it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import grp
import hashlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from jupyter_server.base.handlers import APIHandler
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.validation.request.exceptions import SecurityValidationError
from openapi_core.validation.response import V30ResponseHeadersValidator
from openapi_spec_validator import validate as validate_spec
from tornado.httpclient import HTTPRequest, HTTPResponse
from werkzeug.datastructures import Headers, ImmutableMultiDict

from hpc_jupyter.backends.local import LocalFacility
from hpc_jupyter.backends.local.jobs import LocalJobs
from hpc_jupyter.backends.local.paths import RootedPaths
from hpc_jupyter.errors import ERRORS_BY_REASON, Unavailable
from hpc_jupyter.inputs import JOB_ID_PATTERN
from hpc_jupyter.models import (
    Allocation,
    AuthState,
    AuthStatus,
    Capability,
    Efficiency,
    FacilityInfo,
    FacilityStatus,
    FileEntry,
    FileExcerpt,
    FileType,
    Job,
    JobListing,
    JobState,
    Notice,
    OutputChunk,
    Partition,
    Staleness,
    StatusSource,
    Submission,
    SubmitCheck,
    System,
    SystemHealth,
)
from hpc_jupyter.registry import NAME_PATTERN
from hpc_jupyter.routes import HANDLERS
from hpc_jupyter.submission import _KNOWN as JOB_REQUEST_FIELDS
from tests.idp.nanoidp import NanoIdp
from tests.iri.fake_iri import CLIENT_ID as IRI_CLIENT_ID
from tests.iri.fake_iri import FakeIRI
from tests.iri.fake_iri import start_fake as start_iri

SPEC_FILE = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
VERBS = ("get", "post", "put", "delete", "patch", "head")
FuncT = TypeVar("FuncT", bound=Callable[..., Any])


# -- the spec and the code -------------------------------------------------------------------


@functools.cache
def load_spec() -> dict[str, Any]:
    """api/openapi.yaml, read once (nobody may change the dict)."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())
    return spec


def spec_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (path, verb) the spec describes."""
    return {(path, verb) for path, item in spec["paths"].items() for verb in item if verb in VERBS}


def handler_verbs(handler: type) -> set[str]:
    """The verbs a handler class implements itself (not tornado's 405 nor Jupyter's OPTIONS)."""
    return {verb for verb in VERBS if getattr(handler, verb) is not getattr(APIHandler, verb)}


_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
_LITERALS = re.compile(r"\w+(\|\w+)*")


def route_paths(pattern: str) -> dict[str, dict[str, str]]:
    """The spec paths a route pattern stands for, with the regex of each path parameter.

    A group of literal alternatives (`(?P<op>mkdir|move)`) is one spec path per literal; any
    other group is a `{name}` parameter.
    """
    paths: dict[str, dict[str, str]] = {"/": {}}
    position = 0
    for group in _GROUP.finditer(pattern):
        literal = pattern[position : group.start()]
        name, body = group["name"], group["body"]
        if _LITERALS.fullmatch(body):
            paths = {p + literal + word: ps for p, ps in paths.items() for word in body.split("|")}
        else:
            paths = {p + literal + "{" + name + "}": {**ps, name: body} for p, ps in paths.items()}
        position = group.end()
    paths = {p + pattern[position:]: ps for p, ps in paths.items()}
    for path in paths:
        assert not set(path) & set("()[]*+?\\|^$"), f"cannot read route pattern {pattern!r}"
    return paths


def code_operations() -> set[tuple[str, str]]:
    """Every (path, verb) the route table serves."""
    return {
        (path, verb)
        for pattern, handler in HANDLERS
        for path in route_paths(pattern)
        for verb in handler_verbs(handler)
    }


def template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", path)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


# -- openapi-core adapters for tornado's client objects ---------------------------------------


class TornadoOpenAPIRequest:
    """openapi-core's Request protocol for a tornado `HTTPRequest` to the Jupyter test server."""

    def __init__(self, request: HTTPRequest, base_url: str) -> None:
        url = urlsplit(request.url)
        prefix = base_url.rstrip("/")
        assert url.path.startswith(prefix + "/hpc/api/"), url.path
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path[len(prefix) :]  # the spec's paths start after Jupyter's base_url
        self.method = (request.method or "GET").lower()
        self.body: bytes | None = request.body or None
        self.content_type = request.headers.get("Content-Type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query, keep_blank_values=True)),
            header=Headers(list(request.headers.get_all())),
        )


class TornadoOpenAPIResponse:
    """openapi-core's Response protocol for a tornado `HTTPResponse`."""

    def __init__(self, response: HTTPResponse) -> None:
        self.status_code = response.code
        self.data: bytes | None = response.body
        self.headers = Headers(list(response.headers.get_all()))
        self.content_type = response.headers.get("Content-Type", "").lower()


def validate_response(
    openapi: OpenAPI, request: TornadoOpenAPIRequest, response: TornadoOpenAPIResponse
) -> None:
    """Validate a response; an empty body (a download of nothing) only by headers and type.

    openapi-core takes an empty body for a missing one, yet zero bytes are a valid file.
    """
    if response.data or response.status_code == 204:
        openapi.validate_response(request, response)
        return
    V30ResponseHeadersValidator(openapi.spec).validate(request, response)
    spec = load_spec()
    (path,) = [p for p in spec["paths"] if template_regex(p).fullmatch(request.path)]
    declared = spec["paths"][path][request.method]["responses"][str(response.status_code)]
    mimetype = response.content_type.split(";")[0]
    assert mimetype in declared["content"], (mimetype, request.path)
    assert declared["content"][mimetype]["schema"]["format"] == "binary"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(load_spec())


Call = Callable[..., Awaitable[HTTPResponse]]
_COVERS = "_openapi_covers"
COVERED: set[tuple[str, str]] = set()


def covers(*operations: tuple[str, str]) -> Callable[[FuncT], FuncT]:
    """Declare the (path, verb) whose success a test validates; `checked` holds it to that."""

    def mark(test: FuncT) -> FuncT:
        setattr(test, _COVERS, set(operations))
        COVERED.update(operations)
        return test

    return mark


@pytest.fixture
def checked(
    hpc_server: Any, jp_fetch: Any, jp_base_url: str, openapi: OpenAPI, request: Any
) -> Call:
    """Call /hpc/api/..., check the status, and validate request and response against the spec.

    `request_valid=False` is for calls that send a request the spec forbids on purpose (to
    see the error): then only the response is validated.
    """
    spec_paths = [(path, template_regex(path)) for path in load_spec()["paths"]]
    declared: set[tuple[str, str]] = getattr(request.function, _COVERS, set())

    async def call(
        path: str,
        *,
        status: int,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        request_valid: bool = True,
    ) -> HTTPResponse:
        headers = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        response: HTTPResponse = await jp_fetch(
            "hpc/api",
            path,
            method=method,
            body=body,
            headers=headers,
            params=params,
            raise_error=False,
        )
        assert response.code == status, response.body
        openapi_request = TornadoOpenAPIRequest(response.request, jp_base_url)
        matches = [t for t, regex in spec_paths if regex.fullmatch(openapi_request.path)]
        # OpenAPI: a concrete path wins over a templated one (`jobs/check` over `jobs/{job_id}`).
        fewest = min((t.count("{") for t in matches), default=0)
        matches = [t for t in matches if t.count("{") == fewest]
        assert len(matches) == 1, (openapi_request.path, matches)
        if status < 300:
            assert (matches[0], openapi_request.method) in declared, "add it to @covers"
        if request_valid:
            openapi.validate_request(openapi_request)
        validate_response(openapi, openapi_request, TornadoOpenAPIResponse(response))
        return response

    return call


def data(response: HTTPResponse) -> Any:
    return json.loads(response.body)


async def submit(api: Any, script: str, **fields: Any) -> dict[str, Any]:
    job: dict[str, Any] = await api(
        "facilities", "local", "jobs", method="POST", body={"script": script, **fields}
    )
    return job


async def wait_until_final(api: Any, job_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = await api("facilities", "local", "jobs", job_id)
        if job["state"] not in ("PENDING", "RUNNING", "COMPLETING"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']}"
        await asyncio.sleep(0.1)


# -- the spec itself ----------------------------------------------------------------------------


def test_spec_is_valid_openapi() -> None:
    spec = load_spec()

    validate_spec(spec)  # raises on any error

    assert spec["openapi"].startswith("3.")
    assert set(spec["components"]["securitySchemes"]) == {"jupyterToken", "kernelToken"}


def test_every_route_and_verb_of_the_code_is_in_the_spec_and_nothing_else() -> None:
    in_code = code_operations()
    in_spec = spec_operations(load_spec())

    assert sorted(in_code - in_spec) == [], "served but not in api/openapi.yaml"
    assert sorted(in_spec - in_code) == [], "in api/openapi.yaml but not served"


def test_path_parameters_have_the_route_patterns() -> None:
    spec = load_spec()
    parameters = spec["components"]["parameters"]
    for pattern, _handler in HANDLERS:
        for path, groups in route_paths(pattern).items():
            declared = {
                parameters[ref["$ref"].rsplit("/", 1)[1]]["name"]: parameters[
                    ref["$ref"].rsplit("/", 1)[1]
                ]
                for ref in spec["paths"][path].get("parameters", [])
            }
            assert set(declared) == set(groups), path
            for name, regex in groups.items():
                assert declared[name]["in"] == "path"
                # A job id is checked once decoded (`%00` passes the route's pattern): the spec
                # states that check, which the handler applies before any facility is asked.
                expected = JOB_ID_PATTERN if name == "job_id" else f"^{regex}$"
                assert declared[name]["schema"]["pattern"] == expected, (path, name)


def test_enums_and_models_match_the_code() -> None:
    schemas = load_spec()["components"]["schemas"]

    def fields(model: type) -> set[str]:
        return {field.name for field in dataclasses.fields(model)}

    assert schemas["JobState"]["enum"] == [state.value for state in JobState]
    assert schemas["Capability"]["enum"] == [cap.value for cap in Capability]
    assert schemas["FileEntry"]["properties"]["type"]["enum"] == [t.value for t in FileType]
    auth = schemas["Facility"]["properties"]["auth"]
    assert auth["properties"]["status"]["enum"] == [status.value for status in AuthStatus]
    assert set(auth["properties"]) == set(auth["required"]) == fields(AuthState)
    assert set(schemas["Error"]["properties"]["reason"]["enum"]) == {*ERRORS_BY_REASON, None}
    for name, model in [
        ("Job", Job),
        ("FileEntry", FileEntry),
        ("System", System),
        ("OutputChunk", OutputChunk),
        ("FileExcerpt", FileExcerpt),
        ("Staleness", Staleness),
        ("Facility", FacilityInfo),
        ("Efficiency", Efficiency),
        ("FacilityStatus", FacilityStatus),
        ("SystemHealth", SystemHealth),
        ("Notice", Notice),
        ("Allocation", Allocation),
        ("StatusSource", StatusSource),
        ("SubmitCheck", SubmitCheck),
        ("Partition", Partition),
        ("Submission", Submission),
    ]:
        assert set(schemas[name]["properties"]) == fields(model), name
        assert set(schemas[name]["required"]) == fields(model), name
    assert set(schemas["JobRequest"]["properties"]) == JOB_REQUEST_FIELDS
    assert set(schemas["JobList"]["properties"]) == fields(JobListing)  # `stale` only when stale
    assert schemas["Facility"]["properties"]["name"]["pattern"] == NAME_PATTERN.pattern
    for name, schema in schemas.items():
        if schema.get("type") == "object":
            assert schema.get("additionalProperties") is False, name


def test_every_operation_has_a_validated_success_test() -> None:
    assert sorted(spec_operations(load_spec()) - COVERED) == []


# -- successes, validated -----------------------------------------------------------------------

FACILITY = "/hpc/api/facilities/{facility}"
FILES = FACILITY + "/files"
JOBS = FACILITY + "/jobs"
JOB = JOBS + "/{job_id}"
LOCAL = "facilities/local"
OCTET = {"Content-Type": "application/octet-stream"}
LOGIN = FACILITY + "/login"


@covers(("/hpc/api/info", "get"), ("/hpc/api/facilities", "get"), (FACILITY, "get"))
async def test_info_and_facilities(checked: Call) -> None:
    info = data(await checked("info", status=200))
    facilities = data(await checked("facilities", status=200))
    local = data(await checked(LOCAL, status=200))

    assert info["api_version"] == 1
    assert [f["name"] for f in facilities["facilities"]] == ["local"]
    assert local == facilities["facilities"][0]
    assert local["default_system"] == "localhost"


@covers(("/hpc/api/kernels/{kernel_id}/notebook", "get"))
async def test_a_kernels_notebook(checked: Call, jp_fetch: Any, hpc_server: Any) -> None:
    session = {"path": "runs/fit.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    started = await jp_fetch("api", "sessions", method="POST", body=json.dumps(session))
    kernel_id = data(started)["kernel"]["id"]
    try:
        found = data(await checked(f"kernels/{kernel_id}/notebook", status=200))
        unknown = data(await checked("kernels/0b6a1c2e-none/notebook", status=404))
        bad = data(await checked("kernels/a%20b/notebook", status=400, request_valid=False))
    finally:
        await hpc_server.kernel_manager.shutdown_kernel(kernel_id, now=True)

    assert found == {"notebook": "runs/fit.ipynb"}
    assert "runs no kernel 0b6a1c2e-none" in unknown["message"]
    assert "is not a kernel id" in bad["message"]


@covers((FILES, "get"), (FILES + "/stat", "get"))
async def test_list_and_stat(checked: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "run").mkdir()
    (jp_root_dir / "run" / "input.dat").write_bytes(b"12345")
    (jp_root_dir / "run" / "latest").symlink_to("input.dat")

    home = data(await checked(f"{LOCAL}/files", status=200))
    listing = data(await checked(f"{LOCAL}/files", params={"path": "run"}, status=200))
    entry = data(await checked(f"{LOCAL}/files/stat", params={"path": "run/input.dat"}, status=200))
    link = data(await checked(f"{LOCAL}/files/stat", params={"path": "run/latest"}, status=200))

    assert home["path"] == "."
    assert [e["name"] for e in home["entries"]] == ["run"]
    assert [e["name"] for e in listing["entries"]] == ["input.dat", "latest"]
    assert (entry["type"], entry["size"], entry["link_target"]) == ("file", 5, None)
    assert (link["type"], link["link_target"]) == ("link", "input.dat")


@covers((FILES + "/content", "get"), (FILES + "/content", "put"))
async def test_download_upload_and_ranges(checked: Call, jp_root_dir: Path) -> None:
    content = f"{LOCAL}/files/content"
    payload = bytes(range(256)) * 10

    put = await checked(
        content, method="PUT", params={"path": "blob.bin"}, body=payload, headers=OCTET, status=201
    )
    whole = await checked(content, params={"path": "blob.bin"}, status=200)
    part = await checked(
        content, params={"path": "blob.bin", "offset": 1000, "length": 100}, status=200
    )

    assert data(put)["size"] == len(payload)
    assert (jp_root_dir / "blob.bin").read_bytes() == payload
    assert whole.body == payload
    assert whole.headers["Content-Disposition"] == "attachment; filename*=UTF-8''blob.bin"
    assert part.body == payload[1000:1100]
    assert part.headers["Content-Length"] == "100"
    assert part.headers["Content-Type"] == "application/octet-stream"


@covers((FILES + "/content", "get"))
async def test_download_of_nothing_is_still_octet_stream(checked: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "empty.dat").write_bytes(b"")
    (jp_root_dir / "small.dat").write_bytes(b"abc")
    content = f"{LOCAL}/files/content"

    empty = await checked(content, params={"path": "empty.dat"}, status=200)
    past_end = await checked(content, params={"path": "small.dat", "offset": 10}, status=200)

    for response in (empty, past_end):
        assert response.body == b""
        assert response.headers["Content-Length"] == "0"
        assert response.headers["Content-Type"] == "application/octet-stream"


@covers(
    (FILES + "/mkdir", "post"),
    (FILES + "/copy", "post"),
    (FILES + "/move", "post"),
    (FILES + "/chmod", "post"),
    (FILES + "/delete", "post"),
)
async def test_file_operations(checked: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("alpha")

    def op(name: str, body: dict[str, Any], status: int) -> Awaitable[HTTPResponse]:
        return checked(f"{LOCAL}/files/{name}", method="POST", body=body, status=status)

    made = data(await op("mkdir", {"path": "out/deep", "parents": True}, 201))
    copied = data(await op("copy", {"source": "a.txt", "target": "out/b.txt"}, 201))
    moved = data(await op("move", {"source": "out/b.txt", "target": "out/deep/c.txt"}, 200))
    changed = data(await op("chmod", {"path": "out/deep/c.txt", "mode": "600"}, 200))
    deleted = await op("delete", {"path": "out", "recursive": True}, 204)

    assert (made["path"], made["type"]) == ("out/deep", "directory")
    assert copied["path"] == "out/b.txt"
    assert moved["path"] == "out/deep/c.txt"
    assert changed["permissions"] == "-rw-------"
    assert deleted.body == b""
    assert not (jp_root_dir / "out").exists()
    assert (jp_root_dir / "a.txt").read_text() == "alpha"


@covers((FILES + "/head", "get"), (FILES + "/tail", "get"), (FILES + "/checksum", "get"))
async def test_head_tail_and_checksum(checked: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "log.txt").write_text("".join(f"line {n}\n" for n in range(1, 21)))

    head = data(await checked(f"{LOCAL}/files/head", params={"path": "log.txt"}, status=200))
    tail = data(
        await checked(f"{LOCAL}/files/tail", params={"path": "log.txt", "lines": 2}, status=200)
    )
    digest = data(await checked(f"{LOCAL}/files/checksum", params={"path": "log.txt"}, status=200))

    assert (head["lines"], head["truncated"]) == (10, False)
    assert head["data"].startswith("line 1\n") and head["data"].endswith("line 10\n")
    assert tail == {"data": "line 19\nline 20\n", "lines": 2, "truncated": False}
    content = (jp_root_dir / "log.txt").read_bytes()
    assert digest == {"algorithm": "sha256", "checksum": hashlib.sha256(content).hexdigest()}


@covers((FILES + "/chown", "post"))
async def test_chown(checked: Call, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("alpha")
    group = grp.getgrgid(os.getegid()).gr_name  # one's own group: allowed without root

    changed = data(
        await checked(
            f"{LOCAL}/files/chown",
            method="POST",
            body={"path": "a.txt", "group": group},
            status=200,
        )
    )

    assert (changed["path"], changed["group"]) == ("a.txt", group)


@covers((FACILITY + "/partitions", "get"))
async def test_partitions(checked: Call) -> None:
    listing = data(await checked(f"{LOCAL}/partitions", status=200))
    assert listing == {
        "partitions": [
            {"name": "local", "default": True, "state": "UP", "max_time": None, "nodes": 1}
        ]
    }


@covers((FACILITY + "/status", "get"))
async def test_status_of_the_local_facility(checked: Call) -> None:
    status = data(await checked(f"{LOCAL}/status", status=200))
    again = data(await checked(f"{LOCAL}/status", params={"refresh": "true"}, status=200))

    (machine,) = status["systems"]
    # Up, or degraded when the tests themselves load it (pytest -n 4 on two CPUs): its health
    # is this machine's own.
    assert machine["name"] == "localhost" and machine["health"] in ("up", "degraded")
    problems = ("very busy", "nearly used up", "nearly full")
    assert (machine["health"] == "degraded") == any(p in machine["message"] for p in problems)
    assert "CPU" in machine["message"] and "memory available" in machine["message"]
    assert [p["name"] for p in status["partitions"]] == ["local"]
    # The local facility has no maintenance and no allocations: absent, not empty.
    assert status["notices"] is None and status["allocations"] is None
    assert [(s["part"], s["error"]) for s in status["sources"]] == [
        ("systems", None),
        ("partitions", None),
    ]
    assert again["sources"][0]["fetched_at"] >= status["sources"][0]["fetched_at"]


@covers((JOBS + "/check", "post"))
async def test_check_a_request_before_submitting(checked: Call) -> None:
    script = "#!/bin/bash\n#SBATCH --time=2:00:00\n#SBATCH -N 1\ntrue\n"
    verdict = data(
        await checked(f"{LOCAL}/jobs/check", method="POST", body={"script": script}, status=200)
    )
    busy = [w for w in verdict["warnings"] if w["code"] == "system_degraded"]  # this machine's
    verdict["warnings"] = [w for w in verdict["warnings"] if w not in busy]
    assert verdict == {
        "node_hours": 2.0,
        "charge": None,
        "unit": None,
        "allocation": None,
        "warnings": [],
    }
    wide = data(
        await checked(
            f"{LOCAL}/jobs/check",
            method="POST",
            body={"script": script, "partition": "gpu"},
            status=200,
        )
    )
    assert [w["code"] for w in wide["warnings"] if w not in busy] == ["unknown_partition"]
    assert "no partition gpu (it has: local)" in wide["warnings"][0]["message"]


@covers((JOBS, "post"), (JOBS, "get"), (JOB, "get"), (JOB + "/output", "get"))
async def test_submit_list_get_and_follow_output(checked: Call, api: Any) -> None:
    body = {
        "script": "#!/bin/bash\necho hello\necho oops >&2\n",
        "name": "hello",
        "time_limit": 60,
        "env": {"GREETING": "hi"},
        "stderr": "hello-%j.err",
    }
    key = {"Idempotency-Key": "test-openapi-1"}

    first = data(await checked(f"{LOCAL}/jobs", method="POST", body=body, headers=key, status=201))
    again = data(await checked(f"{LOCAL}/jobs", method="POST", body=body, headers=key, status=201))
    done = await wait_until_final(api, first["id"])
    job = f"{LOCAL}/jobs/{first['id']}"
    listing = data(await checked(f"{LOCAL}/jobs", status=200))
    described = data(await checked(job, status=200))
    out = data(await checked(f"{job}/output", status=200))
    err = data(
        await checked(
            f"{job}/output", params={"stream": "stderr", "offset": 0, "length": 2}, status=200
        )
    )

    assert again["id"] == first["id"]  # the same key submits once
    assert first["name"] == "hello"
    assert done["state"] == "COMPLETED"
    assert [j["id"] for j in listing["jobs"]] == [first["id"]]
    assert described["exit_code"] == 0
    assert out == {"data": "hello\n", "offset": 6, "complete": True}
    assert err == {"data": "oo", "offset": 2, "complete": False}


@covers((JOBS, "post"), (JOB + "/submission", "get"))
async def test_a_jobs_submission_and_its_origin(checked: Call) -> None:
    origin = {"via": "magic", "notebook": "a/b.ipynb", "cell": "c1", "resubmit_of": "7"}
    body = {"script": "#!/bin/bash\necho hi\n", "name": "hi", "origin": origin}
    job = data(await checked(f"{LOCAL}/jobs", method="POST", body=body, status=201))

    submission = data(await checked(f"{LOCAL}/jobs/{job['id']}/submission", status=200))
    await checked(f"{LOCAL}/jobs/987654/submission", status=404)

    assert job["origin"] == origin
    assert submission["request"]["origin"] == origin
    assert submission["recorded"] is True


@covers((JOBS, "get"))
async def test_a_failing_listing_is_an_error_then_stale(
    checked: Call, api: Any, hpc_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A facility whose listings fail: first with no good listing, then after one
    backend = hpc_app.registry.get("local").jobs
    real_list_jobs = backend.list_jobs
    down = True

    async def list_jobs(system: str) -> Any:
        if down:
            raise Unavailable("The facility cannot be reached.")
        return await real_list_jobs(system)

    monkeypatch.setattr(backend, "list_jobs", list_jobs)
    error = data(await checked(f"{LOCAL}/jobs", status=502))
    down = False
    await submit(api, "sleep 30\n")
    fresh = data(await checked(f"{LOCAL}/jobs", status=200))
    down = True
    deadline = time.monotonic() + 10
    while "stale" not in (listing := data(await checked(f"{LOCAL}/jobs", status=200))):
        assert time.monotonic() < deadline, listing
        await asyncio.sleep(0.1)

    assert error == {"message": "The facility cannot be reached.", "reason": "unavailable"}
    assert "stale" not in fresh
    assert [j["id"] for j in listing["jobs"]] == [j["id"] for j in fresh["jobs"]]
    assert listing["stale"]["reason"] == "unavailable"


@covers((JOB, "delete"))
async def test_cancel(checked: Call, api: Any) -> None:
    job = await submit(api, "#!/bin/bash\nsleep 60\n")

    cancelled = data(await checked(f"{LOCAL}/jobs/{job['id']}", method="DELETE", status=200))

    assert cancelled["state"] == "CANCELLED"
    assert cancelled["end_time"] is not None


class RequeueingJobs(LocalJobs):
    """Local jobs that "requeue" by answering the job as it is: a stand-in for the response
    shape only (tests/slurm/test_job_control.py requeues on a real Slurm)."""

    capabilities = LocalJobs.capabilities | {Capability.JOBS_REQUEUE}

    async def requeue(self, system: str, job_id: str) -> Job:
        return await self.get_job(system, job_id)


class OneSlotFacility(LocalFacility):
    """The local facility with one job slot, so a second job stays pending; it requeues."""

    def __init__(self, name: str, root: Path, data_dir: Path, max_running: int) -> None:
        super().__init__(name, root, data_dir, max_running)
        self._jobs = RequeueingJobs(name, "localhost", RootedPaths(root), data_dir, 1)


class TestJobControl:
    """Hold, release and requeue, with a job running and one waiting behind it."""

    @pytest.fixture
    def hpc_facilities(self, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
        monkeypatch.setattr("hpc_jupyter.app.discover_backends", lambda: {"local": OneSlotFacility})
        return {"local": {"kind": "local"}}

    @covers((JOB + "/hold", "post"), (JOB + "/release", "post"), (JOB + "/requeue", "post"))
    async def test_hold_release_requeue(self, checked: Call, api: Any) -> None:
        # Given a running job and a job waiting for its slot
        running = await submit(api, "#!/bin/bash\nsleep 60\n")
        waiting = await submit(api, "#!/bin/bash\necho ran\n")
        try:
            # When the waiting job is held, the running one ends, and the held one is released
            held = data(
                await checked(
                    f"{LOCAL}/jobs/{waiting['id']}/hold", method="POST", body="", status=200
                )
            )
            still_running = data(
                await checked(
                    f"{LOCAL}/jobs/{running['id']}/hold", method="POST", body="", status=409
                )
            )
            requeued = data(
                await checked(
                    f"{LOCAL}/jobs/{running['id']}/requeue", method="POST", body="", status=200
                )
            )
            await api("facilities", "local", "jobs", running["id"], method="DELETE")
            await asyncio.sleep(1.0)  # the slot is free: a held job must not take it
            while_held = await api("facilities", "local", "jobs", waiting["id"])
            released = data(
                await checked(
                    f"{LOCAL}/jobs/{waiting['id']}/release", method="POST", body="", status=200
                )
            )
            not_held = data(
                await checked(
                    f"{LOCAL}/jobs/{waiting['id']}/release", method="POST", body="", status=409
                )
            )
            done = await wait_until_final(api, waiting["id"])
        finally:
            for job in (running, waiting):
                with contextlib.suppress(Exception):
                    await api("facilities", "local", "jobs", job["id"], method="DELETE")

        # Then the held job waited while the slot was free, and ran once released
        assert (held["state"], held["reason"]) == ("PENDING", "JobHeldUser")
        assert still_running["reason"] == "conflict"
        assert "only a pending job can be held" in still_running["message"]
        assert requeued["id"] == running["id"]
        assert (while_held["state"], while_held["reason"]) == ("PENDING", "JobHeldUser")
        assert released["reason"] != "JobHeldUser"
        assert not_held["reason"] == "conflict" and "not held" in not_held["message"]
        assert done["state"] == "COMPLETED"


async def test_requeue_is_400_where_the_facility_cannot(checked: Call, api: Any) -> None:
    job = await submit(api, "#!/bin/bash\nsleep 60\n")

    refused = data(
        await checked(f"{LOCAL}/jobs/{job['id']}/requeue", method="POST", body="", status=400)
    )
    await api("facilities", "local", "jobs", job["id"], method="DELETE")

    assert refused["reason"] == "not_supported"
    assert "requeue" in refused["message"]


class TestLogin:
    """A facility whose token comes from a device login at a real IdP (nanoidp)."""

    @pytest.fixture
    def hpc_facilities(self, nanoidp: NanoIdp) -> dict[str, Any]:
        unused = "http://127.0.0.1:9"  # the login routes never call the facility itself
        return {
            "local": {"kind": "local"},
            "alps": {"kind": "firecrest", "url": unused, "token": nanoidp.login_config()},
        }

    @covers((LOGIN, "get"), (LOGIN, "post"), (LOGIN, "delete"))
    async def test_login_start_status_logout(self, checked: Call, nanoidp: NanoIdp) -> None:
        before = data(await checked("facilities/alps/login", status=200))
        started = data(await checked("facilities/alps/login", method="POST", body="", status=200))
        pending = data(await checked("facilities/alps/login", status=200))
        code = data(
            await checked(
                "facilities/alps/login/code", method="POST", body={"code": "x"}, status=400
            )
        )
        out = data(await checked("facilities/alps/login", method="DELETE", status=200))
        local = data(await checked("facilities/local/login", status=400))

        assert before["state"] == "logged_out" and out["state"] == "logged_out"
        assert started["state"] == pending["state"] == "pending"
        assert pending["user_code"] == started["user_code"]
        assert code["reason"] == "not_supported" and local["reason"] == "not_supported"


class TestGlobusLogin:
    """An IRI facility whose Globus login the user makes; the IRI double plays Globus Auth."""

    @pytest.fixture
    def iri(self, tmp_path: Path, jp_asyncio_loop: Any) -> Iterator[FakeIRI]:
        (tmp_path / "storage").mkdir()
        double = FakeIRI(root=tmp_path / "storage")
        server = jp_asyncio_loop.run_until_complete(start_iri(double))
        yield double
        server.stop()
        jp_asyncio_loop.run_until_complete(server.close_all_connections())

    @pytest.fixture
    def hpc_facilities(self, iri: FakeIRI, tmp_path: Path) -> dict[str, Any]:
        auth = {
            "client_id": IRI_CLIENT_ID,
            "auth_url": iri.url + "/auth",
            "token_file": str(tmp_path / "tokens.json"),
            "login": {"flow": "globus", "scopes": ["iri"]},
        }
        iri_url = iri.url + "/api/v1"
        options = {"url": iri_url, "compute_resource": "c", "storage_resource": "s"}
        return {"local": {"kind": "local"}, "alcf": {"kind": "iri", **options, "auth": auth}}

    @covers((LOGIN, "post"), (LOGIN + "/code", "post"))
    async def test_login_with_a_pasted_code(self, checked: Call) -> None:
        started = data(await checked("facilities/alcf/login", method="POST", body="", status=200))
        async with httpx.AsyncClient() as client:
            page = (await client.get(started["authorize_url"])).text
        code = page.split("<code>")[1].split("</code>")[0]
        done = data(
            await checked(
                "facilities/alcf/login/code", method="POST", body={"code": code}, status=200
            )
        )
        again = data(
            await checked(
                "facilities/alcf/login/code", method="POST", body={"code": code}, status=409
            )
        )

        assert started["state"] == "pending" and started["authorize_url"]
        assert done["state"] == "logged_in" and done["authorize_url"] is None
        assert again["reason"] == "conflict"


# -- errors, validated --------------------------------------------------------------------------


async def test_unknown_facility_is_404_on_every_facility_route(checked: Call) -> None:
    for path in [
        "facilities/nowhere",
        "facilities/nowhere/files",
        "facilities/nowhere/jobs",
        "facilities/nowhere/jobs/1/output",
        "facilities/nowhere/login",
    ]:
        error = data(await checked(path, status=404))

        assert error["reason"] == "not_found"
        assert "nowhere" in error["message"]


async def test_unknown_system_file_and_job_are_404(checked: Call) -> None:
    system = data(await checked(f"{LOCAL}/jobs", params={"system": "mars"}, status=404))
    file = data(await checked(f"{LOCAL}/files/stat", params={"path": "nothing"}, status=404))
    job = data(await checked(f"{LOCAL}/jobs/424242", status=404))

    assert "mars" in system["message"]
    assert file["reason"] == job["reason"] == "not_found"


async def test_bad_bodies_and_arguments_are_400(checked: Call) -> None:
    # These requests break the spec on purpose: only the answers are validated.
    def bad(path: str, **kwargs: Any) -> Awaitable[HTTPResponse]:
        return checked(path, status=400, request_valid=False, **kwargs)

    unknown_field = data(
        await bad(f"{LOCAL}/jobs", method="POST", body={"script": "x", "cores": 4})
    )
    not_json = data(
        await bad(
            f"{LOCAL}/jobs",
            method="POST",
            body="{not json",
            headers={"Content-Type": "application/json"},
        )
    )
    no_path = data(await bad(f"{LOCAL}/files/mkdir", method="POST", body={"parents": True}))
    bad_stream = data(await bad(f"{LOCAL}/jobs/1/output", params={"stream": "stdin"}))

    assert "cores" in unknown_field["message"]
    assert "JSON" in not_json["message"]
    assert "'path'" in no_path["message"]
    assert "stream" in bad_stream["message"]
    for error in (unknown_field, not_json, no_path, bad_stream):
        assert error["reason"] == "bad_request"


async def test_path_outside_the_root_is_403(checked: Call) -> None:
    for path, params in [
        (f"{LOCAL}/files", {"path": ".."}),
        (f"{LOCAL}/files/stat", {"path": "/etc/passwd"}),
        (f"{LOCAL}/files/content", {"path": "../secret"}),
    ]:
        error = data(await checked(path, params=params, status=403))

        assert error["reason"] == "forbidden"
        assert "outside" in error["message"]


async def test_conflicts_are_409(checked: Call, api: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    (jp_root_dir / "b.txt").write_text("b")
    job = await submit(api, "#!/bin/bash\ntrue\n")
    await wait_until_final(api, job["id"])

    cancel = data(await checked(f"{LOCAL}/jobs/{job['id']}", method="DELETE", status=409))
    move = data(
        await checked(
            f"{LOCAL}/files/move",
            method="POST",
            body={"source": "a.txt", "target": "b.txt"},
            status=409,
        )
    )

    assert cancel["reason"] == move["reason"] == "conflict"
    assert "already ended" in cancel["message"]
    assert (jp_root_dir / "b.txt").read_text() == "b"


async def test_jupyter_own_403_body_matches_the_error_schema(
    hpc_server: Any, http_server_client: Any, jp_base_url: str, openapi: OpenAPI
) -> None:
    # No credential at all: the error comes from Jupyter itself, with reason null.
    response = await http_server_client.fetch(
        jp_base_url + "hpc/api/facilities/local", raise_error=False
    )

    assert response.code == 403
    assert data(response)["reason"] is None
    validate_response(
        openapi,
        TornadoOpenAPIRequest(response.request, jp_base_url),
        TornadoOpenAPIResponse(response),
    )


@covers((FACILITY, "get"))
async def test_the_validation_catches_drift(
    checked: Call, jp_base_url: str, openapi: OpenAPI
) -> None:
    # Given a real, valid exchange...
    response = await checked(LOCAL, status=200)
    request = TornadoOpenAPIRequest(response.request, jp_base_url)
    facility = data(response)

    # ...an extra field, a missing one, a wrong type or value, or no credential is caught.
    for changed in [
        {**facility, "token": "x"},
        {k: v for k, v in facility.items() if k != "kind"},
        {**facility, "poll_interval": "1s"},
        {**facility, "capabilities": ["files.teleport"]},
    ]:
        tampered = TornadoOpenAPIResponse(response)
        tampered.data = json.dumps(changed).encode()
        with pytest.raises(OpenAPIError):
            openapi.validate_response(request, tampered)
    request.parameters = RequestParameters(query=request.parameters.query)
    with pytest.raises(SecurityValidationError):
        openapi.validate_request(request)
