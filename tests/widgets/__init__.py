"""The notebook panels (ipywidgets) against the real server."""
