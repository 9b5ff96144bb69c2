"""Unit tests of the token sources and their shared cache."""
