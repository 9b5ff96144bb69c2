"""The panels' small parts: paths, sorting, back-off, status line, confirmation, progress."""

from __future__ import annotations

import pytest

from hpc_jupyter.errors import NotFound
from hpc_jupyter.models import FileEntry, FileType
from hpc_jupyter.widgets.backoff import Backoff
from hpc_jupyter.widgets.confirm import Confirm
from hpc_jupyter.widgets.listing import entry_label, page_count, sort_entries
from hpc_jupyter.widgets.paths import crumbs, join, parent
from hpc_jupyter.widgets.progress import TransferProgress
from hpc_jupyter.widgets.status import StatusBar


def _entry(
    name: str, kind: FileType = FileType.FILE, size: int = 0, modified: float = 0
) -> FileEntry:
    return FileEntry(name, name, kind, size, "-rw-r--r--", "u", "g", modified)


def test_paths() -> None:
    assert join(".", "runs") == "runs"
    assert join("runs", "in/x") == "runs/in/x"
    assert join("/scratch/u", "a") == "/scratch/u/a"
    assert parent("runs/in") == "runs" and parent("runs") == "." and parent(".") == "."
    assert parent("/scratch/u") == "/scratch" and parent("/scratch") == "/" and parent("/") == "/"
    assert crumbs(".") == [("⌂", ".")]
    assert crumbs("runs/in") == [("⌂", "."), ("runs", "runs"), ("in", "runs/in")]
    assert crumbs("/scratch/u") == [("/", "/"), ("scratch", "/scratch"), ("u", "/scratch/u")]


def test_sorting_keeps_directories_first() -> None:
    entries = [
        _entry("b.txt", size=5, modified=3),
        _entry("A.txt", size=50, modified=1),
        _entry("zdir", FileType.DIRECTORY, modified=9),
        _entry("c.txt", size=1, modified=2),
    ]
    assert [e.name for e in sort_entries(entries)] == ["zdir", "A.txt", "b.txt", "c.txt"]
    by_size = sort_entries(entries, "size", descending=True)
    assert [e.name for e in by_size] == ["zdir", "A.txt", "b.txt", "c.txt"]
    by_time = sort_entries(entries, "modified")
    assert [e.name for e in by_time] == ["zdir", "A.txt", "c.txt", "b.txt"]
    with pytest.raises(ValueError):
        sort_entries(entries, "colour")
    assert entry_label(_entry("x" * 60)).startswith("📄 " + "x" * 39 + "…")
    assert page_count(0, 500) == 1 and page_count(1001, 500) == 3


def test_backoff() -> None:
    backoff = Backoff(1.0, 4.0)
    assert [backoff.quiet() for _ in range(5)] == [1.5, 2.25, 3.375, 4.0, 4.0]
    assert backoff.changed() == 1.0
    assert [backoff.failed() for _ in range(3)] == [2.0, 4.0, 4.0]
    with pytest.raises(ValueError):
        Backoff(0, 1)


def test_status_guard_shows_every_exception() -> None:
    status = StatusBar()

    def hpc_failure() -> None:
        raise NotFound("No such file: 'x'.")

    def bug() -> None:
        raise KeyError("oops")

    status.guard("Opening", hpc_failure)()
    assert status.errors == ["Opening failed: No such file: 'x'."]
    assert "<details>" not in status.widget.value
    status.guard("Sorting", bug)()
    assert status.errors[-1] == "Sorting failed: KeyError: 'oops'"
    assert "<details>" in status.widget.value and "Traceback" in status.widget.value
    status.info("<b>done</b>")
    assert "&lt;b&gt;" in status.widget.value


def test_confirm_runs_the_action_only_on_yes() -> None:
    status = StatusBar()
    confirm = Confirm(status)
    done: list[str] = []
    confirm.ask("Really?", lambda: done.append("yes"), yes="Delete")
    assert confirm.widget.layout.display == "flex" and confirm.yes.description == "Delete"
    confirm.no.click()
    assert done == [] and confirm.pending is None
    confirm.ask("Really?", lambda: done.append("yes"))
    confirm.yes.click()
    assert done == ["yes"] and confirm.widget.layout.display == "none"


def test_progress_throttles_but_always_shows_the_end() -> None:
    progress = TransferProgress(interval=3600)
    progress.start("Uploading x", 300)
    progress(100, 300)
    progress(200, 300)
    assert progress.updates == 1  # the first one; the second came too soon
    progress(300, 300)
    assert progress.bar.value == 100 and progress.updates == 2
    assert progress.label.value == "Uploading x: 300 B of 300 B (100%)"
