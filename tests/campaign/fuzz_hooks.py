"""Schemathesis hooks for the fuzz campaign: defuse job scripts, aim at things that exist.

Loaded by `st run` through `SCHEMATHESIS_HOOKS=fuzz_hooks` (see test_fuzz.py). The server under
test runs the local facility in a temporary root: every script it is given really runs, so
before each call a submitted script is cut down to its comments (the `#SBATCH` directives
included, which is what the server parses) and the environment variables that make bash run
code of its own (BASH_ENV, LD_PRELOAD, exported functions, PATH) are dropped. Nothing else of
the request is changed: the server still sees every odd value the fuzzer draws.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import schemathesis
from hypothesis import strategies as st

# Values the fuzzer's requests should use often: names the fixture seeds into the root, and a
# dictionary of inputs that broke the server before (issue 11), so that two minutes of fuzzing
# reach them every time rather than by luck.
FACILITY = "local"
PATHS = [
    "a.txt",
    "dir",
    "dir/b.txt",
    ".",
    "..",
    "dir/..",
    "missing.txt",
    "/",
    "a.txt ",  # a trailing space is part of the name
    " a.txt",
    "a.txt\x00",  # a NUL is a 400
    "x" * 300,  # a name beyond NAME_MAX
    "d/" * 2100,  # a path beyond PATH_MAX
    "dir/" + "é" * 200,  # 400 bytes in 200 characters
]
JOB_IDS = ["1", "2", "3", "0", "999999", "²", "\uff11", "1 ", "99999999999999999999"]
NUMBERS = ["0", "1", str(2**63), str(2**64), "²", "-1"]
NUMBER_KEYS = ("offset", "length", "lines")

_RUNS_CODE = re.compile(r"^(BASH_ENV|ENV|SHELLOPTS|BASHOPTS|PATH|PS4|IFS|LD_.*|BASH_FUNC_.*)$")
_SUBMIT_PATH = re.compile(r".*/jobs$")


def defuse_script(script: Any) -> Any:
    """The script's comment lines only (`#!`, `#SBATCH`, `# ...`): bash runs none of them."""
    if not isinstance(script, str):
        return script  # a wrong type is the server's to refuse, and nothing runs
    comments = [line for line in script.split("\n") if line.startswith("#")]
    # bash ends a comment at "\n" only, so every kept line is a comment to its end; the
    # shebang is replaced so that no interpreter named by the fuzzer is ever started.
    kept = [line for line in comments if not line.startswith("#!")]
    return "\n".join(["#!/bin/bash", *kept, ""])


def defuse_env(env: Any) -> Any:
    if not isinstance(env, dict):
        return env
    return {key: value for key, value in env.items() if not _RUNS_CODE.match(str(key))}


def defuse(body: Any) -> Any:
    """A submit request's body with nothing left that could run."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    if "script" in body:
        body["script"] = defuse_script(body["script"])
    if "env" in body:
        body["env"] = defuse_env(body["env"])
    return body


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    """Every phase (examples, coverage, fuzzing, stateful) sends through here."""
    if case.method.upper() == "POST" and _SUBMIT_PATH.match(case.path):
        case.body = defuse(case.body)


def _with(mapping: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    return {**mapping, key: value}


def _known(mapping: Any, key: str, values: list[str]) -> st.SearchStrategy[Any]:
    """The drawn mapping, with `key` (when present) replaced by one of `values`."""
    # Named functions, not lambdas: Hypothesis reads a lambda's source to describe it.
    if not isinstance(mapping, dict) or key not in mapping:
        return st.just(mapping)
    return st.sampled_from(values).map(partial(_with, mapping, key))


def _runnable(body: dict[str, Any]) -> dict[str, Any]:
    """A submission the local facility can take: the fields it refuses on one machine dropped."""
    return {
        key: value for key, value in body.items() if key in ("script", "name", "env", "time_limit")
    }


@schemathesis.hook
def flatmap_path_parameters(context: Any, parameters: Any) -> st.SearchStrategy[Any]:
    # An unknown facility is one short 404: spend most of the budget on the one that exists.
    if not isinstance(parameters, dict) or "facility" not in parameters:
        return st.just(parameters)
    local = _with(parameters, "facility", FACILITY)
    return st.one_of(st.just(parameters), st.just(local), _known(local, "job_id", JOB_IDS))


def _known_numbers(query: Any) -> st.SearchStrategy[Any]:
    strategy: st.SearchStrategy[Any] = st.just(query)
    for key in NUMBER_KEYS:
        strategy = strategy.flatmap(partial(_known, key=key, values=NUMBERS))
    return strategy


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    known_path = _known(query, "path", PATHS)
    return st.one_of(st.just(query), known_path, known_path.flatmap(_known_numbers))


def _known_source(body: Any) -> st.SearchStrategy[Any]:
    return _known(body, "source", PATHS)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    choices = [st.just(body), _known(body, "path", PATHS).flatmap(_known_source)]
    if isinstance(body, dict) and isinstance(body.get("script"), str):
        choices.append(st.just(_runnable(body)))  # so that jobs exist for the later calls
    return st.one_of(*choices)
