"""A small in-memory stand-in for the hpc-jupyter REST API, for kernel-side unit tests.

It speaks the contract (paths, JSON shapes, error bodies) as an httpx transport, so the real
`HPCClient` runs against it. Every exchange is checked against api/openapi.yaml, the client's
request and the fake's answer alike; what breaks it lands in `problems`, which the tests'
fixtures hold empty. Unlike `httpx.MockTransport` it does not read request bodies
up front: uploads are consumed chunk by chunk, as a server would.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from tests.spec_validation import HttpxRequest, HttpxResponse, exchange_violations

BASE = "http://hpc.test/base%40lab/"
TOKEN = "kernel-secret-token-123"
HOME = "/home/ada"
OCTETS = "application/octet-stream"


def _rwx(mode: int) -> str:
    """`ls -l`'s nine permission letters of `mode` (`0o640` is `rw-r-----`)."""
    return "".join(letter if mode & (1 << (8 - i)) else "-" for i, letter in enumerate("rwxrwxrwx"))


@dataclass
class Seen:
    """One request as the fake server received it."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any = None
    body_chunks: list[int] = field(default_factory=list)


@dataclass
class FakeJob:
    data: dict[str, Any]
    states: list[str]
    stdout: str = ""
    stderr: str = ""
    script: str = ""
    """The batch script it was submitted with (the API does not send it back)."""


class _Generated(httpx.SyncByteStream):
    """`size` bytes made on the fly, optionally breaking off after `fail_after` bytes."""

    def __init__(self, size: int, fail_after: int | None = None) -> None:
        self.size = size
        self.fail_after = fail_after

    def __iter__(self) -> Iterator[bytes]:
        block = bytes(range(256)) * 1024  # 256 KiB
        sent = 0
        while sent < self.size:
            if self.fail_after is not None and sent >= self.fail_after:
                raise httpx.ReadError("connection reset by peer")
            chunk = block[: min(len(block), self.size - sent)]
            sent += len(chunk)
            yield chunk


class FakeHPCServer(httpx.BaseTransport):
    """Facilities `alps` (systems daint, eiger) and `local`, with files and jobs in memory."""

    def __init__(self, token: str | None = TOKEN, api_version: int = 1) -> None:
        self.token = token
        self.api_version = api_version
        self.seen: list[Seen] = []
        self.problems: list[str] = []
        """What broke api/openapi.yaml, in a request of the client or an answer of this fake."""
        self._off_spec: set[int] = set()
        self.files: dict[str, bytes | None] = {HOME: None, f"{HOME}/notes.txt": b"hello\n"}
        self.generated: dict[str, tuple[int, int | None]] = {}
        self.upload_digests: dict[str, tuple[int, str]] = {}
        self.keep_uploads = True
        self.jobs: dict[str, FakeJob] = {}
        self.jobs_stale: dict[str, Any] | None = None
        """The `stale` object of job listings (the spec's `Staleness`); None: fresh listings."""
        self.by_key: dict[str, str] = {}
        self.next_id = 100
        self.output_chunk = 5
        self.disconnect_next: list[str] = []  # "before" or "after" (the server saw it)
        self.fail: dict[tuple[str, str], tuple[int, Any]] = {}
        self.facilities: dict[str, dict[str, Any]] = {
            "alps": {
                "name": "alps",
                "kind": "firecrest",
                "default_system": "daint",
                "systems": [
                    {"name": "daint", "status": "available", "default": True, "home": HOME},
                    {"name": "eiger", "status": "maintenance", "default": False, "home": HOME},
                ],
                "capabilities": ["files.read", "files.write", "jobs.submit", "jobs.list"],
                "auth": {"status": "ok", "message": None},
                "poll_interval": 2.0,
                "python": "python3",
            },
            "local": {
                "name": "local",
                "kind": "local",
                "default_system": "local",
                "systems": [
                    {"name": "local", "status": "available", "default": True, "home": HOME}
                ],
                "capabilities": ["files.read", "jobs.submit"],
                "auth": {"status": "none", "message": None},
                "poll_interval": 0.5,
                "python": None,
            },
        }

    # -- helpers for tests -----------------------------------------------------------------------

    def client_kwargs(self) -> dict[str, Any]:
        return {"url": BASE, "token": self.token, "transport": self}

    def add_job(self, states: list[str], out: str = "", err: str = "", **fields: Any) -> FakeJob:
        job_id = str(self.next_id)
        self.next_id += 1
        data = {
            "id": job_id,
            "name": fields.pop("name", "job"),
            "state": states[0],
            "raw_state": states[0],
            "facility": fields.pop("facility", "alps"),
            "system": fields.pop("system", "daint"),
            "user": "ada",
            "account": None,
            "partition": None,
            "nodes": None,
            "submit_time": time.time(),
            "start_time": None,
            "end_time": None,
            "time_limit": None,
            "exit_code": None,
            "workdir": None,
            "stdout": None,
            "stderr": None,
            "reason": None,
            "array_job_id": None,
            "array_task_id": None,
            "efficiency": None,
            "depends_on": [],
            "dependency": None,
            "origin": None,
            **fields,
        }
        job = FakeJob(data, list(states), out, err)
        self.jobs[job_id] = job
        return job

    def requests(self, method: str, suffix: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path.endswith(suffix)]

    # -- the transport ---------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._answer(request)
        prefix = httpx.URL(BASE).raw_path.decode()
        if request.url.raw_path.decode().startswith(prefix + "hpc/api/"):
            self._check(request, response, prefix)
        return response

    def _check(self, request: httpx.Request, response: httpx.Response, prefix: str) -> None:
        """Hold the exchange to api/openapi.yaml, unless a test made the answer off-spec."""
        if id(response) in self._off_spec:
            self._off_spec.discard(id(response))
            return
        streamed = isinstance(response.stream, _Generated)
        data = None if streamed else response.read() or None
        self.problems += exchange_violations(
            HttpxRequest(request, prefix, None if request.method == "PUT" else request.content),
            HttpxResponse(response, data),
            check_body=request.method != "PUT",  # an upload's body was streamed, chunk by chunk
            check_security=self.token is not None,
        )

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if self.disconnect_next and self.disconnect_next[0] == "before":
            self.disconnect_next.pop(0)
            raise httpx.ConnectError("connection refused")
        prefix = httpx.URL(BASE).raw_path.decode() + "hpc/api/"
        raw_path = request.url.raw_path.decode().split("?", 1)[0]
        if not raw_path.startswith(prefix):
            return httpx.Response(404, text="<html>404: Not Found</html>")
        path = raw_path[len(prefix) :]
        seen = Seen(
            request.method,
            path,
            dict(request.url.params),
            {k.lower(): v for k, v in request.headers.items()},
        )
        self.seen.append(seen)
        if self.token is not None and request.headers.get("X-HPC-Kernel-Token") != self.token:
            return httpx.Response(403, json={"message": "Forbidden", "reason": None})
        if request.method == "PUT":
            return self._upload(request, seen)
        body = request.read()
        seen.body = json.loads(body) if body else None
        response = self._route(request.method, [unquote(p) for p in path.split("/")], seen)
        if self.disconnect_next and self.disconnect_next[0] == "after":
            self.disconnect_next.pop(0)
            raise httpx.RemoteProtocolError("server disconnected without sending a response")
        return response

    def _error(self, status: int, reason: str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"message": message, "reason": reason})

    def _route(self, method: str, parts: list[str], seen: Seen) -> httpx.Response:
        key = (method, "/".join(parts))
        if key in self.fail:  # a test's own answer, off-spec on purpose or not
            status, body = self.fail[key]
            if isinstance(body, bytes):
                response = httpx.Response(status, content=body)
            else:
                response = httpx.Response(status, json=body)
            self._off_spec.add(id(response))
            return response
        if parts == ["info"]:
            return httpx.Response(200, json={"version": "0.1.0", "api_version": self.api_version})
        if parts == ["facilities"]:
            return httpx.Response(200, json={"facilities": list(self.facilities.values())})
        if len(parts) < 2 or parts[0] != "facilities":
            return self._error(404, "not_found", "No such route.")
        facility = self.facilities.get(parts[1])
        if facility is None:
            return self._error(404, "not_found", f"No facility {parts[1]!r}.")
        system = seen.params.get("system")
        if system is not None and system not in {s["name"] for s in facility["systems"]}:
            return self._error(404, "not_found", f"No system {system!r}.")
        rest = parts[2:]
        if not rest:
            return httpx.Response(200, json=facility)
        if rest[0] == "files":
            return self._files(method, rest[1:], seen)
        if rest[0] == "jobs":
            return self._jobs(method, rest[1:], seen, parts[1])
        return self._error(404, "not_found", "No such route.")

    # -- files -------------------------------------------------------------------------------------

    def _abs(self, path: str) -> str:
        return path if path.startswith("/") else f"{HOME}/{path}".rstrip("/")

    def _entry(self, path: str) -> dict[str, Any]:
        content = self.files.get(path)
        size = self.generated[path][0] if path in self.generated else len(content or b"")
        return {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "type": "directory" if path in self.files and content is None else "file",
            "size": size,
            "permissions": "drwxr-xr-x" if content is None else "-rw-r--r--",
            "user": "ada",
            "group": "users",
            "modified": 1_700_000_000.0,
            "link_target": None,
        }

    def _files(self, method: str, rest: list[str], seen: Seen) -> httpx.Response:
        params, body = seen.params, seen.body or {}
        if method == "GET" and not rest:
            path = self._abs(params.get("path", HOME))
            if path not in self.files:
                return self._error(404, "not_found", f"No such directory: {path}")
            children = sorted(p for p in self.files if p.rsplit("/", 1)[0] == path and p != path)
            return httpx.Response(
                200, json={"path": path, "entries": [self._entry(p) for p in children]}
            )
        if method == "GET" and rest == ["stat"]:
            path = self._abs(params["path"])
            if path not in self.files:
                return self._error(404, "not_found", f"No such file: {path}")
            return httpx.Response(200, json=self._entry(path))
        if method == "GET" and rest == ["content"]:
            path = self._abs(params["path"])
            offset = int(params.get("offset", "0"))
            if path in self.generated:
                size, fail_after = self.generated[path]
                return httpx.Response(
                    200,
                    headers={"Content-Length": str(size), "Content-Type": OCTETS},
                    stream=_Generated(size, fail_after),
                )
            content = self.files.get(path)
            if content is None:
                return self._error(404, "not_found", f"No such file: {path}")
            end = offset + int(params["length"]) if "length" in params else None
            data = content[offset:end]
            return httpx.Response(200, content=data, headers={"Content-Type": OCTETS})
        if method == "POST" and rest == ["mkdir"]:
            path = self._abs(body["path"])
            if path in self.files:
                return self._error(409, "conflict", f"{path} exists.")
            self.files[path] = None
            return httpx.Response(201, json=self._entry(path))
        if method == "POST" and rest in (["move"], ["copy"]):
            source, target = self._abs(body["source"]), self._abs(body["target"])
            if source not in self.files:
                return self._error(404, "not_found", f"No such file: {source}")
            self.files[target] = self.files[source]
            if rest == ["move"]:
                del self.files[source]
            return httpx.Response(201 if rest == ["copy"] else 200, json=self._entry(target))
        if method == "POST" and rest == ["delete"]:
            path = self._abs(body["path"])
            if path not in self.files:
                return self._error(404, "not_found", f"No such file: {path}")
            del self.files[path]
            return httpx.Response(204)
        if method == "POST" and rest == ["chmod"]:
            path = self._abs(body["path"])
            entry = self._entry(path)
            entry["permissions"] = entry["permissions"][0] + _rwx(int(body["mode"], 8))
            return httpx.Response(200, json=entry)
        return self._error(404, "not_found", "No such route.")

    def _upload(self, request: httpx.Request, seen: Seen) -> httpx.Response:
        path = self._abs(seen.params["path"])
        digest = hashlib.sha256()
        kept: list[bytes] = []
        assert isinstance(request.stream, httpx.SyncByteStream)
        for chunk in request.stream:
            seen.body_chunks.append(len(chunk))
            digest.update(chunk)
            if self.keep_uploads:
                kept.append(chunk)
        size = sum(seen.body_chunks)
        self.upload_digests[path] = (size, digest.hexdigest())
        self.files[path] = b"".join(kept) if self.keep_uploads else b""
        entry = self._entry(path)
        entry["size"] = size
        return httpx.Response(201, json=entry)

    # -- jobs --------------------------------------------------------------------------------------

    def _job_action(self, job: FakeJob, action: str) -> httpx.Response:
        """Slurm's rules: hold a pending job, release a held one, requeue a running one."""
        state, held = job.data["state"], job.data["reason"] == "JobHeldUser"
        allowed = {
            "hold": state == "PENDING",
            "release": state == "PENDING" and held,
            "requeue": state == "RUNNING",
        }[action]
        if not allowed:
            return self._error(
                409, "conflict", f"Job {job.data['id']} is {state}: cannot {action}."
            )
        reason = "JobHeldUser" if action == "hold" else None
        job.states = ["PENDING"]
        job.data.update(state="PENDING", raw_state="PENDING", reason=reason)
        return httpx.Response(200, json=job.data)

    def _jobs(self, method: str, rest: list[str], seen: Seen, facility: str) -> httpx.Response:
        if not rest and method == "GET":
            listing: dict[str, Any] = {"jobs": [j.data for j in self.jobs.values()]}
            if self.jobs_stale is not None:  # `stale` is absent from a fresh listing
                listing["stale"] = self.jobs_stale
            return httpx.Response(200, json=listing)
        if not rest and method == "POST":
            body = seen.body or {}
            key = seen.headers.get("idempotency-key")
            if key is not None and key in self.by_key:
                return httpx.Response(201, json=self.jobs[self.by_key[key]].data)
            script = body.get("script")
            if not isinstance(script, str) or not script.strip():
                return self._error(400, "bad_request", "'script' is required.")
            fields = {k: v for k, v in body.items() if k not in ("script", "env")}
            new = self.add_job(
                ["PENDING", "RUNNING", "COMPLETED"],
                out=f"ran: {script.splitlines()[-1]}\n",
                facility=facility,
                system=seen.params.get("system", "daint"),
                **fields,
            )
            new.script = script
            if key is not None:
                self.by_key[key] = new.data["id"]
            return httpx.Response(201, json=new.data)
        job = self.jobs.get(rest[0])
        if job is None:
            return self._error(404, "not_found", f"No job {rest[0]!r}.")
        if len(rest) == 1 and method == "GET":
            if len(job.states) > 1:
                job.states.pop(0)
            job.data["state"] = job.data["raw_state"] = job.states[0]
            return httpx.Response(200, json=job.data)
        if len(rest) == 1 and method == "DELETE":
            if job.data["state"] in ("COMPLETED", "FAILED", "CANCELLED"):
                return self._error(409, "conflict", f"Job {rest[0]} has already ended.")
            job.states = ["CANCELLED"]
            job.data["state"] = job.data["raw_state"] = "CANCELLED"
            return httpx.Response(200, json=job.data)
        if len(rest) == 2 and rest[1] in ("hold", "release", "requeue") and method == "POST":
            return self._job_action(job, rest[1])
        if rest[1:] == ["output"] and method == "GET":
            text = job.stdout if seen.params.get("stream", "stdout") == "stdout" else job.stderr
            offset = int(seen.params.get("offset", "0"))
            data = text[offset : offset + self.output_chunk]
            end = offset + len(data)
            final = job.data["state"] in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")
            return httpx.Response(
                200, json={"data": data, "offset": end, "complete": final and end >= len(text)}
            )
        return self._error(404, "not_found", "No such route.")
