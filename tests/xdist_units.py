"""Units of work for test processes side by side (`pytest -n N --dist loadgroup`).

All tests of one Slurm release run in one process, in order: its cluster is started once and
one module's early jobs meet the same cluster's queue. Every other module is a unit of its own,
so its module fixtures (a Hub, a double) are set up once.

xdist's own loadgroup reads `xdist_group` marks into a suffix of the test id, which pytest 9
no longer lets a plugin change (pytest-xdist#1241): here each test process writes the unit of
each test it collected to a file named after the controller, and the controller's scheduler
(xdist's loadgroup, with `_split_scope` reading that file) sends each unit to one process.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.slurm_fixtures import release_of


def _units_file(controller: int, worker: str = "") -> Path:
    name = f"hpc-jupyter-units-{controller}{'-' + worker if worker else ''}.json"
    return Path(tempfile.gettempdir()) / name


def unit_of(item: pytest.Item) -> str:
    """The unit of a test: its Slurm release's, or its module's."""
    release = release_of(item)
    return f"slurm-{release}" if release else item.nodeid.split("::")[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a test process of `--dist loadgroup`: write each test's unit for the controller."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or not config.getvalue("loadgroup"):
        return
    path = _units_file(os.getppid(), worker)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({item.nodeid: unit_of(item) for item in items}))
    partial.replace(path)  # whole or not at all


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The controller's scheduler for `--dist loadgroup`: the units the processes wrote."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class UnitScheduling(LoadGroupScheduling):  # type: ignore[misc]
        units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.units is None:
                self.units = {}
                for path in Path(tempfile.gettempdir()).glob(
                    _units_file(os.getpid()).name.replace(".json", "-*.json")
                ):
                    self.units.update(json.loads(path.read_text()))
                    path.unlink()
            return self.units.get(nodeid) or nodeid.split("::")[0]

    return UnitScheduling(config, log)
