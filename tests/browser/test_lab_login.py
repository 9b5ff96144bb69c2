"""Logging in again, seen from the Lab side panel, in a real browser.

An ALCF (IRI) facility, served by the IRI test double (tests/iri), whose Globus token file
is missing: the panel says the user is not logged in, with what to do, and offers to check
again. Once the token file exists (as ALCF's login helper writes it), "Check again" shows
the facility logged in and lists its files. The token never reaches the browser.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py).
Screenshots go to artifacts/browser/login-*.png.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.iri_thread import served_iri
from tests.browser.lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    RunningLab,
    jupyter_lab,
    open_panel,
    require_browser,
    response_text,
    screenshot,
)
from tests.iri.fake_iri import CLIENT_ID, HOME, STORAGE_ID, FakeIRI

pytestmark = pytest.mark.browser


@dataclass
class Setup:
    lab: RunningLab
    fake: FakeIRI
    token_file: Path


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeIRI]:
    """The IRI double, served from its own thread; fails the test on a request off spec."""
    home = tmp_path / "storage"
    home.mkdir()
    (home / "run.out").write_text("done\n")
    with served_iri(home) as double:
        yield double


@pytest.fixture
def setup(tmp_path: Path, fake: FakeIRI) -> Iterator[Setup]:
    """JupyterLab with one IRI facility whose token file does not exist yet."""
    require_browser()
    root = tmp_path / "root"
    root.mkdir()
    token_file = tmp_path / "globus" / "tokens.json"
    hpc_config = {
        "data_dir": str(tmp_path / "hpc-data"),
        "facilities": {
            "alcf": {
                "kind": "iri",
                "url": fake.url + "/api/v1",
                "compute_resource": "compute nodes",
                "storage_resource": STORAGE_ID,
                "home": HOME,
                "auth": {
                    "token_file": str(token_file),
                    "client_id": CLIENT_ID,
                    "auth_url": fake.url + "/auth",
                },
                "task_timeout": 10,
            }
        },
    }
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield Setup(running, fake, token_file)


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"login-{name}")


def test_the_panel_says_how_to_log_in_and_sees_a_new_login(setup: Setup) -> None:
    from playwright.sync_api import expect, sync_playwright

    running, token_file = setup.lab, setup.token_file
    access, refresh = setup.fake.new_pair()
    bodies: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("response", lambda response: bodies.append(response_text(response)))
        try:
            page.goto(f"{running.url}lab?token={running.token}")
            page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
            panel = open_panel(page)
            auth = panel.locator(".hpc-Panel-auth")
            recheck = panel.locator(".hpc-Panel-recheck")

            # Given no token file: not logged in, saying which file and how to log in
            expect(auth).to_have_attribute("data-status", "error", timeout=30 * SECOND)
            text = panel.locator(".hpc-Panel-authText")
            expect(text).to_contain_text("Not logged in")
            expect(text).to_contain_text(f"The token file {token_file} does not exist")
            expect(recheck).to_be_visible()
            _shot(page, "1-not-logged-in")

            # Checking again before logging in changes nothing
            recheck.click()
            expect(auth).to_have_attribute("data-status", "expired", timeout=30 * SECOND)
            expect(text).to_contain_text("does not exist")
            expect(recheck).to_be_visible()

            # When the user logs in (the helper writes the token file) and checks again
            token_file.parent.mkdir(parents=True)
            token_file.write_text(
                json.dumps(
                    {
                        "access_token": access,
                        "refresh_token": refresh,
                        "expires_at_seconds": int(time.time()) + 48 * 3600,
                    }
                )
            )
            os.chmod(token_file, 0o600)
            recheck.click()

            # Then the facility is logged in, the check is offered no more, its files show
            expect(text).to_have_text("Logged in.", timeout=30 * SECOND)
            expect(auth).to_have_attribute("data-status", "ok")
            expect(recheck).to_be_hidden()
            files = panel.locator(".hpc-RemoteFiles")
            expect(files.locator(".hpc-RemoteFiles-item[data-name='run.out']")).to_be_visible(
                timeout=30 * SECOND
            )
            _shot(page, "2-logged-in")
        except BaseException:
            _shot(page, "failure")
            raise
        finally:
            browser.close()

    assert bodies
    assert not [body[:200] for body in bodies if access in body], "the token reached the browser"
