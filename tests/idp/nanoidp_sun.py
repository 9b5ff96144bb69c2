"""Run nanoidp with one claim mapper more: its access tokens carry `sun`, the user's name.

Slurm 22.05 reads the user of an IdP token only from `sun` (or `username`); nanoidp 3.4 puts the
user name in `sub` and has no setting to add a claim to access tokens (its users' `attributes`
land nested under `attributes`, and the `/token` parameter `extra` may not name a user claim).
A real IdP does this with configuration (a Keycloak protocol mapper); here the one function that
signs nanoidp's tokens gets the claim added, and nothing else changes. Run as
`python -m tests.idp.nanoidp_sun --config DIR` (the arguments of `python -m nanoidp`).
"""

from __future__ import annotations

import runpy
from typing import Any

from nanoidp.services import crypto

_sign = crypto.CryptoService.create_jwt


def _create_jwt(self: Any, sub: str, *args: Any, **kwargs: Any) -> str:
    extra = kwargs.get("extra")
    if isinstance(extra, dict) and extra.get("token_use") == "access":
        kwargs["extra"] = {**extra, "sun": sub}
    return str(_sign(self, sub, *args, **kwargs))


if __name__ == "__main__":
    crypto.CryptoService.create_jwt = _create_jwt  # type: ignore[method-assign]
    runpy.run_module("nanoidp", run_name="__main__", alter_sys=True)
