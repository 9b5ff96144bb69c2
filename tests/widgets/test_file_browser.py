"""FileBrowser against the real server: navigate, preview, transfer, organise."""

from __future__ import annotations

import asyncio
import datetime
import os
from pathlib import Path

from hpc_jupyter.api import HPC
from hpc_jupyter.widgets import FileBrowser
from tests.helpers import run, wait_until

MiB = 1024 * 1024


def _tree(root: Path) -> None:
    (root / "runs" / "inputs").mkdir(parents=True)
    (root / "runs" / "log.txt").write_text("".join(f"line {i}\n" for i in range(5000)))
    (root / "runs" / "small.txt").write_text("tiny\n")
    (root / "runs" / "big.bin").write_bytes(b"\x00\x01" * 50_000)


async def test_navigate_sort_and_preview(hpc: HPC, jp_root_dir: Path) -> None:
    # Given a directory tree on the local facility
    _tree(jp_root_dir)

    # When the browser opens at home and goes into runs by its breadcrumbs and buttons
    browser = await run(FileBrowser, hpc=hpc)
    home_rows = browser.visible
    await run(browser.select, "runs")
    await run(browser.open_selected)

    # Then it shows the directory, directories first, with type icons
    assert any("📁 runs/" in row for row in home_rows)
    assert browser.path == "runs"
    assert browser.path_box.value == "runs"
    assert [b.description for b in browser.crumbs.children] == ["⌂", "runs"]
    assert [e.name for e in browser.entries] == ["inputs", "big.bin", "log.txt", "small.txt"]
    assert browser.visible[0].startswith("📁 inputs/")
    assert browser.visible[1].startswith("📄 big.bin")

    # When sorted by size, largest first
    await run(browser.sort, "size", True)
    assert [e.name for e in browser.entries] == ["inputs", "big.bin", "log.txt", "small.txt"]
    await run(browser.sort, "size", False)
    assert [e.name for e in browser.entries] == ["inputs", "small.txt", "log.txt", "big.bin"]
    assert browser.sort_by.value == "size" and browser.descending.value is False

    # When a text file is selected, as a click does, its head is previewed, and More adds to it
    await run(browser.select, "log.txt")
    first = browser.preview_panel.text
    assert first.startswith("line 0\nline 1\n")
    assert len(first.encode()) == browser.preview_panel.chunk
    assert not browser.preview_panel.complete
    await run(browser.preview_panel.more_button.click)
    assert len(browser.preview_panel.text) > len(first)
    while not browser.preview_panel.complete:
        await run(browser.preview_panel.more)
    assert browser.preview_panel.text == (jp_root_dir / "runs" / "log.txt").read_text()
    assert browser.preview_panel.more_button.disabled

    # A binary file is not dumped as text
    await run(browser.select, "big.bin")
    assert "binary" in browser.preview_panel.text

    # Up, the path box and the breadcrumbs navigate
    await run(browser.up)
    assert browser.path == "."
    browser_path = "runs/inputs"
    await run(setattr, browser.path_box, "value", browser_path)
    assert browser.path == "runs/inputs" and browser.entries == []
    assert browser.page_label.value.endswith("(empty directory)")
    await run(browser.crumbs.children[1].click)
    assert browser.path == "runs"
    assert browser.status.errors == []
    assert "application/vnd.jupyter.widget-view+json" in browser._repr_mimebundle_()


async def test_a_huge_directory_pages(hpc: HPC, jp_root_dir: Path) -> None:
    many = jp_root_dir / "many"
    many.mkdir()
    for i in range(1203):
        (many / f"f{i:05d}.dat").touch()

    browser = await run(FileBrowser, "many", hpc=hpc, page_size=500)
    shown: list[str] = []
    browser.status.widget.observe(lambda change: shown.append(change["new"]), "value")

    assert len(browser.entries) == 1203
    assert len(browser.visible) == 500
    assert browser.pages == 3
    assert browser.page_label.value == "page 1 of 3 (1-500 of 1203)"
    assert browser.previous_page.disabled and not browser.next_page.disabled
    await run(browser.next_page.click)
    await run(browser.next_page.click)
    assert browser.visible[0].startswith("📄 f01000.dat")
    assert len(browser.visible) == 203 and browser.next_page.disabled
    # selecting an entry on another page turns to it
    await run(browser.select, "f00007.dat")
    assert browser.page == 0 and browser.selected is not None
    assert browser.selected.name == "f00007.dat"

    # It was opened first page first: 500 rows were on screen while the rest was asked for
    await run(browser.open, "many")
    assert len(browser.entries) == 1203
    assert any("Showing 500 of 1203 entries in many; loading the rest" in text for text in shown)
    assert browser.status.message == "1203 entries in many"


