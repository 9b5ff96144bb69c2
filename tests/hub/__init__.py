"""Tests against a real JupyterHub (the `hub` test extra, configurable-http-proxy from npm)."""
