"""FileBrowser: a facility's files in a notebook: navigate, preview, transfer, organise."""

from __future__ import annotations

import concurrent.futures
import io
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as w

from ..api import HPC, connect, entry_from_dict
from ..client import api_path
from ..display import format_size
from ..errors import NotFound, ValidationError
from ..models import FileEntry, FileType
from .confirm import Confirm
from .listing import SORT_KEYS, entry_label, page_count, sort_entries
from .paths import crumbs, join, parent
from .pickers import FacilityPicker
from .preview import FilePreview
from .progress import TransferProgress
from .status import StatusBar
from .tasks import Tasks

__all__ = ["FileBrowser"]

_T = TypeVar("_T")

PAGE_SIZE = 500
"""Entries shown at once: a directory of 50,000 files pages instead of freezing the page."""


class FileBrowser:
    """Browse a facility's files from a notebook (`%hpc_files [PATH]`).

    Everything the buttons do is also a method, so a notebook (or a test) can drive it:
    `open`, `up`, `refresh`, `sort`, `select`, `preview`, `mkdir`, `rename`, `delete`,
    `upload`, `upload_bytes`, `download`. Transfers run in the background with a progress bar
    and return a `concurrent.futures.Future`; errors of button presses appear in the panel's
    status line (`status.errors`), errors of method calls are also raised.

    Parameters
    ----------
    path
        The directory to open (default: the system's home directory).
    facility, system
        Where (default: the facility in use and its default system).
    hpc
        The Python API to use (default: `hpc_jupyter.connect()`).
    page_size
        Entries per page.
    download_dir
        The kernel-side folder downloads go to (default: the kernel's working directory).
    """

    def __init__(
        self,
        path: str | None = None,
        *,
        facility: str | None = None,
        system: str | None = None,
        hpc: HPC | None = None,
        page_size: int = PAGE_SIZE,
        download_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.hpc = connect() if hpc is None else hpc
        self.page_size = max(1, page_size)
        self.download_dir = None if download_dir is None else Path(download_dir)
        self.path = ""
        self.entries: list[FileEntry] = []
        """Every entry of the directory, in the order shown."""
        self.page = 0
        self._lock = threading.RLock()
        self._rendering = False

        self.status = StatusBar()
        self.tasks = Tasks(self.status)
        self.progress = TransferProgress()
        self.confirm = Confirm(self.status)
        self.preview_panel = FilePreview(self.status)
        self.picker = FacilityPicker(self.hpc, "files.read", facility=facility, system=system)
        self._build()
        self.picker.on_change(self.status.guard("Opening the home directory", self._switched))
        self._show_capabilities()
        self.status.guard("Listing", self.open)(path)

    # -- the widgets ---------------------------------------------------------------------------

    def _build(self) -> None:
        guard = self.status.guard
        self.crumbs = w.HBox([])
        self.path_box = w.Text(
            value="", description="Path", continuous_update=False, layout=w.Layout(width="50%")
        )
        self.path_box.observe(guard("Opening", self._path_typed), "value")
        self.up_button = w.Button(description="Up", icon="arrow-up")
        self.up_button.on_click(guard("Going up", lambda _: self.up()))
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(guard("Refreshing", lambda _: self.refresh()))
        self.sort_by = w.Dropdown(description="Sort by", options=SORT_KEYS, value="name")
        self.descending = w.ToggleButton(value=False, description="Descending", icon="sort")
        resort = guard("Sorting", lambda _: self.sort(self.sort_by.value, self.descending.value))
        self.sort_by.observe(resort, "value")
        self.descending.observe(resort, "value")

        self.listing = w.Select(options=[], rows=14, layout=w.Layout(width="100%"))
        self.listing.add_class("hpc-jupyter-listing")
        self.listing.observe(guard("Selecting", self._selected), "value")
        self.previous_page = w.Button(description="", icon="chevron-left", disabled=True)
        self.next_page = w.Button(description="", icon="chevron-right", disabled=True)
        self.page_label = w.Label(value="")
        self.previous_page.on_click(guard("Paging", lambda _: self.show_page(self.page - 1)))
        self.next_page.on_click(guard("Paging", lambda _: self.show_page(self.page + 1)))

        self.open_button = w.Button(description="Open", icon="folder-open")
        self.open_button.on_click(guard("Opening", lambda _: self.open_selected()))
        self.download_button = w.Button(description="Download", icon="download")
        self.download_button.on_click(guard("Download", lambda _: self.download()))
        self.delete_button = w.Button(description="Delete", icon="trash", button_style="danger")
        self.delete_button.on_click(guard("Delete", lambda _: self.delete()))
        self.name_box = w.Text(value="", placeholder="name", layout=w.Layout(width="16em"))
        self.mkdir_button = w.Button(description="New folder", icon="folder")
        self.mkdir_button.on_click(guard("New folder", lambda _: self.mkdir(self.name_box.value)))
        self.rename_button = w.Button(description="Rename", icon="i-cursor")
        self.rename_button.on_click(guard("Rename", lambda _: self.rename(self.name_box.value)))

        self.upload_widget = w.FileUpload(description="Upload", multiple=True)
        self.upload_widget.observe(guard("Upload", self._browser_upload), "value")
        self.local_box = w.Text(
            value="", placeholder="a file on the kernel's disk", layout=w.Layout(width="20em")
        )
        self.local_button = w.Button(description="Upload from kernel", icon="upload")
        self.local_button.on_click(guard("Upload", lambda _: self.upload(self.local_box.value)))

        self.write_row = w.HBox(
            [self.name_box, self.mkdir_button, self.rename_button, self.delete_button]
        )
        self.upload_row = w.HBox([self.upload_widget, self.local_box, self.local_button])
        self.widget = w.VBox(
            [
                self.picker.widget,
                self.crumbs,
                w.HBox([self.path_box, self.up_button, self.refresh_button]),
                w.HBox([self.sort_by, self.descending]),
                self.listing,
                w.HBox([self.previous_page, self.page_label, self.next_page]),
                w.HBox([self.open_button, self.download_button]),
                self.write_row,
                self.upload_row,
                self.progress.widget,
                self.confirm.widget,
                self.status.widget,
                self.preview_panel.widget,
            ]
        )
        self.widget.add_class("hpc-jupyter-files")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _show_capabilities(self) -> None:
        writable = self.picker.facilities[self.picker.facility.value].can("files.write")
        for row in (self.write_row, self.upload_row):
            row.layout.display = "flex" if writable else "none"

    def _switched(self) -> None:
        self._show_capabilities()
        self.open(None)

    @property
    def api(self) -> HPC:
        """The Python API for the facility and system shown."""
        return self.picker.api()

    # -- navigation ----------------------------------------------------------------------------

    def open(self, path: str | None = None) -> None:
        """List directory `path`, as the facility names it (default: the home directory)."""
        if path is not None:
            path = path.strip() or None
        with self._lock:
            # The first rows first: one page in name order is on screen while the rest of a
            # huge directory comes (a server without pages answers all of it at once).
            first = self.api.ls(path, limit=self.page_size)
            self.path = first.path or path or "."
            self.entries = sort_entries(first, self.sort_by.value, self.descending.value)
            self.preview_panel.hide()
            self._render_location()
            self.show_page(0)
            if first.total is not None and first.total > len(first):
                self.status.info(
                    f"Showing {len(first)} of {first.total} entries in {self.path}; "
                    "loading the rest…"
                )
                rest = self.api.ls(self.path, offset=len(first))
                self.entries = sort_entries(
                    [*first, *rest], self.sort_by.value, self.descending.value
                )
                self.show_page(0)
        self.status.info(f"{len(self.entries)} entries in {self.path}")

    def up(self) -> None:
        """Open the directory above."""
        self.open(parent(self.path))

    def refresh(self) -> None:
        """List the directory again, keeping the selection and the page."""
        with self._lock:
            selected = self.selected
            page = self.page
            listing = self.api.ls(self.path)
            self.entries = sort_entries(listing, self.sort_by.value, self.descending.value)
            self.show_page(min(page, self.pages - 1))
            if selected is not None:
                self._select_quietly(selected.name)
        self.status.info(f"{len(self.entries)} entries in {self.path}")

    def open_selected(self) -> None:
        """Open the selected directory, or preview the selected file."""
        entry = self._require_selection()
        if entry.type is FileType.DIRECTORY:
            self.open(entry.path)
        else:
            self.preview(entry.name)

    def sort(self, by: str = "name", descending: bool = False) -> None:
        """Order the listing by "name", "size" or "modified" (directories stay first)."""
        with self._lock:
            if (self.sort_by.value, self.descending.value) != (by, descending):
                # Setting the controls calls back here; the second call finds them equal.
                self.sort_by.value, self.descending.value = by, descending
            self.entries = sort_entries(self.entries, by, descending)
            self.show_page(0)

    @property
    def pages(self) -> int:
        """How many pages the listing has."""
        return page_count(len(self.entries), self.page_size)

    def show_page(self, number: int) -> None:
        """Show page `number` (from 0) of the listing."""
        with self._lock:
            self.page = max(0, min(number, self.pages - 1))
            start = self.page * self.page_size
            end = min(start + self.page_size, len(self.entries))
            self._rendering = True
            try:
                self.listing.options = [
                    (entry_label(self.entries[i]), i) for i in range(start, end)
                ]
                self.listing.value = None
            finally:
                self._rendering = False
            self.previous_page.disabled = self.page == 0
            self.next_page.disabled = self.page >= self.pages - 1
            total = len(self.entries)
            shown = f"{start + 1}-{end} of {total}" if total else "empty directory"
            self.page_label.value = f"page {self.page + 1} of {self.pages} ({shown})"

    @property
    def visible(self) -> list[str]:
        """The rows shown on this page."""
        return [str(label) for label, _ in self.listing.options]

    def _render_location(self) -> None:
        buttons = []
        for label, target in crumbs(self.path):
            button = w.Button(description=label, tooltip=target, layout=w.Layout(width="auto"))
            button.on_click(self.status.guard("Opening", lambda _, t=target: self.open(t)))
            buttons.append(button)
        self.crumbs.children = buttons
        if self.path_box.value != self.path:
            self._rendering = True
            try:
                self.path_box.value = self.path
            finally:
                self._rendering = False

    def _path_typed(self, change: dict[str, Any]) -> None:
        if not self._rendering:
            self.open(change["new"])

    # -- selection and preview -----------------------------------------------------------------

    @property
    def selected(self) -> FileEntry | None:
        """The selected entry, if any."""
        index = self.listing.value
        return None if index is None else self.entries[index]

    def _require_selection(self) -> FileEntry:
        entry = self.selected
        if entry is None:
            raise ValidationError("Select a file or directory first.")
        return entry

    def _entry(self, name: str) -> tuple[int, FileEntry]:
        for index, entry in enumerate(self.entries):
            if entry.name == name:
                return index, entry
        raise NotFound(f"No {name!r} in {self.path}.")

    def _select_quietly(self, name: str) -> None:
        try:
            index, _ = self._entry(name)
        except NotFound:
            return
        self._rendering = True
        try:
            self.show_page(index // self.page_size)
            self._rendering = True
            self.listing.value = index
        finally:
            self._rendering = False

    def select(self, name: str) -> FileEntry:
        """Select entry `name` (turning to its page); a file is previewed, as on a click."""
        index, entry = self._entry(name)
        if index // self.page_size != self.page:
            self.show_page(index // self.page_size)
        self.listing.value = index  # the observer previews it
        return entry

    def _selected(self, change: dict[str, Any]) -> None:
        if self._rendering or change["new"] is None:
            return
        entry = self.entries[change["new"]]
        if entry.type is FileType.DIRECTORY:
            self.preview_panel.hide()
            self.status.info(f"{entry.path}: a directory (Open goes into it)")
        else:
            self.status.info(f"{entry.path}: {format_size(entry.size)}, {entry.permissions}")
            if entry.type is FileType.FILE:
                self.preview_panel.show(self.api, entry)

    def preview(self, name: str | None = None) -> str:
        """Show the head of file `name` (default: the selected one); returns the text shown."""
        entry = self._entry(name)[1] if name is not None else self._require_selection()
        self.preview_panel.show(self.api, entry)
        return self.preview_panel.text

    # -- changes -------------------------------------------------------------------------------

    def mkdir(self, name: str) -> FileEntry:
        """Create directory `name` here."""
        name = _a_name(name)
        entry = self.api.mkdir(join(self.path, name))
        self.refresh()
        self._select_quietly(entry.name)
        self.status.success(f"Created {entry.path}")
        return entry

    def rename(self, new_name: str, name: str | None = None) -> FileEntry:
        """Rename entry `name` (default: the selected one) to `new_name`."""
        entry = self._entry(name)[1] if name is not None else self._require_selection()
        moved = self.api.move(entry.path, join(self.path, _a_name(new_name)))
        self.refresh()
        self._select_quietly(moved.name)
        self.status.success(f"Renamed {entry.name} to {moved.name}")
        return moved

    def delete(self, name: str | None = None) -> None:
        """Ask to delete entry `name` (default: the selected one); `confirm.yes` deletes it."""
        entry = self._entry(name)[1] if name is not None else self._require_selection()
        what = "directory and everything in it" if entry.type is FileType.DIRECTORY else "file"
        self.confirm.ask(
            f"Delete the {what} {entry.path}?",
            lambda: self._delete_now(entry),
            yes="Delete",
            doing=f"Deleting {entry.name}",
        )

    def _delete_now(self, entry: FileEntry) -> None:
        self.api.delete(entry.path, recursive=entry.type is FileType.DIRECTORY)
        self.refresh()
        self.status.success(f"Deleted {entry.path}")

    # -- transfers -----------------------------------------------------------------------------

    def upload(
        self, local: str | os.PathLike[str], name: str | None = None
    ) -> concurrent.futures.Future[FileEntry]:
        """Upload a file from the kernel's disk into this directory, in the background."""
        source = Path(local).expanduser()
        if not str(local).strip():
            raise ValidationError("Name a file on the kernel's disk to upload.")
        if not source.is_file():
            raise NotFound(f"No local file {str(source)!r} to upload.")
        api, target = self.api, join(self.path, _a_name(name or source.name))

        def run() -> FileEntry:
            self.progress.start(f"Uploading {source.name}", source.stat().st_size)
            return api.upload(source, target, self.progress)

        return self._transfer(f"Upload of {source.name}", run, refresh=True)

    def upload_bytes(self, name: str, data: bytes) -> concurrent.futures.Future[FileEntry]:
        """Upload `data` as file `name` in this directory, in the background."""
        send = self._bytes_sender(name, data)
        return self._transfer(f"Upload of {name}", send, refresh=True)

    def _bytes_sender(self, name: str, data: bytes) -> Callable[[], FileEntry]:
        api, target = self.api, join(self.path, _a_name(name))

        def send() -> FileEntry:
            self.progress.start(f"Uploading {name}", len(data))
            params = {"system": api.system, "path": target}
            path = api_path("facilities", api.facility_name, "files", "content")
            answer = api.client.upload(
                path, io.BytesIO(data), len(data), params=params, progress=self.progress
            )
            return entry_from_dict(answer)

        return send

    def _browser_upload(self, change: dict[str, Any]) -> None:
        files: Sequence[dict[str, Any]] = change["new"]
        if not files:
            return
        senders = [self._bytes_sender(str(f["name"]), bytes(f["content"])) for f in files]
        names = ", ".join(str(f["name"]) for f in files)
        self.upload_widget.value = ()  # the same file can be chosen again

        def send_all() -> list[FileEntry]:
            return [send() for send in senders]

        self._transfer(f"Upload of {names}", send_all, refresh=True)

    def download(
        self, name: str | None = None, local: str | os.PathLike[str] | None = None
    ) -> concurrent.futures.Future[Path]:
        """Download file `name` (default: the selected one) to the kernel's disk, in the background.

        `local` is a file or folder (default: `download_dir`, else the working directory).
        """
        entry = self._entry(name)[1] if name is not None else self._require_selection()
        if entry.type is FileType.DIRECTORY:
            raise ValidationError(f"{entry.name} is a directory; download files one by one.")
        target = Path(local) if local is not None else (self.download_dir or Path.cwd())
        api = self.api

        def run() -> Path:
            self.progress.start(f"Downloading {entry.name}", entry.size)
            return api.download(entry.path, target, self.progress)

        return self._transfer(f"Download of {entry.name}", run, refresh=False)

    def _transfer(
        self, doing: str, run: Callable[[], _T], *, refresh: bool
    ) -> concurrent.futures.Future[_T]:
        directory = self.path

        def work() -> _T:
            try:
                result = run()
            except BaseException:
                self.progress.fail(f"{doing} failed")
                raise
            done = self.progress.done
            self.progress.finish(f"{doing} complete ({format_size(done)})")
            if refresh and self.path == directory:
                self.refresh()
            self.status.success(f"{doing} complete")
            return result

        return self.tasks.start(doing, work)


def _a_name(name: str) -> str:
    """A new entry's name, checked: not empty and not a path upwards."""
    name = name.strip()
    if not name or name in (".", ".."):
        raise ValidationError("Type a name first.")
    return name
