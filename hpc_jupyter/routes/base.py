"""The base of every hpc-jupyter handler: auth, the services, and the one error-to-HTTP map."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.web import RequestHandler

from ..errors import HPCError, ValidationError
from ..inputs import check_path
from ..payload import Payload
from ..services import SETTINGS_KEY, HPCServices
from .kernel_auth import KernelTokenIdentity

AUTH_RESOURCE = "hpc"
VERBS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")
MAX_WHOLE_NUMBER = 2**63 - 1
"""The largest offset, length or count a query may give (a file offset is a signed 64 bits)."""


class HPCAPIHandler(ExtensionHandlerMixin, APIHandler):
    """Handlers stay thin: parse the request, make one call on a service, write the model."""

    auth_resource = AUTH_RESOURCE

    @property
    def services(self) -> HPCServices:
        """The facilities, jobs and files services of this server."""
        return self.settings[SETTINGS_KEY]  # type: ignore[no-any-return]

    @property
    def identity_provider(self) -> Any:
        """The server's identity provider, also accepting the kernel token on these routes."""
        return KernelTokenIdentity(self.settings["identity_provider"], self.services.kernel_token)

    def system_argument(self) -> str | None:
        """The `system` query argument as sent (None: the facility's default system)."""
        return self.query_text("system")

    def query_text(self, name: str) -> str | None:
        """A query argument exactly as sent (None when absent), or a 400 that says why not.

        Not `get_query_argument`: it strips whitespace and turns control characters into
        spaces, so `?path=a.txt%20` or `?path=a.txt%00` would reach the facility as `a.txt`.
        """
        values = self.request.query_arguments.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError(
                f"Give the {name!r} query argument once, not {len(values)} times."
            )
        try:
            text = values[0].decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                f"The {name!r} query argument is not UTF-8 text once percent-decoded."
            ) from None
        if "\x00" in text:
            raise ValidationError(f"The {name!r} query argument contains a NUL character.")
        return text

    def path_argument(self, name: str = "path") -> str:
        """A required path query argument, exactly as sent and checked for size, or a 400."""
        path = self.query_text(name)
        if not path:
            raise ValidationError(
                f"The request needs the {name!r} query argument: a non-empty path."
            )
        return check_path(path)

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 that says why not."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise ValidationError("The request body is not valid JSON.") from None
        except RecursionError:
            raise ValidationError("The request body nests JSON too deeply.") from None
        if not isinstance(body, dict):
            raise ValidationError("The request body must be a JSON object.")
        return body

    def int_argument(self, name: str, default: int | None = None) -> int | None:
        """A non-negative whole-number query argument: ASCII digits only (`²` is not 2)."""
        raw = self.query_text(name)
        if raw is None:
            return default
        digits = raw.lstrip("0") or "0"
        # Length first: int() of thousands of digits is refused by Python itself (a 500).
        if (
            not (raw.isascii() and raw.isdigit())
            or len(digits) > 19
            or int(digits) > MAX_WHOLE_NUMBER
        ):
            raise ValidationError(
                f"{name} must be a whole number from 0 to {MAX_WHOLE_NUMBER}, in digits 0-9."
            )
        return int(digits)

    def write_json(self, model: Any, status: int = 200) -> None:
        """Finish with a JSON model."""
        self.set_status(status)
        self.finish(json.dumps(model))

    def write_payload(self, payload: Payload) -> None:
        """Finish with JSON serialized beforehand, or `304` when the reader has these bytes.

        `Cache-Control: no-cache` lets a browser keep the answer but revalidate it every time.
        """
        self.set_header("ETag", payload.etag)
        self.set_header("Cache-Control", "no-cache")
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        self.finish(payload.body)

    # One map from our error tree to HTTP, for every handler.
    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if isinstance(error, HPCError):
            status_code = error.status
        super().send_error(status_code, **kwargs)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:  # HTTP asks a 405 to say what the resource does allow
            self.set_header("Allow", ", ".join(allowed_methods(type(self))))
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


def allowed_methods(handler: type[RequestHandler]) -> list[str]:
    """The HTTP methods a handler class implements."""
    return [
        verb
        for verb in VERBS
        if getattr(handler, verb.lower()) is not getattr(RequestHandler, verb.lower())
    ]
