"""Unit tests of the facility backends that need no server."""
