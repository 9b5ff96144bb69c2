"""scripts/check_auth.py passes on our routes and names every undecorated verb it is shown."""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from tornado import web

from hpc_jupyter.routes.base import HPCAPIHandler

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_auth.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_auth", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_auth = load_script()


class SloppyHandler(HPCAPIHandler):
    """Every way to get it wrong, one verb each."""

    async def get(self) -> None:  # nothing at all
        self.write_json({})

    @web.authenticated
    async def post(self) -> None:  # authenticated only
        self.write_json({})

    @authorized
    async def put(self) -> None:  # authorized only
        self.write_json({})

    @web.authenticated
    @authorized
    @allow_unauthenticated
    async def delete(self) -> None:  # both, yet opened to everyone
        self.write_json({})

    @web.authenticated
    @authorized("write")
    async def patch(self) -> None:  # right: authorized with an explicit action counts
        self.write_json({})


class OtherResourceHandler(HPCAPIHandler):
    """Decorated, but authorized against another resource."""

    auth_resource = "contents"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json({})


def logged(method: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A decorator of another kind, also made with functools.wraps."""

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> None:
        await method(*args, **kwargs)

    return wrapper


class WrappedOnceMoreHandler(HPCAPIHandler):
    """Another decorator around a plain method does not pass for the real ones."""

    @logged
    async def get(self) -> None:
        self.write_json({})


def test_the_route_table_passes_as_run_by_the_test_command() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "authenticated and authorized" in result.stdout
    assert result.stderr == ""


def test_every_problem_is_reported_by_handler_verb_and_decorator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    routes = [
        (r"hpc/api/sloppy", SloppyHandler),
        (r"hpc/api/other", OtherResourceHandler),
        (r"hpc/api/wrapped", WrappedOnceMoreHandler),
    ]

    status = check_auth.main(routes)

    assert status == 1
    err = capsys.readouterr().err
    name = f"{__name__}.SloppyHandler"
    problems = sorted(line.strip() for line in err.splitlines()[1:])
    assert problems == sorted(
        [
            f"{name}.get (hpc/api/sloppy): missing @tornado.web.authenticated",
            f"{name}.get (hpc/api/sloppy): missing @authorized",
            f"{name}.post (hpc/api/sloppy): missing @authorized",
            f"{name}.put (hpc/api/sloppy): missing @tornado.web.authenticated",
            f"{name}.delete (hpc/api/sloppy): @allow_unauthenticated",
            f"{__name__}.OtherResourceHandler (hpc/api/other): auth_resource is not 'hpc'",
            f"{__name__}.WrappedOnceMoreHandler.get (hpc/api/wrapped): "
            "missing @tornado.web.authenticated",
            f"{__name__}.WrappedOnceMoreHandler.get (hpc/api/wrapped): missing @authorized",
        ]
    )
    assert err.splitlines()[0] == "check_auth: 8 problem(s):"


def test_verbs_a_handler_does_not_define_are_not_checked() -> None:
    class ReadOnly(HPCAPIHandler):
        @web.authenticated
        @authorized
        async def get(self) -> None:
            self.write_json({})

    assert check_auth.verbs(ReadOnly) == ["get"]
    assert check_auth.check([(r"hpc/api/ro", ReadOnly)]) == []
