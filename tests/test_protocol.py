"""The constants both sides share are the same in Python, in TypeScript and in the schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from hpc_jupyter import protocol

ROOT = Path(__file__).resolve().parents[1]


def typescript_constants() -> dict[str, object]:
    """The `export const NAME = value;` of labextension/src/protocol.ts, as JSON values."""
    source = (ROOT / "labextension" / "src" / "protocol.ts").read_text()
    found = re.findall(r"export const (\w+) =\s*([^;]+);", source)
    return {name: json.loads(value.strip().replace("'", '"')) for name, value in found}


def test_the_labextension_speaks_the_servers_version_and_event_id() -> None:
    assert typescript_constants() == {
        "API_VERSION": protocol.API_VERSION,
        "JOB_STATE_EVENT": protocol.JOB_STATE_EVENT,
    }


def test_the_event_schema_has_the_shared_id() -> None:
    schema = yaml.safe_load(
        (ROOT / "hpc_jupyter" / "event_schemas" / "job_state" / "v1.yaml").read_text()
    )

    assert schema["$id"] == protocol.JOB_STATE_EVENT


def test_the_spec_names_the_kernel_header() -> None:
    spec = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())

    assert spec["components"]["securitySchemes"]["kernelToken"]["name"] == (
        protocol.KERNEL_TOKEN_HEADER
    )
