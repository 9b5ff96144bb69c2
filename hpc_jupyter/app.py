"""The hpc-jupyter server extension: configuration, facilities, job watcher and routes."""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_events import EventLogger
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bunch, Dict, Float, Int, Unicode, default, observe

from ._version import __version__
from .backends import discover_backends
from .ledger import SubmissionLedger
from .protocol import JOB_STATE_EVENT
from .records import SubmissionRecords
from .registry import FacilityRegistry
from .routes import ROUTES
from .services import SETTINGS_KEY, HPCServices
from .stopping import within
from .watcher import JobWatcher

EVENT_SCHEMA = Path(__file__).parent / "event_schemas" / "job_state" / "v1.yaml"
CONTENTS_EVENTS = "https://events.jupyter.org/jupyter_server/contents_service/v1"
"""jupyter_server's events of its contents manager: a rename says `path` and `source_path`."""


class HPCJupyterApp(ExtensionApp):
    """Brings HPC facilities into Jupyter through one REST API under /hpc/api."""

    name = "hpc_jupyter"
    handlers = ROUTES  # type: ignore[assignment]

    facilities = Dict(
        default_value={},
        help="""Named facilities, each a dict with a `kind` and that kind's options, e.g.
        {"daint": {"kind": "firecrest", "url": "..."}}. With none, a `local` facility
        (this machine's files under the server's root and local processes) is configured.""",
    ).tag(config=True)

    data_dir = Unicode(
        help="Where facilities keep their state (job records), one folder per facility."
    ).tag(config=True)

    max_upload_size = Int(
        100 * 1024**3, help="The largest upload accepted through /hpc/api, in bytes."
    ).tag(config=True)

    idle_after = Float(
        300.0,
        help="Seconds after the last client asked for a facility's jobs until the job watcher "
        "stops listing them (it keeps listing while any job is active).",
    ).tag(config=True)

    stop_timeout = Float(
        10.0,
        help="Seconds the job watcher, and then the facilities, get to stop when the server "
        "stops; what is still running then is logged and left behind.",
    ).tag(config=True)

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.path.join(jupyter_data_dir(), "hpc_jupyter")

    def initialize_settings(self) -> None:
        """Build the facilities from configuration; a bad one is listed as misconfigured."""
        self._join_server_log()
        self._pin_hub_auth()
        self._make_data_dir()
        root_dir = Path(os.path.expanduser(self.serverapp.root_dir))  # type: ignore[union-attr]
        self.registry = FacilityRegistry.from_config(
            self.facilities, discover_backends(), root_dir, Path(self.data_dir)
        )
        self.kernel_token = secrets.token_urlsafe(32)
        self.submissions = SubmissionLedger(Path(self.data_dir))
        self.records = SubmissionRecords(Path(self.data_dir), root_dir)
        self.watcher = JobWatcher(
            self.registry,
            self._emit_job_state,
            self.registry.intervals,
            self.idle_after,
            records=self.records,
        )
        self.serverapp.event_logger.register_event_schema(EVENT_SCHEMA)  # type: ignore[union-attr]
        self.serverapp.event_logger.add_listener(  # type: ignore[union-attr]
            schema_id=CONTENTS_EVENTS, listener=self._follow_rename
        )
        self.services = HPCServices.build(
            self.registry,
            self.watcher,
            self.submissions,
            self.kernel_token,
            self.max_upload_size,
            self.records,
        )
        self.settings[SETTINGS_KEY] = self.services
        # The handlers use only the services; the app itself is there for tests and tools.
        self.settings["hpc_jupyter"] = self

    @observe("max_upload_size")
    def _max_upload_size_changed(self, change: Bunch) -> None:
        if hasattr(self, "services"):  # a limit changed while running holds from the next upload
            self.services.files.max_upload_size = change["new"]

    def _pin_hub_auth(self) -> None:
        # A `hub` facility takes JUPYTERHUB_API_TOKEN out of the environment when the
        # configuration is read, so kernels do not inherit a token that can read the user's
        # access token. jupyterhub-singleuser's HubOAuth objects read it lazily (the server's
        # OAuth client secret, activity reports): make sure they have read it before it goes.
        # (With jupyterhub 6.1 they already have by now; extension load order may differ.)
        server: Any = self.serverapp
        holders = [getattr(server.identity_provider, "hub_auth", None)]
        for apps in server.extension_manager.extension_apps.values():
            holders += [getattr(app, "hub_auth", None) for app in apps if app is not self]
        for hub_auth in holders:
            if hub_auth is not None:
                _ = hub_auth.api_token

    def _make_data_dir(self) -> None:
        # Job records and login tokens live here: the user's alone (0700), even in a home
        # other users can list (useradd's default 0755 on Debian).
        data_dir = Path(self.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if data_dir.stat().st_mode & 0o077:
            logging.getLogger(__name__).warning(
                "%s can be read by other users; run `chmod 700` on it", data_dir.as_posix()
            )

    def _join_server_log(self) -> None:
        # Our modules log to `logging.getLogger(__name__)`. Parent the package's logger to the
        # server's log, as jupyter_server does for tornado's (ServerApp.init_logging), so their
        # lines reach the server's handlers, formatted like its own and at its level. (The
        # server's log rather than this app's: that one is a separate traitlets logger that
        # stops propagation, so tests and log handlers set up for the server would miss us.)
        package_log = logging.getLogger("hpc_jupyter")
        package_log.parent = self.serverapp.log  # type: ignore[union-attr]
        package_log.propagate = True

    async def _follow_rename(
        self, logger: EventLogger, schema_id: str, data: dict[str, Any]
    ) -> None:
        """A notebook (or folder) renamed in Jupyter keeps its jobs: the records and listings
        name it as it is now named, for "This notebook" and "Submitted from"."""
        source, path = data.get("source_path"), data.get("path")
        if (
            data.get("action") != "rename"
            or not isinstance(source, str)
            or not isinstance(path, str)
        ):
            return
        if self.records.renamed(source, path):
            self.watcher.origins_changed()

    def _emit_job_state(self, data: dict[str, Any]) -> None:
        self.serverapp.event_logger.emit(  # type: ignore[union-attr]
            schema_id=JOB_STATE_EVENT, data=data
        )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Start the facilities and the job watcher; tell kernels how to reach us."""
        await self.registry.start()
        self.watcher.start()
        self._write_runtime_file()

    async def stop_extension(self) -> None:
        """Stop the job watcher and the facilities; forget the runtime file.

        Each step gets `stop_timeout` seconds: a listing or a facility that does not stop is
        logged with where it was stuck, and the server stops anyway.
        """
        await within(self.watcher.stop(), "the job watcher", self.stop_timeout)
        await within(self.registry.close(), "the facilities", self.stop_timeout)
        self.submissions.close()
        self.records.close()
        self.runtime_file.unlink(missing_ok=True)

    @property
    def runtime_file(self) -> Path:
        """Where kernels of this server find its URL and their token (readable by the user only)."""
        runtime_dir = Path(self.serverapp.runtime_dir)  # type: ignore[union-attr]
        return runtime_dir / f"hpc-jupyter-{os.getpid()}.json"

    def _write_runtime_file(self) -> None:
        info = {
            "url": self.serverapp.connection_url,  # type: ignore[union-attr]
            "token": self.kernel_token,
            "pid": os.getpid(),
            "version": __version__,
        }
        path = self.runtime_file
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(info, handle)
        os.replace(temp, path)
