"""A real OpenID Connect provider for the tests: nanoidp from PyPI."""
