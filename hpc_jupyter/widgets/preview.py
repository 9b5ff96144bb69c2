"""The head of a remote text file, and more on demand, without downloading it whole."""

from __future__ import annotations

import codecs
import html

import ipywidgets as w

from ..api import HPC
from ..display import format_size
from ..models import FileEntry, FileType
from .status import StatusBar

__all__ = ["FilePreview"]

CHUNK = 16 * 1024
"""Bytes read per step: the first screenful, then each press of "More"."""


class FilePreview:
    """Shows `CHUNK` bytes of a file; "More" reads the next ones. Binary files are not shown."""

    def __init__(self, status: StatusBar, chunk: int = CHUNK) -> None:
        self.chunk = chunk
        self.title = w.HTML(value="")
        self.body = w.Textarea(
            value="", disabled=True, layout=w.Layout(width="100%", height="14em")
        )
        self.more_button = w.Button(description="More", icon="angle-double-down", disabled=True)
        self.more_button.on_click(status.guard("Reading more", lambda _: self.more()))
        self.widget = w.VBox([self.title, self.body, self.more_button])
        self.widget.layout.display = "none"
        self.entry: FileEntry | None = None
        self.offset = 0
        self._api: HPC | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    @property
    def text(self) -> str:
        """The text shown so far."""
        return str(self.body.value)

    @property
    def complete(self) -> bool:
        """Whether the whole file is shown."""
        return self.entry is not None and self.offset >= self.entry.size

    def show(self, api: HPC, entry: FileEntry) -> None:
        """Preview `entry` from its beginning."""
        if entry.type is FileType.DIRECTORY:
            raise ValueError(f"{entry.name} is a directory; open it instead.")
        self.entry, self._api, self.offset = entry, api, 0
        self._decoder.reset()
        self.body.value = ""
        self.widget.layout.display = "flex"
        self.more()

    def more(self) -> None:
        """Read and show the next piece of the file."""
        if self.entry is None or self._api is None:
            return
        data = self._api.read_bytes(self.entry.path, self.offset, self.chunk)
        if self.offset == 0 and b"\x00" in data[:8192]:
            self.offset = self.entry.size
            self.body.value = "(a binary file: download it to look inside)"
        else:
            self.offset += len(data)
            end = not data or self.offset >= self.entry.size
            self.body.value = self.text + self._decoder.decode(data, final=end)
            if not data:  # the file shrank: nothing more to read
                self.offset = max(self.offset, self.entry.size)
        shown = min(self.offset, self.entry.size)
        self.title.value = (
            f"<b>{html.escape(self.entry.path)}</b> — {format_size(shown)} of "
            f"{format_size(self.entry.size)} shown"
        )
        self.more_button.disabled = self.complete

    def hide(self) -> None:
        """Show no file."""
        self.entry, self._api = None, None
        self.widget.layout.display = "none"
