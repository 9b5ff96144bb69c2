"""A batch script as an IRI job spec: `#PBS` and `#SBATCH` directives, request fields, defaults."""

from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...errors import ValidationError
from ...models import JobRequest
from ...timefmt import parse_time_limit
from ..directives import parse_sbatch_directives
from .settings import IRISettings

_SHELLS = frozenset({"bash", "sh"})
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_MEMORY = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[kmgt]?)(?:i?b)?$", re.I)


@dataclass
class ScriptFields:
    """What a script's directives ask for, in one vocabulary for PBS and Slurm."""

    name: str | None = None
    queue: str | None = None
    account: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    workdir: str | None = None
    nodes: int | None = None
    duration: int | None = None
    memory: int | None = None
    filesystems: str | None = None


def memory_bytes(text: str, default_unit: str) -> int:
    """`4gb`, `4G`, `512MiB`, `1024` (in `default_unit`) as bytes."""
    match = _MEMORY.match(text.strip())
    if match is None:
        raise ValidationError(f"Memory {text!r} is not a size such as 4gb or 512M.")
    unit = (match.group("unit") or default_unit).lower()
    return int(match.group("n")) * _UNITS[unit]


def pbs_walltime(text: str) -> int:
    """PBS walltime: `[[HH:]MM:]SS` as seconds."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValidationError(f"Walltime {text!r} is not HH:MM:SS.")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    if seconds <= 0:
        raise ValidationError(f"Walltime {text!r} must be longer than zero.")
    return seconds


def parse_pbs_directives(script: str) -> ScriptFields:
    """The `#PBS` lines before the first command (`-N -q -A -o -e -l`), later ones winning."""
    fields = ScriptFields()
    for number, line in enumerate(script.splitlines(), start=1):
        stripped = line.strip()
        if number == 1 and stripped.startswith("#!"):
            continue
        if stripped and not stripped.startswith("#"):
            break
        if not stripped.startswith("#PBS"):
            continue
        try:
            words = shlex.split(stripped[len("#PBS") :].split(" #", 1)[0])
        except ValueError as err:
            raise ValidationError(f"Line {number} of the script: bad #PBS line ({err}).") from None
        while words:
            flag = words.pop(0)
            if flag not in ("-N", "-q", "-A", "-o", "-e", "-l"):
                if flag.startswith("-") and words and not words[0].startswith("-"):
                    words.pop(0)  # an option we do not read (-j oe, -m be, ...)
                continue
            if not words:
                raise ValidationError(f"Line {number} of the script: {flag} needs a value.")
            value = words.pop(0)
            if flag == "-l":
                _resources(value, fields)
            else:
                key = {"-N": "name", "-q": "queue", "-A": "account", "-o": "stdout", "-e": "stderr"}
                setattr(fields, key[flag], value)
    return fields


def _resources(value: str, fields: ScriptFields) -> None:
    for item in value.split(","):
        key, _, setting = item.partition("=")
        key = key.strip().lower()
        if key == "select":
            count = setting.split(":", 1)[0]
            fields.nodes = int(count) if count.isdigit() else fields.nodes
        elif key == "nodes" and setting.split(":", 1)[0].isdigit():
            fields.nodes = int(setting.split(":", 1)[0])
        elif key == "walltime":
            fields.duration = pbs_walltime(setting)
        elif key == "filesystems":
            fields.filesystems = setting
        elif key == "mem":
            fields.memory = memory_bytes(setting, "b")


def sbatch_fields(script: str) -> ScriptFields:
    """The `#SBATCH` lines of a script in the same vocabulary."""
    options = parse_sbatch_directives(script)
    nodes = options.get("nodes", "").split("-", 1)[0]
    return ScriptFields(
        name=options.get("job-name") or None,
        queue=options.get("partition") or None,
        account=options.get("account") or None,
        stdout=options.get("output") or None,
        stderr=options.get("error") or None,
        workdir=options.get("chdir") or None,
        nodes=int(nodes) if nodes.isdigit() else None,
        duration=parse_time_limit(options["time"]) if options.get("time") else None,
        memory=memory_bytes(options["mem"], "m") if options.get("mem") else None,
    )


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _check_shell(script: str) -> None:
    first = script.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("#!"):
        return
    words = first[2:].split()
    program = posixpath.basename(words[0]) if words else ""
    if program == "env" and len(words) > 1:
        program = words[1]
    if program not in _SHELLS:
        raise ValidationError(
            f"The script's interpreter is {program!r}; IRI jobs run the script with /bin/bash."
        )


def _name_for_file(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:64] or "job"


def job_spec(request: JobRequest, settings: IRISettings) -> dict[str, Any]:
    """The JobSpec to send: request fields first, then #PBS, then #SBATCH, then defaults."""
    _check_shell(request.script)
    pbs, slurm = parse_pbs_directives(request.script), sbatch_fields(request.script)
    name = _first(request.name, pbs.name, slurm.name) or "hpc-job"
    workdir = _first(request.workdir, pbs.workdir, slurm.workdir)
    if workdir is None and settings.home.startswith("/"):
        workdir = settings.home
    base = posixpath.join(workdir or settings.home, f"{_name_for_file(name)}-{int(time.time())}")
    filesystems = _first(pbs.filesystems, settings.filesystems)
    custom = {**settings.custom_attributes}
    if filesystems:
        custom["filesystems"] = filesystems
    resources = {
        "node_count": _first(request.nodes, pbs.nodes, slurm.nodes),
        "memory": _first(pbs.memory, slurm.memory),
    }
    attributes: dict[str, Any] = {
        "duration": _first(request.time_limit, pbs.duration, slurm.duration),
        "queue_name": _first(request.partition, pbs.queue, slurm.queue, settings.queue),
        "account": _first(request.account, pbs.account, slurm.account, settings.account),
    }
    if custom:
        attributes["custom_attributes"] = custom
    spec: dict[str, Any] = {
        "executable": "/bin/bash",
        "arguments": ["-c", request.script],
        "name": name,
        "directory": workdir,
        "environment": dict(request.env) or None,
        "stdout_path": _first(request.stdout, pbs.stdout, slurm.stdout) or base + ".out",
        "stderr_path": _first(request.stderr, pbs.stderr, slurm.stderr) or base + ".err",
        "resources": _dropped_none(resources),
        "attributes": _dropped_none(attributes),
    }
    return _dropped_none(spec)


def _dropped_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != {}}
