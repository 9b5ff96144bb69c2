"""The kernel side's way in: find the running hpc-jupyter server and call its REST API."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx

from ._version import __version__
from .errors import (
    ERRORS_BY_REASON,
    Conflict,
    FacilityError,
    HPCError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
    UpstreamTimeout,
    ValidationError,
)
from .protocol import API_VERSION, KERNEL_TOKEN_HEADER

__all__ = [
    "API_VERSION",
    "DEFAULT_TIMEOUT",
    "TOKEN_HEADER",
    "HPCClient",
    "ProgressCallback",
    "ServerInfo",
    "default_client",
    "find_server",
    "set_default_client",
]

TOKEN_HEADER = KERNEL_TOKEN_HEADER
"""The header that carries the kernel token (the name this module has always exported)."""

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Once an upload's body is sent, the server may still be moving it to the facility.
TRANSFER_TIMEOUT = httpx.Timeout(30.0, connect=10.0, read=300.0)
CHUNK_SIZE = 1024 * 1024

URL_VARIABLE = "HPC_JUPYTER_URL"
TOKEN_VARIABLE = "HPC_JUPYTER_TOKEN"  # noqa: S105 - the name of a variable, not a secret
RUNTIME_PATTERN = "hpc-jupyter-*.json"

ProgressCallback = Callable[[int, int | None], None]
"""Called as `progress(bytes_done, total)` during a transfer; `total` is None when unknown."""

_NOT_FOUND_HINT = (
    "No hpc-jupyter server found. Run this inside JupyterLab with hpc-jupyter installed "
    f"(the server extension writes {RUNTIME_PATTERN} into Jupyter's runtime directory), "
    f"or set {URL_VARIABLE} (and {TOKEN_VARIABLE}) to reach a server."
)

# When the body names no `reason` of ours (Jupyter's own refusals, proxies, old servers).
_ERRORS_BY_STATUS: dict[int, type[HPCError]] = {
    400: ValidationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    502: FacilityError,
    503: Unavailable,
    504: UpstreamTimeout,
}


@dataclass(frozen=True)
class ServerInfo:
    """Where the server is, the credential to send, and where we learnt both."""

    url: str
    token: str | None = field(default=None, repr=False)
    source: str = ""


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    except OSError:
        return False
    return True


def _read_runtime_file(path: Path) -> tuple[ServerInfo, int] | None:
    """A runtime file's server and pid, or None when it is unreadable or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, token, pid = data.get("url"), data.get("token"), data.get("pid")
    if not isinstance(url, str) or not isinstance(token, str) or not isinstance(pid, int):
        return None
    return ServerInfo(_with_slash(url), token, f"runtime file {path}"), pid


def _runtime_dir() -> Path:
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def find_server(
    environ: Mapping[str, str] | None = None, runtime_dir: Path | None = None
) -> ServerInfo:
    """Find the hpc-jupyter server this kernel should talk to.

    In order: the `HPC_JUPYTER_URL` (and `HPC_JUPYTER_TOKEN`) environment variables; the
    runtime file of the server that started this kernel (`JPY_PARENT_PID`); the newest runtime
    file whose server is still alive.

    Raises
    ------
    HPCError
        When no server can be found, saying how to make one findable.
    """
    env = os.environ if environ is None else environ
    url = env.get(URL_VARIABLE, "").strip()
    if url:
        return ServerInfo(_with_slash(url), env.get(TOKEN_VARIABLE) or None, "environment")
    directory = _runtime_dir() if runtime_dir is None else runtime_dir
    found: list[tuple[float, ServerInfo, int]] = []
    for path in directory.glob(RUNTIME_PATTERN):
        entry = _read_runtime_file(path)
        if entry is None:
            continue
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        found.append((modified, *entry))
    parent = env.get("JPY_PARENT_PID", "")
    for _, info, pid in found:
        if parent.isdigit() and pid == int(parent):
            return info
    for _, info, pid in sorted(found, key=lambda item: item[0], reverse=True):
        if _pid_alive(pid):
            return info
    raise HPCError(_NOT_FOUND_HINT)


