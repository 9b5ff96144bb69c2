"""Logging in from the Lab side panel with the device flow, in a real browser.

A FirecREST facility (the v2 double, served from a thread) whose token comes from the user's
device login at nanoidp, a real OIDC provider; the double checks every token's signature
against nanoidp's keys, as FirecREST does. The panel offers "Log in", shows the code, the
user approves it at nanoidp (as at its /device page), the panel shows the facility logged in
and lists its files; "Log out" leads back to "Log in". No token reaches the browser.

Screenshots go to artifacts/browser/device-login-*.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.firecrest_thread import ThreadedFirecrest
from tests.browser.lab_server import (
    SECOND,
    RunningLab,
    jupyter_lab,
    open_browser,
    screenshot,
)
from tests.idp.nanoidp import AUDIENCE, NanoIdp

pytestmark = pytest.mark.browser

FACILITY = "alps"
HOME = "/home"
"""The double's default work directory, where the panel's file view opens."""
NOT_LOGGED_IN = re.compile(r"^(expired|error)$")
"""The panel's status while nobody is logged in: both offer "Log in"."""


@dataclass
class Setup:
    lab: RunningLab
    idp: NanoIdp
    tokens: Path
    """Where the server keeps the facility's tokens (its data directory)."""


@pytest.fixture
def double(tmp_path: Path) -> Iterator[ThreadedFirecrest]:
    """The FirecREST double, with a file at home; fails the test on a request off spec."""
    served = ThreadedFirecrest(tmp_path / "remote")
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def setup(tmp_path: Path, double: ThreadedFirecrest, nanoidp: NanoIdp) -> Iterator[Setup]:
    """JupyterLab with one FirecREST facility that logs in at nanoidp; nobody logged in."""
    (double.fake.local(HOME) / "run.out").write_text("done\n")

    def check_jwts() -> None:
        double.fake.jwks_url, double.fake.jwt_audience = nanoidp.jwks_url, AUDIENCE

    double.call(check_jwts)
    root = tmp_path / "root"
    root.mkdir()
    data_dir = tmp_path / "hpc-data"
    facility = {
        "kind": "firecrest",
        "url": double.fake.url,
        "token": nanoidp.login_config(),
        "timeout": 10,
    }
    hpc_config = {"data_dir": str(data_dir), "facilities": {FACILITY: facility}}
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield Setup(running, nanoidp, data_dir / FACILITY / "login.json")


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"device-login-{name}")


def test_log_in_with_the_device_flow_then_log_out(setup: Setup) -> None:
    from playwright.sync_api import expect

    with open_browser() as browser:
        page = browser.page
        try:
            panel = browser.open_lab(setup.lab)
            auth = panel.locator(".hpc-Panel-auth")
            text = panel.locator(".hpc-Panel-authText")
            login = panel.locator(".hpc-Login")
            start = login.get_by_role("button", name="Log in")
            files = panel.locator(".hpc-RemoteFiles")

            # Given nobody logged in: the panel says so and offers "Log in", not "Check again"
            # (expired from the facility's status, or error once a listing was refused)
            expect(auth).to_have_attribute("data-status", NOT_LOGGED_IN, timeout=30 * SECOND)
            expect(text).to_contain_text("Not logged in")
            expect(start).to_be_visible()
            expect(panel.locator(".hpc-Panel-recheck")).to_be_hidden()
            _shot(page, "1-log-in")

            # When the user logs in (from the keyboard)
            start.focus()
            page.keyboard.press("Enter")

            # Then the panel shows the code, a link to nanoidp's page, the time left, Cancel
            code = login.locator(".hpc-Login-code")
            expect(code).to_have_text(re.compile(r"\S+"), timeout=30 * SECOND)
            user_code = code.inner_text().strip()
            link = login.get_by_role("link", name="Open the login page")
            expect(link).to_have_attribute("target", "_blank")
            href = link.get_attribute("href") or ""
            assert href.startswith(f"{setup.idp.issuer}/device"), href
            expect(login.locator(".hpc-Login-left")).to_have_text(
                re.compile(r"^Time left: \d+:\d\d$")
            )
            expect(login.get_by_role("button", name="Copy the code")).to_be_visible()
            expect(login.get_by_role("button", name="Cancel")).to_be_visible()
            _shot(page, "2-code")

            # When the user approves the code at nanoidp, as at its /device page
            setup.idp.approve(user_code, "alice")

            # Then the panel notices by itself: logged in, the files listed, "Log out" offered
            expect(text).to_have_text("Logged in.", timeout=30 * SECOND)
            expect(auth).to_have_attribute("data-status", "ok")
            expect(files.locator(".hpc-RemoteFiles-item[data-name='run.out']")).to_be_visible(
                timeout=30 * SECOND
            )
            logout = login.get_by_role("button", name="Log out")
            expect(logout).to_be_visible()
            expect(login.locator(".hpc-Login-code")).to_have_count(0)
            _shot(page, "3-logged-in")
            tokens = json.loads(setup.tokens.read_text())
            secrets = [tokens["access_token"], tokens["refresh_token"]]
            dom = page.content()

            # When the user logs out
            logout.click()

            # Then the facility is not logged in any more, "Log in" is offered again and its
            # files are gone from the panel
            expect(start).to_be_visible(timeout=30 * SECOND)
            expect(auth).to_have_attribute("data-status", NOT_LOGGED_IN)
            expect(text).to_contain_text("Not logged in")
            expect(files.locator(".hpc-RemoteFiles-item[data-name='run.out']")).to_have_count(
                0, timeout=30 * SECOND
            )
            _shot(page, "4-logged-out")
        except BaseException:
            _shot(page, "failure")
            raise

        # And no token was in any response the page got, nor in its DOM
        assert browser.bodies
        for secret in secrets:
            assert not browser.seen(secret), "a token reached the browser"
            assert secret not in dom and secret not in page.content()


def test_cancel_and_a_denied_login_lead_back_to_log_in(setup: Setup) -> None:
    from playwright.sync_api import expect

    with open_browser() as browser:
        page = browser.page
        try:
            panel = browser.open_lab(setup.lab)
            login = panel.locator(".hpc-Login")
            start = login.get_by_role("button", name="Log in")
            code = login.locator(".hpc-Login-code")

            # Given a login under way, when the user cancels it, then "Log in" is back
            start.click()
            expect(code).to_have_text(re.compile(r"\S+"), timeout=30 * SECOND)
            cancelled = code.inner_text().strip()
            login.get_by_role("button", name="Cancel").click()
            expect(start).to_be_visible(timeout=30 * SECOND)
            expect(code).to_have_count(0)

            # When the user logs in again and refuses at nanoidp
            start.click()
            expect(code).to_have_text(re.compile(r"\S+"), timeout=30 * SECOND)
            denied = code.inner_text().strip()
            assert denied != cancelled
            setup.idp.approve(denied, action="deny")

            # Then the panel says the login ended, and offers "Log in" again
            failed = login.locator(".hpc-Login-failed")
            expect(failed).to_have_attribute("role", "alert", timeout=30 * SECOND)
            expect(failed).to_have_text(re.compile(r"\S"))
            expect(start).to_be_visible()
            expect(code).to_have_count(0)
            expect(panel.locator(".hpc-Panel-auth")).to_have_attribute("data-status", NOT_LOGGED_IN)
            _shot(page, "5-denied")
        except BaseException:
            _shot(page, "failure")
            raise
