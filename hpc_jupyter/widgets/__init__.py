"""Notebook panels (ipywidgets): a file browser, a job monitor and a submit form."""

from __future__ import annotations

from .file_browser import FileBrowser
from .job_monitor import JobMonitor
from .submit_form import SubmitForm

__all__ = ["FileBrowser", "JobMonitor", "SubmitForm"]