class HPCClient:
    """A small synchronous client of the hpc-jupyter REST API (`<server>/hpc/api/...`).

    Parameters
    ----------
    url
        The Jupyter server's base URL; found with `find_server` when omitted.
    token
        The kernel token, sent as `X-HPC-Kernel-Token`.
    auth_header
        An explicit `(name, value)` credential header instead, e.g.
        `("Authorization", "token <jupyter token>")`.
    transport
        An httpx transport, for tests (`httpx.MockTransport`).
    timeout
        Seconds, or an `httpx.Timeout`, for every request.

    Every failure is raised as an `HPCError` carrying the server's message.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        auth_header: tuple[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        source = "arguments"
        if url is None:
            server = find_server()
            url, source = server.url, server.source
            token = server.token if token is None else token
        self.url = _with_slash(url)
        self.source = source
        headers = {"User-Agent": f"hpc-jupyter-client/{__version__}", "Accept": "application/json"}
        if auth_header is not None:
            self._auth_name, self._secret = auth_header
        else:
            self._auth_name, self._secret = TOKEN_HEADER, token or ""
        if self._secret:
            headers[self._auth_name] = self._secret
        self._http = httpx.Client(
            base_url=self.url + "hpc/api/",
            headers=headers,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            # Our server is local and named explicitly; proxies from the environment would
            # only see the credential.
            trust_env=False,
        )
        self._api_checked = False

    def __repr__(self) -> str:
        auth = f"{self._auth_name}: ***" if self._secret else "none"
        return f"<HPCClient url={self.url!r} auth={auth!r}>"

    def __enter__(self) -> HPCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- the one request path ----------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _transport_error(self, err: httpx.TransportError) -> HPCError:
        where = f"the hpc-jupyter server at {self.url}"
        if isinstance(err, httpx.ConnectError | httpx.ConnectTimeout):
            detail = self._redact(str(err)) or type(err).__name__
            return Unavailable(
                f"Cannot reach {where} ({detail}). Is JupyterLab still running? "
                "Restarting the kernel finds a restarted server."
            )
        if isinstance(err, httpx.TimeoutException):
            return UpstreamTimeout(f"{where[0].upper()}{where[1:]} did not answer in time.")
        detail = self._redact(str(err)) or type(err).__name__
        return Unavailable(f"The connection to {where} failed ({detail}).")

    def _error(self, response: httpx.Response) -> HPCError:
        """The `HPCError` that an error response stands for, with the server's message."""
        status = response.status_code
        message: str | None = None
        reason: str | None = None
        try:
            body = json.loads(response.read())
        except ValueError:
            body = None
        if isinstance(body, dict):
            if isinstance(body.get("message"), str) and body["message"].strip():
                message = body["message"]
            if isinstance(body.get("reason"), str):
                reason = body["reason"]
        cls = ERRORS_BY_REASON.get(reason or "")
        if cls is None:
            # Not one of our errors: Jupyter itself, a proxy, or a server without hpc-jupyter.
            if status in (401, 403):
                return PermissionDenied(
                    f"The Jupyter server at {self.url} refused this kernel's credentials "
                    f"(HTTP {status}). Restart the kernel from JupyterLab, or check "
                    f"{TOKEN_VARIABLE}."
                )
            if status == 404 and message is None:
                return NotFound(
                    f"No hpc-jupyter API at {response.request.url.copy_with(query=None)}: "
                    "is the hpc-jupyter server extension installed and enabled?"
                )
            cls = _ERRORS_BY_STATUS.get(status, HPCError)
            message = f"The hpc-jupyter server answered HTTP {status}" + (
                f": {message}" if message else f" {response.reason_phrase}."
            )
        elif message is None:
            message = f"The hpc-jupyter server answered HTTP {status} ({reason})."
        return cls(self._redact(message))

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json_body: Any = None,
        content: Iterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        stream: bool = False,
        retry: bool = False,
    ) -> httpx.Response:
        """Send one request; a successful response, or the matching `HPCError`.

        `retry` sends the request once more after a broken connection; only for requests that
        are safe to repeat (reads, and submissions carrying an Idempotency-Key).
        """
        query = {
            key: (str(value).lower() if isinstance(value, bool) else str(value))
            for key, value in (params or {}).items()
            if value is not None
        }
        request = self._http.build_request(
            method,
            path,
            params=query,
            json=json_body,
            content=content,
            headers=headers,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as err:
                if attempt + 1 < attempts:
                    continue
                raise self._transport_error(err) from None
            if response.is_success or (
                response.status_code == 304 and "If-None-Match" in request.headers
            ):
                return response
            try:
                raise self._error(response) from None
            finally:
                response.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool | None = None,
    ) -> Any:
        """Call `/hpc/api/<path>` and return the decoded JSON body (None when empty).

        `path` is relative to `/hpc/api/` and already quoted (see `api_path`). Reads are retried
        once after a broken connection; other verbs only when `retry` says so.
        """
        response = self._send(
            method,
            path,
            params=params,
            json_body=json_body,
            headers=headers,
            retry=method == "GET" if retry is None else retry,
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise HPCError(
                f"The hpc-jupyter server sent a reply that is not JSON for {method} {path}."
            ) from None

    def get_if_changed(
        self,
        path: str,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        etag: str | None = None,
    ) -> tuple[Any, str | None] | None:
        """GET `/hpc/api/<path>` unless the answer is still the one tagged `etag`.

        None when the server answers `304` (the caller's copy is current); else the decoded
        JSON body and its `ETag` (None when the server sent none).
        """
        headers = {"If-None-Match": etag} if etag else None
        response = self._send("GET", path, params=params, headers=headers, retry=True)
        if response.status_code == 304:
            return None
        try:
            data = response.json()
        except ValueError:
            raise HPCError(
                f"The hpc-jupyter server sent a reply that is not JSON for GET {path}."
            ) from None
        return data, response.headers.get("ETag")

    def download(
        self,
        path: str,
        sink: IO[bytes],
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        progress: ProgressCallback | None = None,
    ) -> int:
        """Stream the raw body of GET `/hpc/api/<path>` into `sink`; return the bytes written.

        Raises `Unavailable` when the body ends before its announced length.
        """
        response = self._send("GET", path, params=params, stream=True, retry=True)
        try:
            length = response.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
            done = 0
            if progress is not None:
                progress(0, total)
            # The bytes as they come off the socket: `iter_bytes(size)` would copy each into a
            # buffer to cut it into equal pieces (a third of curl's speed). Raw is the content
            # unless the server encoded it, which ours does not (still decoded if it ever does),
            # or the body is already read (a test's transport).
            encoded = response.headers.get("Content-Encoding", "identity") != "identity"
            raw = not encoded and not response.is_stream_consumed
            chunks = response.iter_raw() if raw else response.iter_bytes()
            try:
                for chunk in chunks:
                    sink.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            except httpx.TransportError as err:
                raise self._transport_error(err) from None
        finally:
            response.close()
        if total is not None and done != total:
            raise Unavailable(
                f"The download of {path} stopped after {done} of {total} bytes; try again."
            )
        return done

    def upload(
        self,
        path: str,
        source: IO[bytes],
        size: int,
        *,
        params: Mapping[str, str | int | bool | None] | None = None,
        progress: ProgressCallback | None = None,
    ) -> Any:
        """Stream `size` bytes of `source` as the body of PUT `/hpc/api/<path>`; return its JSON.

        The body is read in chunks as it is sent, so a large file is never held in memory.
        """

        def chunks() -> Iterator[bytes]:
            done = 0
            if progress is not None:
                progress(0, size)
            while done < size:
                chunk = source.read(min(CHUNK_SIZE, size - done))
                if not chunk:
                    break
                done += len(chunk)
                yield chunk
                if progress is not None:
                    progress(done, size)
            if done != size:
                raise ValidationError(
                    f"The local file shrank while it was uploaded ({done} of {size} bytes)."
                )

        response = self._send(
            "PUT",
            path,
            params=params,
            content=chunks(),
            # A length lets the server refuse an oversized upload before reading it.
            headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
            timeout=TRANSFER_TIMEOUT,
        )
        return response.json() if response.content else None

    def info(self) -> dict[str, Any]:
        """GET /hpc/api/info: the server's version and API version."""
        data = self.request("GET", "info")
        if not isinstance(data, dict):
            raise HPCError("The hpc-jupyter server sent a malformed /hpc/api/info reply.")
        return data

    def kernel_notebook(self, kernel_id: str) -> str | None:
        """GET /hpc/api/kernels/{id}/notebook: the notebook of that kernel's session as it is
        named now (a path from the server's root), or None for a kernel of no notebook."""
        data = self.request("GET", api_path("kernels", kernel_id, "notebook"))
        found = data.get("notebook") if isinstance(data, dict) else None
        return found if isinstance(found, str) and found else None

    def _login(self, method: str, facility: str, *more: str, body: Any = None) -> dict[str, Any]:
        data = self.request(
            method, api_path("facilities", facility, "login", *more), json_body=body
        )
        if not isinstance(data, dict) or "state" not in data:
            raise HPCError("The hpc-jupyter server sent a malformed login reply.")
        return data

    def login(self, facility: str) -> dict[str, Any]:
        """POST .../login: start a login (the server keeps the tokens; this gets none)."""
        return self._login("POST", facility)

    def login_status(self, facility: str) -> dict[str, Any]:
        """GET .../login: where the login to `facility` stands."""
        return self._login("GET", facility)

    def finish_login(self, facility: str, code: str) -> dict[str, Any]:
        """POST .../login/code: finish a Globus login with the code the user pasted."""
        return self._login("POST", facility, "code", body={"code": code})

    def logout(self, facility: str) -> dict[str, Any]:
        """DELETE .../login: the server forgets the tokens."""
        return self._login("DELETE", facility)

    def check_api_version(self) -> None:
        """Make sure the server speaks our API version (asked once per client)."""
        if self._api_checked:
            return
        info = self.info()
        if info.get("api_version") != API_VERSION:
            raise HPCError(
                f"The hpc-jupyter server (version {info.get('version')}) speaks API version "
                f"{info.get('api_version')}, this kernel's hpc-jupyter {__version__} speaks "
                f"{API_VERSION}. Install the same hpc-jupyter in the kernel's environment and "
                "restart the kernel."
            )
        self._api_checked = True


def api_path(*parts: str) -> str:
    """A path under /hpc/api/ with each part quoted, e.g. `api_path("facilities", name)`."""
    return "/".join(quote(part, safe="") for part in parts)


_default_lock = threading.Lock()
_default: HPCClient | None = None


def set_default_client(client: HPCClient | None) -> HPCClient | None:
    """Make `client` the one `connect()` and the magics use; None forgets it.

    Returns the previous default client (not closed), so tests can restore it.
    """
    global _default
    with _default_lock:
        previous, _default = _default, client
    return previous


def default_client() -> HPCClient:
    """The shared client: the one set with `set_default_client`, else one found by discovery."""
    global _default
    with _default_lock:
        if _default is None:
            _default = HPCClient()
        return _default
