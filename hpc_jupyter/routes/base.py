"""The base of every hpc-jupyter handler: auth, the registry, and the one error-to-HTTP map."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..errors import HPCError, ValidationError
from ..registry import FacilityRegistry
from ..watcher import JobWatcher
from .kernel_auth import KernelTokenIdentity

if TYPE_CHECKING:
    from ..app import HPCJupyterApp

AUTH_RESOURCE = "hpc"


class HPCAPIHandler(ExtensionHandlerMixin, APIHandler):
    """Handlers stay thin: parse the request, call the registry, write the model."""

    auth_resource = AUTH_RESOURCE

    @property
    def hpc(self) -> HPCJupyterApp:
        """The running extension app."""
        return self.settings["hpc_jupyter"]  # type: ignore[no-any-return]

    @property
    def registry(self) -> FacilityRegistry:
        """The configured facilities."""
        return self.hpc.registry

    @property
    def watcher(self) -> JobWatcher:
        """The job watcher."""
        return self.hpc.watcher

    @property
    def identity_provider(self) -> Any:
        """The server's identity provider, also accepting the kernel token on these routes."""
        return KernelTokenIdentity(self.settings["identity_provider"], self.hpc.kernel_token)

    async def system(self, facility: str) -> str:
        """The `system` query argument, checked, or the facility's default system."""
        return await self.registry.resolve_system(facility, self.get_query_argument("system", None))

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 that says why not."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise ValidationError("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ValidationError("The request body must be a JSON object.")
        return body

    def int_argument(self, name: str, default: int | None = None) -> int | None:
        """A non-negative whole-number query argument."""
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError(f"{name} must be a whole number of at least 0.")
        return int(raw)

    def write_json(self, model: Any, status: int = 200) -> None:
        """Finish with a JSON model."""
        self.set_status(status)
        self.finish(json.dumps(model))

    # One map from our error tree to HTTP, for every handler.
    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, HPCError):
            status_code = error.status
        super().send_error(status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, HPCError):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": error.message, "reason": error.reason}))
            return
        super().write_error(status_code, **kwargs)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, HPCError):
            # An expected failure, already phrased for the user: no traceback in the log.
            self.log.info("%s %s -> %s", self.request.method, self.request.path, value.message)
            return
        super().log_exception(typ, value, tb)
