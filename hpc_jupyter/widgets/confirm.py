"""An inline "are you sure?" bar for actions that cannot be undone (delete, cancel)."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from .status import StatusBar

__all__ = ["Confirm"]


class Confirm:
    """Hidden until `ask`; then a question with a red confirm button and a "Keep" button."""

    def __init__(self, status: StatusBar) -> None:
        self.status = status
        self.question = w.HTML(value="")
        self.yes = w.Button(description="Yes", button_style="danger")
        self.no = w.Button(description="No")
        self.widget = w.HBox([self.question, self.yes, self.no])
        self.widget.add_class("hpc-jupyter-confirm")
        self.widget.layout.display = "none"
        self.pending: str | None = None
        """The question waiting for an answer, if any."""
        self._action: Callable[[], object] | None = None
        self._doing = ""
        self.yes.on_click(lambda _: self._answer(True))
        self.no.on_click(lambda _: self._answer(False))

    def ask(
        self, question: str, action: Callable[[], object], *, yes: str = "Yes", doing: str = ""
    ) -> None:
        """Ask `question`; run `action` only when the user presses the `yes` button."""
        self.pending, self._action, self._doing = question, action, doing
        self.question.value = f"<b>{html.escape(question)}</b>"
        self.yes.description = yes
        self.widget.layout.display = "flex"

    def _answer(self, confirmed: bool) -> None:
        action, doing = self._action, self._doing
        self.pending, self._action = None, None
        self.widget.layout.display = "none"
        if confirmed and action is not None:
            self.status.guard(doing, action)()
