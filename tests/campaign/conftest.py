"""Fixtures of the campaign: a `jupyter server` subprocess on a seeded local facility."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server_process import ONLY_HPC, ServerProcess, jupyter_server

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
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    """A `python -m jupyter_server` with only hpc-jupyter, a token, and the local facility."""
    config = {"data_dir": str(tmp_path / "hpc-data"), "facilities": LOCAL}
    with jupyter_server(tmp_path, config, extensions=ONLY_HPC) as server:
        seed_root(server.root)
        yield server
    unlock(tmp_path)
