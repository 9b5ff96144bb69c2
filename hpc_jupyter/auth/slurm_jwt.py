"""Slurm JWTs for slurmrestd, from `scontrol token` or a file, read again before they expire."""

from __future__ import annotations

from .secrets import SecretSource
from .static import SecretToken


class SlurmJWT(SecretToken):
    """The user's Slurm token. A refusal always gets one fresh read and one retry, even for a
    configured value (which reads the same): the refusal checks stay as they always were."""

    def __init__(self, facility: str, source: SecretSource) -> None:
        super().__init__(facility, source)
        self.can_refresh = True

    def _parse(self, raw: str) -> str:
        # `scontrol token` prints SLURM_JWT=...; accept it as it comes.
        return raw.strip().splitlines()[-1].removeprefix("SLURM_JWT=").strip()

    def refused_message(self) -> str:
        return f"Check the facility's `token` ({self.source.describe()})."
