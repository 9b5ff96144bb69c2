"""Fail unless every verb of every hpc-jupyter route is @web.authenticated and @authorized."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

VERBS = ("get", "post", "put", "delete", "patch", "head")
AUTH_RESOURCE = "hpc"
Route = tuple[str, Any]


def _probe(handler: Any) -> None:
    """A method to decorate, to learn what each decorator's wrapper looks like."""


# Both decorators wrap with functools.wraps, which copies the name and sets __wrapped__; the
# wrapper's code object is what tells them apart from any other decorator.
AUTHENTICATED: CodeType = web.authenticated(_probe).__code__
AUTHORIZED: CodeType = authorized(_probe).__code__


def chain(method: Callable[..., Any]) -> list[Any]:
    """A method and everything it wraps, following `__wrapped__`, outermost first."""
    functions: list[Any] = []
    current: Any = method
    while current is not None and len(functions) < 100:  # a cycle would be a bug elsewhere
        functions.append(current)
        current = getattr(current, "__wrapped__", None)
    return functions


def verbs(handler: type) -> list[str]:
    """The verbs a handler serves: every one that is not tornado's default 405."""
    return [
        verb for verb in VERBS if getattr(handler, verb) is not getattr(web.RequestHandler, verb)
    ]


def check(routes: Sequence[Route]) -> list[str]:
    """One line per problem: a verb without a decorator, or a handler outside the resource."""
    problems: list[str] = []
    for pattern, handler in routes:
        name = f"{handler.__module__}.{handler.__qualname__}"
        for verb in verbs(handler):
            functions = chain(getattr(handler, verb))
            codes = [getattr(function, "__code__", None) for function in functions]
            if AUTHENTICATED not in codes:
                problems.append(f"{name}.{verb} ({pattern}): missing @tornado.web.authenticated")
            if AUTHORIZED not in codes:
                problems.append(f"{name}.{verb} ({pattern}): missing @authorized")
            if any(getattr(function, "__allow_unauthenticated", False) for function in functions):
                problems.append(f"{name}.{verb} ({pattern}): @allow_unauthenticated")
        if verbs(handler) and getattr(handler, "auth_resource", None) != AUTH_RESOURCE:
            problems.append(f"{name} ({pattern}): auth_resource is not {AUTH_RESOURCE!r}")
    return problems


def main(routes: Sequence[Route] | None = None) -> int:
    """Check hpc-jupyter's route table (or `routes`); 0 when all is well, 1 with a list if not."""
    if routes is None:
        from hpc_jupyter.routes import ROUTES

        routes = ROUTES
    problems = check(routes)
    if problems:
        print(f"check_auth: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    count = sum(len(verbs(handler)) for _pattern, handler in routes)
    print(f"check_auth: all {count} verbs of {len(routes)} routes are authenticated and authorized")
    return 0


if __name__ == "__main__":
    sys.exit(main())
