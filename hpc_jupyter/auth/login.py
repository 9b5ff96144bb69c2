"""What a facility whose credential comes from a login the user makes offers the routes."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

LOGIN_STATES = ("logged_out", "pending", "logged_in")

LOGIN_FIELDS = (
    "verification_uri",
    "verification_uri_complete",
    "user_code",
    "authorize_url",
    "expires_at",
    "interval",
    "logged_in_until",
)
"""The `Login` model's fields besides flow, state and message (api/openapi.yaml)."""


def login_model(flow: str, state: str, message: str | None, **shown: Any) -> dict[str, Any]:
    """The API's `Login` model: every field present, those a flow does not show set to None.

    `shown` sets the others (`user_code`, `authorize_url`, `logged_in_until`, ...); a name that
    is not a field of the model is a programming error.
    """
    assert state in LOGIN_STATES, state
    unknown = set(shown) - set(LOGIN_FIELDS)
    assert not unknown, unknown
    return {"flow": flow, "state": state, "message": message} | {
        name: shown.get(name) for name in LOGIN_FIELDS
    }


def how_to_log_in(facility: str) -> str:
    """The sentence that tells the user where to log in."""
    return (
        f"Log in to facility {facility!r}: in JupyterLab's HPC panel, or with "
        f"`%hpc_login {facility}` in a notebook."
    )


@runtime_checkable
class LoginSource(Protocol):
    """A login the user starts, finishes and ends; `status()` is the `Login` model of the API.

    Never a credential in what these return: only where to go, what to type, where it stands.
    """

    facility: str
    flow: str

    async def status(self) -> dict[str, Any]:
        """Where the login stands."""
        ...

    async def start(self) -> dict[str, Any]:
        """Start a login (replacing a pending one); `pending` with where the user goes."""
        ...

    async def finish(self, code: str) -> dict[str, Any]:
        """Finish a pending login with the code the user pasted (flows that end so)."""
        ...

    async def logout(self) -> dict[str, Any]:
        """Forget the tokens and any pending login."""
        ...

    async def close(self) -> None:
        """Stop background work (the server stops); never hangs."""
        ...
