"""The Lab side panel with Lab's own workspace, and job control, in a real browser.

Files of Lab's workspace go to the folder the HPC panel shows: from the context menu of
Lab's file browser (byte-identical, a folder in the selection named and left out) and by
dragging them from Lab's file browser onto the panel's list. A pending job is held and
released with the buttons of its row.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py).
Screenshots go to artifacts/browser/workspace-*.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.lab_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    RunningLab,
    jupyter_lab,
    require_browser,
    screenshot,
)

pytestmark = pytest.mark.browser


class Lab:
    """A running JupyterLab and the directory it serves (also the local facility's root)."""

    def __init__(self, running: RunningLab, root: Path) -> None:
        self.url, self.token, self.root = running.url, running.token, root

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call /hpc/api/facilities/local/... with the Lab's token."""
        response = httpx.request(
            method,
            f"{self.url}hpc/api/facilities/local/{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab whose local facility runs one job at a time (so a second one waits)."""
    require_browser()
    root = tmp_path / "root"
    for folder in ("inputs", "inputs/meshes", "remote"):
        (root / folder).mkdir(parents=True)
    hpc_config = {
        "data_dir": str(tmp_path / "hpc-data"),
        "facilities": {"local": {"kind": "local", "max_running": 1}},
    }
    with jupyter_lab(tmp_path, root, hpc_config) as running:
        yield Lab(running, root)


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"workspace-{name}")


def test_lab_files_upload_to_the_panel_folder_and_jobs_hold_and_release(lab: Lab) -> None:
    from playwright.sync_api import sync_playwright

    deck = os.urandom(2 * 1024 * 1024 + 7)
    (lab.root / "inputs" / "deck.in").write_bytes(deck)
    (lab.root / "inputs" / "mesh.dat").write_text("mesh\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _drive(page, lab, deck)
        except BaseException:
            _shot(page, "failure")
            raise
        finally:
            browser.close()


def _drive(page: Any, lab: Lab, deck: bytes) -> None:
    from playwright.sync_api import expect

    page.goto(f"{lab.url}lab?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)

    # Given the HPC panel in the right sidebar (Lab's "Switch Sidebar Side"), showing the
    # facility's folder `remote`, and Lab's file browser on the left in `inputs`
    tab = page.locator(".jp-SideBar .lm-TabBar-tab[title='HPC facilities']")
    tab.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Switch Sidebar Side").click()
    panel = page.locator("#hpc-jupyter-panel")
    if not panel.is_visible():
        page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab[title='HPC facilities']").click()
    expect(panel).to_be_visible(timeout=30 * SECOND)
    files = panel.locator(".hpc-RemoteFiles")
    files.locator(".hpc-RemoteFiles-item[data-name='remote']").dblclick(timeout=30 * SECOND)
    expect(files.locator(".hpc-RemoteFiles-crumb").last).to_have_text("remote")
    if not page.locator(".jp-FileBrowser").is_visible():
        page.locator(".jp-SideBar .lm-TabBar-tab[title^='File Browser']").click()
    lab_items = page.locator(".jp-FileBrowser .jp-DirListing-item")
    lab_items.filter(has_text="inputs").dblclick(timeout=30 * SECOND)
    deck_item = lab_items.filter(has_text="deck.in")
    expect(deck_item).to_be_visible(timeout=30 * SECOND)

    # When deck.in and the folder meshes are uploaded from the context menu
    deck_item.click()
    lab_items.filter(has_text="meshes").click(modifiers=["Control"])
    deck_item.click(button="right")
    item = page.locator(".lm-Menu-itemLabel", has_text="Upload to remote on local")
    expect(item).to_be_visible()
    _shot(page, "1-context-menu")
    item.click()

    # Then deck.in arrives byte for byte, and the folder is named as left out
    uploaded = files.locator(".hpc-RemoteFiles-item[data-name='deck.in']")
    expect(uploaded).to_be_visible(timeout=60 * SECOND)
    expect(panel.locator(".hpc-RemoteFiles-progress")).to_contain_text(
        "Folders are not uploaded, only files: inputs/meshes"
    )
    assert (lab.root / "remote" / "deck.in").read_bytes() == deck
    assert not (lab.root / "remote" / "meshes").exists()
    _shot(page, "2-uploaded-from-menu")

    # When mesh.dat is dragged from Lab's file browser onto the panel's list
    mesh = lab_items.filter(has_text="mesh.dat")
    source = mesh.bounding_box()
    target = files.locator(".hpc-RemoteFiles-list").bounding_box()
    assert source and target
    page.mouse.move(source["x"] + 30, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 60, source["y"] + 40, steps=5)
    page.mouse.move(target["x"] + 40, target["y"] + target["height"] / 2, steps=15)
    expect(files.locator(".hpc-RemoteFiles-list")).to_have_class(
        "hpc-RemoteFiles-list hpc-mod-dropTarget"
    )
    page.mouse.up()

    # Then it is uploaded there, and stays in Lab (a copy, not a move)
    expect(files.locator(".hpc-RemoteFiles-item[data-name='mesh.dat']")).to_be_visible(
        timeout=60 * SECOND
    )
    assert (lab.root / "remote" / "mesh.dat").read_text() == "mesh\n"
    assert (lab.root / "inputs" / "mesh.dat").exists()
    _shot(page, "3-uploaded-by-drag")

    # Given one job holding the only slot and a second one waiting for it
    busy = lab.api("POST", "jobs", json={"script": "#!/bin/bash\nsleep 300\n", "name": "busy"})
    waiting = lab.api("POST", "jobs", json={"script": "#!/bin/bash\ntrue\n", "name": "waiting"})
    try:
        row = panel.locator(f".hpc-RemoteJobs-item[data-job-id='{waiting['id']}']")
        expect(row).to_have_attribute("data-state", "PENDING", timeout=60 * SECOND)

        # When it is held from its row, it waits with the user's hold as its reason
        row.locator(".hpc-RemoteJobs-name").click()
        row.locator(".hpc-RemoteJobs-hold").click()
        expect(row.locator(".hpc-RemoteJobs-elapsed")).to_have_text(
            "(JobHeldUser)", timeout=30 * SECOND
        )
        expect(row.locator(".hpc-RemoteJobs-release")).to_be_visible()
        expect(row.locator(".hpc-RemoteJobs-hold")).to_have_count(0)
        assert lab.api("GET", f"jobs/{waiting['id']}")["reason"] == "JobHeldUser"
        _shot(page, "4-held")

        # When it is released, it waits for the slot again, no longer held
        row.locator(".hpc-RemoteJobs-release").click()
        expect(row.locator(".hpc-RemoteJobs-hold")).to_be_visible(timeout=30 * SECOND)
        expect(row.locator(".hpc-RemoteJobs-elapsed")).not_to_have_text("(JobHeldUser)")
        assert lab.api("GET", f"jobs/{waiting['id']}")["state"] == "PENDING"
        _shot(page, "5-released")

        # and once the slot is free it runs to the end
        lab.api("DELETE", f"jobs/{busy['id']}")
        expect(row).to_have_attribute("data-state", "COMPLETED", timeout=60 * SECOND)
    finally:
        for job in (busy, waiting):
            httpx.delete(
                f"{lab.url}hpc/api/facilities/local/jobs/{job['id']}",
                headers={"Authorization": f"token {lab.token}"},
            )
