"""Facility backends, one per facility API, found through `hpc_jupyter.backends` entry points."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from .base import FacilityBackend

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "hpc_jupyter.backends"


def discover_backends() -> dict[str, type[FacilityBackend]]:
    """Every installed facility kind by name; a broken one is logged and skipped."""
    kinds: dict[str, type[FacilityBackend]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            backend = point.load()
        except Exception as err:  # an optional backend must never stop the server
            log.warning(
                "facility kind %r is unavailable (%s: %s); reinstall the package that provides it",
                point.name,
                type(err).__name__,
                err,
            )
            continue
        if not (isinstance(backend, type) and issubclass(backend, FacilityBackend)):
            log.warning("entry point %r is not a FacilityBackend; skipped", point.name)
            continue
        kinds[point.name] = backend
    return kinds
