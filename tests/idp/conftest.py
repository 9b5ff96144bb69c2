"""Fixtures of the identity-provider tests: nanoidp for the session."""

from tests.idp.nanoidp import nanoidp

__all__ = ["nanoidp"]
