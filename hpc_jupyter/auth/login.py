"""What a facility whose credential comes from a login the user makes offers the routes."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

LOGIN_STATES = ("logged_out", "pending", "logged_in")


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
