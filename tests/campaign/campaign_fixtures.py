"""Fixtures of the campaign, imported by its modules: paths, a `jupyter server` subprocess."""

from __future__ import annotations

import contextlib
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
# The FirecREST double's modules, and the benchmarks' server helper, imported as top-level
# modules the way their own directories' tests import them.
for folder in (TESTS / "firecrest", TESTS.parent / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from upload_download import Server, jupyter_server  # noqa: E402

# The local facility with a small cap on running jobs: the fuzzer submits hundreds of
# (defused) scripts, and CI has two cores.
LOCAL = {"local": {"kind": "local", "max_running": 2}}


def seed_root(root: Path) -> None:
    """The files the fuzz hooks aim at (fuzz_hooks.PATHS)."""
    (root / "a.txt").write_text("alpha\nbeta\n")
    (root / "dir").mkdir()
    (root / "dir" / "b.txt").write_text("b\n" * 20)


def unlock(root: Path) -> None:
    """Undo any chmod the fuzzer did, so that the temporary directory can be removed."""
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IRWXU)


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Server]:
    """A `python -m jupyter_server` with only hpc-jupyter, a token, and the local facility."""
    with jupyter_server(tmp_path, sys.executable, LOCAL) as server:
        seed_root(server.root)
        yield server
    unlock(tmp_path)
