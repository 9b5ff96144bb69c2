"""The settings of an `iri` facility, read and checked from its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..options import FLAG, NAMES_TO_STRINGS, VERIFY, RetrySettings, http_url, number, text
from ..settings import Check, option, read_settings
from .auth_config import AuthSettings, parse_auth

DIRECT_LIMIT = 5 * 1024 * 1024
"""The IRI API's largest `view` (5 MiB); uploads and downloads are direct, so kept as small."""

_REQUIRED = "required: a non-empty string"
_LINE = text(single_line=True)


def _auth(facility: str, key: str, value: Any) -> AuthSettings:
    return parse_auth(facility, value)


def _home(facility: str, key: str, value: Any) -> str:
    return _LINE.read(facility, key, value) or "."


@dataclass(frozen=True, kw_only=True)
class IRISettings(RetrySettings):
    """Everything an IRI facility needs: where the API is, which resources, defaults, auth."""

    url: str = option(
        "the API's base URL with its version, e.g. `https://api.alcf.anl.gov/api/v1`",
        http_url(
            "required: the API's URL, e.g. https://.../api/v1",
            "must not carry credentials or a query; use auth",
            query=False,
        ),
        missing="required: the API's URL, e.g. https://.../api/v1",
    )
    compute_resource: str = option(
        "the id or name of the compute resource (`GET /status/resources`)",
        text(_REQUIRED, absent=_REQUIRED, single_line=True),
        missing=_REQUIRED,
    )
    storage_resource: str = option(
        "the id or name of the storage resource files are read and written on",
        text(_REQUIRED, absent=_REQUIRED, single_line=True),
        missing=_REQUIRED,
    )
    auth: AuthSettings = option(
        'a Globus token file `{"token_file": PATH}` (with `client_id` unless the path names '
        'it), a Globus refresh token `{"refresh_token": SOURCE, "client_id": ...}`, or a bearer '
        'token source such as `{"env": "IRI_TOKEN"}`; also `resource_server`, `auth_url`, '
        '`login_hint`, `access_token`; or `{"hub": {"key": ...}}`: the access token '
        "JupyterHub holds for the user (e.g. `tokens.<resource server>.access_token` for Globus); "
        'or `{"login": {"flow": "device", ...}}`: the bearer token of a device login the user '
        "makes from the panel or `%hpc_login`. With `client_id`, "
        '`"login": {"flow": "globus", "scopes": [...], "session_required_policies": [...]}` '
        "lets the user make the Globus login from the panel or `%hpc_login`; the tokens go to "
        "`token_file` (default: ALCF's helper's, "
        "`~/.globus/app/<client_id>/alcf_facility_api_app/tokens.json`)",
        Check("a dict: a token file, a refresh token, a secret source, `hub` or `login`", _auth),
        missing='required, e.g. {"token_file": "~/.globus/app/.../tokens.json"}',
        secret=True,
    )
    system: str | None = option(
        "the system's name",
        _LINE,
        default=None,
        shown_default="the compute resource's group or name",
    )
    home: str = option("where the file view opens", Check("a one-line string", _home), default=".")
    queue: str | None = option("the default queue", _LINE, default=None)
    account: str | None = option("the default account (project)", _LINE, default=None)
    filesystems: str | None = option(
        "PBS's `-l filesystems`, sent as a custom attribute, e.g. `home:eagle`",
        _LINE,
        default=None,
    )
    custom_attributes: Mapping[str, str] = option(
        "further custom attributes of every job", NAMES_TO_STRINGS, default_factory=dict
    )
    timeout: float = option("seconds to wait for one network operation", number(0.1), default=30.0)
    task_timeout: float = option(
        "seconds a filesystem task is polled (with backoff) before giving up",
        number(0.1),
        default=120.0,
    )
    direct_limit: int = option(
        "the largest file read or uploaded directly, in bytes (the API's `view` limit); larger "
        "ones are refused with advice to use Globus",
        number(1, whole=True),
        default=DIRECT_LIMIT,
        shown_default=f"`{DIRECT_LIMIT}` (5 MiB)",
    )
    page_size: int = option(
        "items asked per page of a list the API returns", number(1, whole=True), default=100
    )
    max_pages: int = option("pages of one list read at most", number(1, whole=True), default=20)
    historical: bool = option("list finished jobs too", FLAG, default=True)
    verify: bool | str = option(
        "check the server's TLS certificate (true), not (false), or with this CA bundle",
        VERIFY,
        default=True,
    )

    @classmethod
    def parse(cls, facility: str, options: Mapping[str, Any]) -> IRISettings:
        """Check every option; `ConfigError` names the key at fault."""
        return read_settings(cls, facility, options)
