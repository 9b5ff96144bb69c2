"""Fixtures of the FirecREST tests: a facility on the double (tests.firecrest.double_fixtures)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.firecrest.double_fixtures import FACILITY, facility_options
from tests.firecrest.fake_firecrest import FakeFirecrest


@pytest.fixture
def hpc_facilities(double: FakeFirecrest, client_secret: str) -> dict[str, Any]:
    return {FACILITY: facility_options(double, client_secret)}
