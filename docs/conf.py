"""Sphinx configuration of the hpc-jupyter documentation (MyST Markdown, pydata theme)."""

from __future__ import annotations

import re
from pathlib import Path

# The version is read from the file rather than imported, so the docs build without the
# package (and its labextension) installed.
_VERSION_FILE = Path(__file__).resolve().parents[1] / "hpc_jupyter" / "_version.py"
_match = re.search(r'__version__ = "([^"]+)"', _VERSION_FILE.read_text(encoding="utf-8"))
if _match is None:
    raise RuntimeError(f"no __version__ in {_VERSION_FILE}")

project = "hpc-jupyter"
author = "the hpc-jupyter developers"
copyright = "the hpc-jupyter developers"
version = release = _match.group(1)

extensions = ["myst_parser", "sphinxcontrib.openapi"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
root_doc = "index"

# operators/options/*.md are generated tables, included by each kind's page, not pages of
# their own.
exclude_patterns = ["_build", "operators/options/*", "Thumbs.db", ".DS_Store"]

# No network at build time: no intersphinx, nothing fetched by the theme.
html_theme = "pydata_sphinx_theme"
html_title = f"hpc-jupyter {release}"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
