"""What the server and its clients agree on beside the schemas: API version, header, event id.

Both sides import it (it imports nothing); `labextension/src/protocol.ts` is its TypeScript twin,
and `tests/test_protocol.py` holds the two, the spec and the event schema to the same values.
"""

from __future__ import annotations

API_VERSION = 1
"""The REST API's version (`api_version` of GET /hpc/api/info); it changes only on incompatible
changes, and a client refuses a server that speaks another."""

KERNEL_TOKEN_HEADER = "X-HPC-Kernel-Token"  # noqa: S105 - a header name
"""The header that carries the kernel token; only the /hpc/api routes accept it."""

KERNEL_ID = r"[A-Za-z0-9_-]{1,128}"
"""What a kernel id is (jupyter_server names kernels by UUIDs): the kernel reads its own from
its connection file's name (`kernel-<id>.json`), the server refuses any other with a 400."""

JOB_STATE_EVENT = "https://hpc-jupyter.github.io/events/job_state/v1"
"""The schema id of job state events (`event_schemas/job_state/v1.yaml`)."""