async def test_upload_download_with_progress(hpc: HPC, jp_root_dir: Path, tmp_path: Path) -> None:
    (jp_root_dir / "runs").mkdir()
    local = tmp_path / "deck.bin"
    local.write_bytes(os.urandom(5 * MiB + 3))
    browser = await run(FileBrowser, "runs", hpc=hpc, download_dir=tmp_path / "down")
    (tmp_path / "down").mkdir()
    browser.progress.interval = 0  # show every chunk, however fast this machine is
    seen: list[int] = []
    browser.progress.bar.observe(lambda change: seen.append(change["new"]), "value")

    # When a kernel-side file is uploaded
    future = await run(browser.upload, str(local))
    entry = await asyncio.wrap_future(future)

    # Then the bar went up to 100 % and the listing shows the file
    assert entry.size == 5 * MiB + 3
    assert (jp_root_dir / "runs" / "deck.bin").read_bytes() == local.read_bytes()
    assert seen == sorted(seen) and seen[-1] == 100
    assert len([p for p in seen if 0 < p < 100]) >= 4  # 1 MiB chunks of 5 MiB
    assert browser.progress.bar.bar_style == "success"
    assert "Upload of deck.bin complete" in browser.progress.label.value
    assert await wait_until(lambda: any("deck.bin" in row for row in browser.visible))

    # When a file comes from the browser's file picker
    picked = {
        "name": "notes.txt",
        "type": "text/plain",
        "size": 6,
        "content": memoryview(b"hello\n"),
        "last_modified": datetime.datetime.now(datetime.timezone.utc),
    }
    await run(setattr, browser.upload_widget, "value", (picked,))
    assert await wait_until(lambda: browser.tasks.running == 0)
    assert (jp_root_dir / "runs" / "notes.txt").read_text() == "hello\n"
    assert browser.upload_widget.value == ()
    assert await wait_until(lambda: any("notes.txt" in row for row in browser.visible))

    # When the uploaded file is selected and downloaded with the button
    await run(browser.select, "deck.bin")
    await run(browser.download_button.click)
    assert await wait_until(lambda: browser.tasks.running == 0)
    assert (tmp_path / "down" / "deck.bin").read_bytes() == local.read_bytes()
    assert "Download of deck.bin complete" in browser.progress.label.value
    assert browser.status.errors == []


async def test_mkdir_rename_delete_with_confirmation(hpc: HPC, jp_root_dir: Path) -> None:
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "a.txt").write_text("a")
    browser = await run(FileBrowser, "work", hpc=hpc)

    # mkdir through the name box and button
    browser.name_box.value = "results"
    await run(browser.mkdir_button.click)
    assert (jp_root_dir / "work" / "results").is_dir()
    assert browser.selected is not None and browser.selected.name == "results"

    # rename the selected file
    await run(browser.select, "a.txt")
    browser.name_box.value = "b.txt"
    await run(browser.rename_button.click)
    assert (jp_root_dir / "work" / "b.txt").read_text() == "a"
    assert [e.name for e in browser.entries] == ["results", "b.txt"]

    # delete asks first; "No" keeps the file
    await run(browser.delete_button.click)
    assert browser.confirm.pending == "Delete the file work/b.txt?"
    await run(browser.confirm.no.click)
    assert (jp_root_dir / "work" / "b.txt").exists()
    assert browser.confirm.pending is None

    # and "Delete" deletes it; a directory goes with everything in it
    await run(browser.delete, "b.txt")
    await run(browser.confirm.yes.click)
    assert not (jp_root_dir / "work" / "b.txt").exists()
    (jp_root_dir / "work" / "results" / "x").write_text("x")
    await run(browser.delete, "results")
    assert "everything in it" in str(browser.confirm.pending)
    await run(browser.confirm.yes.click)
    assert not (jp_root_dir / "work" / "results").exists()
    assert browser.entries == []
    assert browser.status.errors == []


async def test_errors_in_callbacks_are_shown_in_the_panel(hpc: HPC, jp_root_dir: Path) -> None:
    (jp_root_dir / "work").mkdir()
    (jp_root_dir / "work" / "a.txt").write_text("a")
    browser = await run(FileBrowser, "work", hpc=hpc)

    # nothing selected: the button says so instead of raising into the kernel log
    await run(browser.download_button.click)
    assert browser.status.errors[-1] == "Download failed: Select a file or directory first."
    # the facility's own error message
    browser.name_box.value = "a.txt"
    await run(browser.mkdir_button.click)
    assert browser.status.level == "error"
    assert browser.status.errors[-1].startswith("New folder failed:")
    assert "a.txt" in browser.status.widget.value
    # a path outside the facility's root
    await run(setattr, browser.path_box, "value", "../..")
    assert "outside" in browser.status.errors[-1]
    # a failed background transfer marks the bar and the status
    (jp_root_dir / "work" / "a.txt").unlink()
    await run(browser.select, "a.txt")
    future = await run(browser.download, None, "/nonexistent-dir/x")
    assert await wait_until(future.done)
    assert future.exception() is not None
    assert browser.progress.bar.bar_style == "danger"
    assert browser.status.errors[-1].startswith("Download of a.txt failed:")
