"""The data dir (job records, login tokens) is made for the user alone; an open one is named."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(params=["new", "open"])
def hpc_data_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A data dir the server makes ("new"), or one there already that others can read."""
    path = tmp_path / "share" / "hpc_jupyter"
    if request.param == "open":
        path.mkdir(parents=True)
        path.chmod(0o755)
    return path


def test_the_data_dir_is_the_users_alone_or_the_log_says_so(
    capfd: pytest.CaptureFixture[str],
    jp_serverapp: Any,
    hpc_data_dir: Path,
    request: pytest.FixtureRequest,
) -> None:
    # Given a server started with hpc-jupyter (jp_serverapp), with a new or an open data dir,
    # its log on stderr (captured from before the server started)
    warned = [line for line in capfd.readouterr().err.splitlines() if "chmod 700" in line]
    mode = stat.S_IMODE(hpc_data_dir.stat().st_mode)
    if request.node.callspec.params["hpc_data_dir"] == "new":
        # Then a new data dir is the user's alone, and nothing is said
        assert mode == 0o700
        assert not warned
    else:
        # Then one others can read is left as it is, and the log says what to do
        assert mode == 0o755
        assert [m for m in warned if f"{hpc_data_dir} can be read" in m], warned
