"""HPC.head/tail/checksum/chown and %hpc_head/%hpc_tail, in a kernel that finds the real server."""

from __future__ import annotations

import asyncio
import grp
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.testing import globalipapp

from hpc_jupyter.api import connect
from hpc_jupyter.client import HPCClient, set_default_client
from hpc_jupyter.display import FileText
from hpc_jupyter.errors import CapabilityError, NotFound, ValidationError

LOG = "".join(f"step {n}\n" for n in range(1, 31))


@pytest.fixture
def ip(kernel_env: Any) -> Iterator[Any]:
    """An IPython shell with the magics loaded, finding the server by itself."""
    shell = globalipapp.get_ipython()  # type: ignore[no-untyped-call]
    shell.run_line_magic("load_ext", "hpc_jupyter")
    shell.run_line_magic("reload_ext", "hpc_jupyter")
    previous = set_default_client(None)
    yield shell
    client = set_default_client(previous)
    if client is not None:
        client.close()


async def test_python_api_head_tail_checksum_chown(kernel_env: Any, jp_root_dir: Path) -> None:
    # Given a log on the local facility, and a kernel connected to the server
    (jp_root_dir / "run.log").write_text(LOG)
    group = grp.getgrgid(os.getegid()).gr_name
    with HPCClient() as client:
        hpc = await asyncio.to_thread(connect, client=client)

        # When it reads the ends, the checksum, and sets the group
        head = await asyncio.to_thread(hpc.head, "run.log", 2)
        tail = await asyncio.to_thread(hpc.tail, "run.log")
        digest = await asyncio.to_thread(hpc.checksum, "run.log")
        entry = await asyncio.to_thread(hpc.chown, "run.log", None, group)

        # Then the answers are the file's, and mistakes are the usual errors
        assert head == "step 1\nstep 2\n"
        assert tail == "".join(f"step {n}\n" for n in range(21, 31))
        assert digest == hashlib.sha256(LOG.encode()).hexdigest()
        assert entry.group == group
        with pytest.raises(NotFound):
            await asyncio.to_thread(hpc.checksum, "nope.txt")
        with pytest.raises(ValidationError, match="from 1 to 10000"):
            await asyncio.to_thread(hpc.head, "run.log", 0)
        with pytest.raises(ValidationError, match="'owner', 'group' or both"):
            await asyncio.to_thread(hpc.chown, "run.log")


async def test_a_facility_without_the_operation_is_a_capability_error(
    kernel_env: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hpc_jupyter.backends.base import FileBackend
    from hpc_jupyter.backends.local.files import LocalFiles

    (jp_root_dir / "a.txt").write_text("a\n")
    monkeypatch.setattr(LocalFiles, "tail", FileBackend.tail)
    with HPCClient() as client:
        hpc = await asyncio.to_thread(connect, client=client)

        with pytest.raises(CapabilityError, match="first or last lines"):
            await asyncio.to_thread(hpc.tail, "a.txt")


async def test_head_and_tail_magics(
    ip: Any, jp_root_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a log, a file with a space in its name, and an empty file
    (jp_root_dir / "run.log").write_text(LOG)
    (jp_root_dir / "my notes.txt").write_text("first\nsecond\n")
    (jp_root_dir / "empty.txt").write_text("")

    def notebook() -> tuple[Any, ...]:
        return (
            ip.run_line_magic("hpc_head", "run.log"),
            ip.run_line_magic("hpc_tail", "run.log -n 3"),
            ip.run_line_magic("hpc_tail", '"my notes.txt" --lines 1'),
            ip.run_line_magic("hpc_head", "empty.txt"),
            ip.run_line_magic("hpc_head", "missing.txt"),
        )

    # When the magics show them
    head, tail, quoted, empty, missing = await asyncio.to_thread(notebook)

    # Then they are the lines as text, shown raw; a missing file is one line on stderr
    assert isinstance(head, FileText)
    assert head == "".join(f"step {n}\n" for n in range(1, 11))
    assert tail == "step 28\nstep 29\nstep 30\n"
    assert quoted == "second\n"
    assert ip.display_formatter.format(tail)[0]["text/plain"] == tail
    assert ip.display_formatter.format(empty)[0]["text/plain"] == "(no lines: the file is empty)"
    assert missing is None
    error = capsys.readouterr().err.strip()
    assert error.startswith("hpc-jupyter: ") and "missing.txt" in error
    assert "Traceback" not in error
