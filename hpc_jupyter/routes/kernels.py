"""The notebook of a kernel's session as it is named now: a kernel learns a rename from it."""

from __future__ import annotations

import re
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import NotFound, ValidationError
from ..inputs import shown
from ..protocol import KERNEL_ID
from .base import HPCAPIHandler


class KernelNotebookHandler(HPCAPIHandler):
    """GET /hpc/api/kernels/{kernel_id}/notebook: the notebook of the kernel's session now.

    A kernel knows its notebook by the name it had when the kernel started
    (`JPY_SESSION_NAME`); JupyterLab moves the session along when the notebook is renamed.
    """

    @web.authenticated
    @authorized
    async def get(self, kernel_id: str) -> None:
        if not re.fullmatch(KERNEL_ID, kernel_id):
            raise ValidationError(f"{shown(kernel_id)} is not a kernel id.")
        sessions: list[dict[str, Any]] = await self.settings["session_manager"].list_sessions()
        running = self.settings["kernel_manager"].list_kernel_ids()
        mine = [s for s in sessions if (s.get("kernel") or {}).get("id") == kernel_id]
        if not mine and kernel_id not in running:
            raise NotFound(f"This server runs no kernel {kernel_id}.")
        notebooks = [s["path"] for s in mine if s.get("type") == "notebook" and s.get("path")]
        self.write_json({"notebook": notebooks[0].strip("/") if notebooks else None})
