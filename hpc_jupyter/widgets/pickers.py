"""Facility and system pickers, offering only the facilities that can do what a panel needs."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from ..api import HPC, Facility
from ..errors import CapabilityError, NotFound

__all__ = ["ALL_FACILITIES", "FacilityPicker"]

ALL_FACILITIES = "*"
"""The picker value that stands for every facility (the job monitor's default)."""


class FacilityPicker:
    """Two dropdowns: a facility that declares `capability`, and one of its systems.

    `allow_all` adds an "All facilities" choice (the system picker is then hidden).
    """

    def __init__(
        self,
        hpc: HPC,
        capability: str,
        *,
        facility: str | None = None,
        system: str | None = None,
        allow_all: bool = False,
    ) -> None:
        self.hpc = hpc
        described = [f for f in hpc.facilities() if f.can(capability)]
        if not described:
            raise CapabilityError(f"No facility of this server offers {capability}.")
        self.facilities: dict[str, Facility] = {f.name: f for f in described}
        options = [(f.name, f.name) for f in described]
        if allow_all:
            options.insert(0, ("All facilities", ALL_FACILITIES))
        if facility is None:
            facility = ALL_FACILITIES if allow_all else self._default(hpc)
        if facility != ALL_FACILITIES and facility not in self.facilities:
            known = ", ".join(self.facilities)
            raise NotFound(f"No facility {facility!r} offers {capability}; these do: {known}.")
        self._callbacks: list[Callable[[], object]] = []
        self._quiet = False
        self._pending_system: str | None = None
        self.facility = w.Dropdown(description="Facility", options=options, value=facility)
        self.system = w.Dropdown(description="System", options=[])
        self.widget = w.HBox([self.facility, self.system])
        self._fill_systems(system)
        self.facility.observe(self._facility_changed, names="value")
        self.system.observe(self._system_changed, names="value")

    def _default(self, hpc: HPC) -> str:
        name = hpc.facility_name
        return name if name in self.facilities else next(iter(self.facilities))

    def _fill_systems(self, system: str | None) -> None:
        if self.facility.value == ALL_FACILITIES:
            self._quiet = True
            try:
                self.system.options = []
            finally:
                self._quiet = False
            self.system.layout.display = "none"
            return
        facility = self.facilities[self.facility.value]
        default = [facility.default_system] if facility.default_system is not None else []
        names = [s.name for s in facility.systems] or default
        if system is not None and system not in names:
            raise NotFound(f"Facility {facility.name!r} has no system {system!r}.")
        self._quiet = True
        try:
            self.system.options = names
            self.system.value = system or facility.default_system or names[0]
        finally:
            self._quiet = False
        self.system.layout.display = "none" if len(names) < 2 else "flex"

    def _facility_changed(self, change: object) -> None:
        system, self._pending_system = self._pending_system, None
        self._fill_systems(system)
        self._notify()

    def _system_changed(self, change: object) -> None:
        if not self._quiet:
            self._notify()

    def _notify(self) -> None:
        for callback in self._callbacks:
            callback()

    def on_change(self, callback: Callable[[], object]) -> None:
        """Call `callback()` whenever the facility or system changes."""
        self._callbacks.append(callback)

    @property
    def all(self) -> bool:
        """Whether "All facilities" is chosen."""
        return bool(self.facility.value == ALL_FACILITIES)

    def choose(self, facility: str, system: str | None = None) -> None:
        """Pick a facility (or `ALL_FACILITIES`) and system, as a user would."""
        if facility != ALL_FACILITIES and facility not in self.facilities:
            raise NotFound(f"No facility {facility!r} here; choose one of {list(self.facilities)}.")
        if self.facility.value != facility:
            self._pending_system = system
            self.facility.value = facility  # the observer fills the systems and notifies
        else:
            self._fill_systems(system)
            self._notify()

    def api(self) -> HPC:
        """The Python API for the chosen facility and system."""
        if self.all:
            raise CapabilityError("Choose one facility first.")
        return HPC(self.hpc.client, str(self.facility.value), str(self.system.value) or None)

    def apis(self) -> list[HPC]:
        """One API per chosen facility: all of them, or the one chosen."""
        if not self.all:
            return [self.api()]
        return [HPC(self.hpc.client, name) for name in self.facilities]
