"""Logging in from the Lab side panel with Globus (native app, PKCE), in a real browser.

An ALCF (IRI) facility served by the IRI double, which also plays Globus Auth: its authorize
page shows the code to paste, and its token endpoint checks the PKCE verifier. The panel offers
"Log in", links to the authorize page (a new tab), takes the pasted code, keeps the field when
a code is refused, and shows the facility logged in with its files; "Log out" leads back to
"Log in". No token reaches the browser.

Screenshots go to artifacts/browser/globus-login-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.iri_thread import served_iri
from tests.browser.lab_server import SECOND, RunningLab, jupyter_lab, open_browser, screenshot
from tests.iri.fake_iri import CLIENT_ID, HOME, STORAGE_ID, FakeIRI
from tests.iri.token_files import stored

pytestmark = pytest.mark.browser

NOT_LOGGED_IN = re.compile(r"^(expired|error)$")
"""The panel's status while nobody is logged in: both offer "Log in"."""


@dataclass
class Setup:
    lab: RunningLab
    fake: FakeIRI
    token_file: Path


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    """JupyterLab with one IRI facility that logs in with Globus; nobody logged in yet."""
    home = tmp_path / "storage"
    home.mkdir()
    (home / "run.out").write_text("done\n")
    root = tmp_path / "root"
    root.mkdir()
    token_file = tmp_path / "globus" / "tokens.json"
    with served_iri(home) as fake:
        auth = {
            "client_id": CLIENT_ID,
            "auth_url": fake.url + "/auth",
            "token_file": str(token_file),
            "login": {"flow": "globus", "scopes": ["iri", "openid"]},
        }
        facility = {
            "kind": "iri",
            "url": fake.url + "/api/v1",
            "compute_resource": "compute nodes",
            "storage_resource": STORAGE_ID,
            "home": HOME,
            "auth": auth,
            "task_timeout": 10,
        }
        hpc_config = {"data_dir": str(tmp_path / "hpc-data"), "facilities": {"alcf": facility}}
        with jupyter_lab(tmp_path, root, hpc_config) as running:
            yield Setup(running, fake, token_file)


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"globus-login-{name}")


def test_log_in_with_globus_by_pasting_the_code(setup: Setup) -> None:
    from playwright.sync_api import expect

    with open_browser() as browser:
        page = browser.page
        try:
            panel = browser.open_lab(setup.lab)
            auth = panel.locator(".hpc-Panel-auth")
            text = panel.locator(".hpc-Panel-authText")
            login = panel.locator(".hpc-Login")
            start = login.get_by_role("button", name="Log in")

            # Given nobody logged in: "Log in" is offered
            expect(auth).to_have_attribute("data-status", NOT_LOGGED_IN, timeout=30 * SECOND)
            expect(start).to_be_visible()
            start.click()

            # Then the panel shows the field for the code, focused for the keyboard
            field = login.get_by_label("Code from the login page")
            expect(field).to_be_focused(timeout=30 * SECOND)

            # When the user opens the login page from the panel: it opens in a new tab
            link = login.get_by_role("link", name="Open the login page")
            expect(link).to_have_attribute(
                "href", re.compile(re.escape(setup.fake.url + "/auth/v2/oauth2/authorize?"))
            )
            with page.context.expect_page() as opened:
                link.click()
            tab = opened.value
            tab.wait_for_load_state()
            code = tab.locator("code").inner_text().strip()
            tab.close()
            _shot(page, "1-paste")

            # When the user pastes a wrong code first, then it is refused and the field keeps it
            field.fill("not-the-code")
            field.press("Enter")
            refused = login.locator(".hpc-Login-refused")
            expect(refused).to_contain_text("did not accept the code", timeout=30 * SECOND)
            expect(field).to_have_value("not-the-code")
            expect(field).to_be_enabled()
            _shot(page, "2-refused")

            # When the user pastes the code the page showed
            field.fill(code)
            login.get_by_role("button", name="Log in").click()

            # Then the facility is logged in and its files show
            expect(text).to_have_text("Logged in.", timeout=30 * SECOND)
            expect(auth).to_have_attribute("data-status", "ok")
            files = panel.locator(".hpc-RemoteFiles")
            expect(files.locator(".hpc-RemoteFiles-item[data-name='run.out']")).to_be_visible(
                timeout=30 * SECOND
            )
            _shot(page, "3-logged-in")
            entry = stored(setup.token_file)
            secrets = [entry["access_token"], entry["refresh_token"]]
            dom = page.content()

            # When the user logs out, then "Log in" is offered again
            login.get_by_role("button", name="Log out").click()
            expect(start).to_be_visible(timeout=30 * SECOND)
            expect(auth).to_have_attribute("data-status", NOT_LOGGED_IN)
            _shot(page, "4-logged-out")
        except BaseException:
            _shot(page, "failure")
            raise

        # And no token was in any response the page got, nor in its DOM
        assert browser.bodies
        for secret in secrets:
            assert not browser.seen(secret), "a token reached the browser"
            assert secret not in dom and secret not in page.content()

    # The tab at the authorize page asked the double for its icon too: the browser's doing,
    # not a request of the server's off the IRI spec.
    setup.fake.problems[:] = [
        p for p in setup.fake.problems if not p.startswith("GET /favicon.ico")
    ]
