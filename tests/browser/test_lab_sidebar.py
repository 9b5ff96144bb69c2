"""The JupyterLab side panel (labextension/) in a real browser against a real JupyterLab.

The panel lists a directory, copies a file into Lab, opens a file, uploads one, makes,
renames and deletes a folder; a script submitted from Lab's file browser context menu (its
partition chosen from the facility's list) reaches COMPLETED with a notification, shows its
details and its log opens; another job is cancelled and shows in the history view; the
panel's state survives a reload. A directory of 20000 files scrolls with few rows in the
DOM, and a 40 MiB file is copied into Lab in chunks. No credential held by the server (the
kernel token, a facility's token) appears in any response or event the browser receives.

Debian's chromium driven by Playwright with `executable_path` (see lab_server.py for
the launch rules). Screenshots go to artifacts/browser/sidebar-*.png.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab_server import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    SECOND,
    jupyter_lab,
    open_panel,
    require_browser,
    response_text,
    screenshot,
)

ROOT = Path(__file__).resolve().parent.parent.parent
LABEXTENSION = ROOT / "hpc_jupyter" / "labextension" / "package.json"

pytestmark = pytest.mark.browser

QUICK = """#!/bin/bash
#SBATCH --job-name=quick
#SBATCH --time=00:05:00
echo "Hello from quick on $(hostname)"
"""

SLOW = """#!/bin/bash
#SBATCH --job-name=slow
#SBATCH --partition=special
echo "slow started"
sleep 300
"""

FACILITY_SECRET = "jwt-" + secrets.token_hex(16)
BIG_DIRECTORY = 20000  # files in the directory the windowed list must scroll through


class Lab:
    """A running JupyterLab: its URL, token, root directory and runtime directory."""

    def __init__(self, url: str, token: str, root: Path, runtime: Path) -> None:
        self.url, self.token, self.root, self.runtime = url, token, root, runtime

    def kernel_token(self) -> str:
        """The kernel token the extension wrote for kernels (a credential the server holds)."""
        files = list(self.runtime.glob("hpc-jupyter-*.json"))
        assert files, "the extension wrote no runtime file"
        token: str = json.loads(files[0].read_text())["token"]
        return token


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab with the local facility and one that holds a (fake) token."""
    require_browser()
    if not LABEXTENSION.exists():
        pytest.fail("The labextension is not built: run `make labextension` (or make install).")
    root, runtime = tmp_path / "root", tmp_path / "runtime"
    for path in (root, root / "data"):
        path.mkdir()
    (root / "notes.txt").write_text(
        "hello remote world\n" + "".join(f"line {i}\n" for i in range(50))
    )
    (root / "data" / "a.txt").write_text("a\n")
    (root / "quick.sh").write_text(QUICK)
    (root / "slow.sh").write_text(SLOW)
    hpc_config = {
        "data_dir": str(tmp_path / "hpc-data"),
        "facilities": {
            "local": {"kind": "local"},
            # Never reached: it is here so its token can be looked for.
            "vault": {
                "kind": "slurmrestd",
                "url": "http://127.0.0.1:9",
                "user": "alice",
                "token": {"env": "HPC_TEST_VAULT_JWT"},
            },
        },
    }
    env = {"HPC_TEST_VAULT_JWT": FACILITY_SECRET}
    log_path = tmp_path / "lab.log"
    try:
        with jupyter_lab(tmp_path, root, hpc_config, env) as running:
            yield Lab(running.url, running.token, root, runtime)
    finally:
        if os.environ.get("CI") == "true" and log_path.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "sidebar-lab.log").write_bytes(log_path.read_bytes())


def _shot(page: Any, name: str) -> None:
    screenshot(page, f"sidebar-{name}")


class Seen:
    """Every response body and event frame the browser received, to look for secrets in."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.frames: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("response", self._response)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _response(self, response: Any) -> None:
        self.bodies.append(response_text(response))

    def _frame(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else repr(payload)
        self.frames.append(text)
        self.bodies.append(text)


def test_the_side_panel_browses_submits_and_follows_jobs(lab: Lab) -> None:
    from playwright.sync_api import sync_playwright

    seen = Seen()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        seen.watch(page)
        try:
            _drive(page, lab)
        except BaseException:
            _shot(page, "failure")
            raise
        finally:
            browser.close()

    # Then job states came live, as server events over the events websocket
    assert any("events/job_state/v1" in body for body in seen.frames), "no job_state event"
    # and no credential the server holds reached the browser
    assert len(seen.bodies) > 50
    for secret, what in ((lab.kernel_token(), "kernel token"), (FACILITY_SECRET, "facility token")):
        leaks = [body[:200] for body in seen.bodies if secret in body]
        assert not leaks, f"the {what} reached the browser: {leaks}"


def _toast(page: Any, text: str | re.Pattern[str]) -> Any:
    return page.locator(".Toastify__toast", has_text=text)


def _submit_from_file_browser(
    page: Any,
    expect: Any,
    name: str,
    job_name: str,
    partition: str,
    partition_label: str,
    check_fallback: bool = False,
) -> str:
    """Right-click `name` in Lab's file browser, submit it; return the new job's id.

    The partition is a choice list from the facility's partitions (default first), with the
    script's own partition kept and labelled.
    """
    page.locator(".jp-SideBar .lm-TabBar-tab[title^='File Browser']").click()
    item = page.locator(".jp-DirListing-item", has_text=name)
    expect(item).to_be_visible(timeout=30 * SECOND)
    item.click()
    item.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Submit to HPC facility…").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".hpc-SubmitForm")).to_be_visible(timeout=30 * SECOND)
    # pre-filled from the script's #SBATCH lines
    expect(dialog.locator("input[name='name']")).to_have_value(job_name)
    expect(dialog.locator("select[name='facility']")).to_have_value("local")
    choice = dialog.locator("select[name='partition-choice']")
    expect(choice).to_be_visible(timeout=30 * SECOND)
    expect(choice).to_have_value(partition)
    expect(choice.locator("option").first).to_have_text("local (default)")
    expect(choice.locator(f"option[value='{partition}']")).to_have_text(partition_label)
    expect(choice.locator("option").last).to_have_text("Other…")
    expect(dialog.locator("input[name='partition']")).to_be_hidden()
    if check_fallback:
        # A facility whose partitions cannot be listed (unreachable) gets a text field
        facility = dialog.locator("select[name='facility']")
        facility.select_option("vault")
        expect(dialog.locator("input[name='partition']")).to_be_visible(timeout=30 * SECOND)
        expect(choice).to_be_hidden()
        facility.select_option("local")
        expect(choice).to_have_value(partition, timeout=30 * SECOND)
    _shot(page, f"submit-{job_name}")
    dialog.locator(".jp-mod-accept").click()
    submitted = _toast(page, re.compile(rf"Submitted {re.escape(name)} as job \S+ on local"))
    expect(submitted.first).to_be_visible(timeout=30 * SECOND)
    text = submitted.first.inner_text()
    return re.search(r"as job (\S+) on", text).group(1)  # type: ignore[union-attr]


def _drive(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    page.goto(f"{lab.url}lab?token={lab.token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)

    # Given the HPC panel, opened from its own sidebar icon
    panel = open_panel(page)
    picker = panel.locator("select.hpc-Panel-facility")
    expect(picker).to_have_value("local", timeout=30 * SECOND)
    expect(picker.locator("option")).to_have_count(2)
    expect(panel.locator(".hpc-Panel-authText")).to_have_text("No login needed.")
    expect(panel.locator(".hpc-Panel-recheck")).to_be_hidden()
    files = panel.locator(".hpc-RemoteFiles")

    # The directory is listed, a folder opens, the breadcrumbs lead back
    notes = files.locator(".hpc-RemoteFiles-item[data-name='notes.txt']")
    expect(notes).to_be_visible(timeout=30 * SECOND)
    files.locator(".hpc-RemoteFiles-item[data-name='data']").dblclick()
    expect(files.locator(".hpc-RemoteFiles-item[data-name='a.txt']")).to_be_visible()
    expect(files.locator(".hpc-RemoteFiles-crumb").last).to_have_text("data")
    _shot(page, "1-folder")

    # A remote file is copied into the folder of Lab's file browser (its root here)
    remote_a = files.locator(".hpc-RemoteFiles-item[data-name='a.txt']")
    remote_a.hover()
    remote_a.locator(".hpc-RemoteFiles-download").click()
    expect(_toast(page, "Copied data/a.txt from local to a.txt.").first).to_be_visible(
        timeout=30 * SECOND
    )
    assert (lab.root / "a.txt").read_text() == "a\n"
    files.locator(".hpc-RemoteFiles-crumb").first.click()
    expect(notes).to_be_visible()

    # Sorting by size puts the larger file last among files
    files.locator(".hpc-RemoteFiles-sort[data-sort='size']").click()
    expect(files.locator(".hpc-RemoteFiles-sort[data-sort='size']")).to_have_attribute(
        "aria-sort", "ascending"
    )
    names = files.locator(".hpc-RemoteFiles-item").evaluate_all(
        "rows => rows.map(r => r.dataset.name)"
    )
    assert names[0] == "data" and names[-1] == "notes.txt", names

    # A remote file opens read-only in a Lab tab
    notes.dblclick()
    viewer = page.locator(".hpc-FileViewer")
    expect(viewer.locator(".hpc-Viewer-text")).to_contain_text(
        "hello remote world", timeout=30 * SECOND
    )
    expect(viewer.locator(".hpc-Viewer-status")).to_contain_text("End of file")
    _shot(page, "2-file-open")

    # A file uploads from the desktop, with progress
    payload = os.urandom(3 * 1024 * 1024)
    page.set_input_files(
        ".hpc-RemoteFiles-uploadInput",
        files=[{"name": "upload.bin", "mimeType": "application/octet-stream", "buffer": payload}],
    )
    uploaded = files.locator(".hpc-RemoteFiles-item[data-name='upload.bin']")
    expect(uploaded).to_be_visible(timeout=60 * SECOND)
    expect(uploaded.locator(".hpc-RemoteFiles-size")).to_have_text("3.0 MiB")
    assert (lab.root / "upload.bin").read_bytes() == payload
    _shot(page, "3-uploaded")

    # A folder is made, renamed and deleted, each through a dialog
    files.locator(".hpc-RemoteFiles-mkdir").click()
    page.locator(".jp-Dialog input").fill("results")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    made = files.locator(".hpc-RemoteFiles-item[data-name='results']")
    expect(made).to_be_visible(timeout=30 * SECOND)
    made.hover()
    made.locator(".hpc-RemoteFiles-rename").click()
    page.locator(".jp-Dialog input").fill("results-v2")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    renamed = files.locator(".hpc-RemoteFiles-item[data-name='results-v2']")
    expect(renamed).to_be_visible(timeout=30 * SECOND)
    assert (lab.root / "results-v2").is_dir()
    renamed.hover()
    renamed.locator(".hpc-RemoteFiles-delete").click()
    expect(page.locator(".jp-Dialog")).to_contain_text("This cannot be undone")
    _shot(page, "4-delete-confirmation")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(renamed).to_have_count(0, timeout=30 * SECOND)
    assert not (lab.root / "results-v2").exists()

    # A script submitted from Lab's file browser reaches COMPLETED, with a notification
    job_id = _submit_from_file_browser(
        page, expect, "quick.sh", "quick", "local", "local (default)", check_fallback=True
    )
    done = _toast(page, f"Job {job_id} (quick) on local completed.")
    expect(done.first).to_be_visible(timeout=90 * SECOND)
    panel = open_panel(page)
    row = panel.locator(f".hpc-RemoteJobs-item[data-job-id='{job_id}']")
    expect(row).to_have_attribute("data-state", "COMPLETED", timeout=60 * SECOND)
    # Its details: partition, nodes, times and limit
    row.locator(".hpc-RemoteJobs-name").click()
    details = row.locator(".hpc-RemoteJobs-details")
    expect(details.locator("dd[data-field='partition']")).to_have_text("local")
    expect(details.locator("dd[data-field='limit']")).to_have_text("5m 00s")
    expect(details.locator("dd[data-field='elapsed']")).to_have_text(re.compile(r"^\d+s$"))
    expect(details.locator("dd[data-field='ended']")).not_to_have_text("—")
    _shot(page, "5-job-completed")

    # Its log opens in a tab
    row.locator(".hpc-RemoteJobs-log").click()
    log = page.locator(".hpc-LogViewer")
    expect(log.locator(".hpc-Viewer-text")).to_contain_text("Hello from quick", timeout=30 * SECOND)
    expect(log).to_have_attribute("data-complete", "true", timeout=30 * SECOND)
    _shot(page, "6-job-log")

    # Another job is cancelled after a confirmation
    slow_id = _submit_from_file_browser(
        page, expect, "slow.sh", "slow", "special", "special (from the script)"
    )
    panel = open_panel(page)
    slow = panel.locator(f".hpc-RemoteJobs-item[data-job-id='{slow_id}']")
    expect(slow).to_have_attribute("data-state", "RUNNING", timeout=60 * SECOND)
    slow.locator(".hpc-RemoteJobs-cancel").click()
    expect(page.locator(".jp-Dialog")).to_contain_text(f"Job {slow_id} (slow)")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(slow).to_have_attribute("data-state", "CANCELLED", timeout=60 * SECOND)
    expect(slow.locator(".hpc-JobState")).to_have_text("CANCELLED")
    _shot(page, "7-job-cancelled")

    # Views: active jobs (none left) and the history of finished ones
    view = panel.locator("select.hpc-RemoteJobs-view")
    view.select_option("active")
    expect(panel.locator(".hpc-RemoteJobs-item")).to_have_count(0)
    expect(panel.locator(".hpc-RemoteJobs-empty")).to_have_text("No active jobs.")
    view.select_option("history")
    expect(slow).to_be_visible()
    expect(row).to_be_visible()
    _shot(page, "7b-job-history")

    # The panel's state (open, facility, folder) survives a reload
    panel.locator(".hpc-RemoteFiles-item[data-name='data']").dblclick()
    expect(panel.locator(".hpc-RemoteFiles-crumb").last).to_have_text("data")
    time.sleep(1.5)  # the state database saves on a short debounce
    page.reload()
    page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
    panel = page.locator("#hpc-jupyter-panel")
    expect(panel).to_be_visible(timeout=30 * SECOND)
    expect(panel.locator(".hpc-RemoteFiles-crumb").last).to_have_text("data", timeout=30 * SECOND)
    expect(panel.locator(".hpc-RemoteFiles-item[data-name='a.txt']")).to_be_visible()
    expect(panel.locator("select.hpc-RemoteJobs-view")).to_have_value("history")
    _shot(page, "8-restored")


def test_large_directories_scroll_and_large_files_copy(lab: Lab) -> None:
    """A 20000-file directory keeps few rows in the DOM; a 40 MiB file copies in chunks."""
    from playwright.sync_api import expect, sync_playwright

    big = lab.root / "big"
    big.mkdir()
    for i in range(BIG_DIRECTORY):
        (big / f"f{i:05d}.txt").touch()
    payload = os.urandom(40 * 1024 * 1024 + 123)
    (lab.root / "large").mkdir()
    (lab.root / "large" / "big.bin").write_bytes(payload)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        chunks: list[int | None] = []
        page.on("request", lambda request: _record_chunk(request, "big.bin", chunks))
        listings: list[str] = []
        page.on(
            "request",
            lambda request: (
                listings.append(request.url) if "/files?path=big" in request.url else None
            ),
        )
        try:
            page.goto(f"{lab.url}lab?token={lab.token}")
            page.wait_for_selector("#jp-main-dock-panel", timeout=60 * SECOND)
            panel = open_panel(page)
            files = panel.locator(".hpc-RemoteFiles")
            rows = files.locator(".hpc-RemoteFiles-item")
            listing = files.locator(".hpc-RemoteFiles-list")

            # Given a directory of 20000 files, opened
            files.locator(".hpc-RemoteFiles-item[data-name='big']").dblclick()
            expect(listing).to_have_attribute("data-count", str(BIG_DIRECTORY), timeout=60 * SECOND)
            expect(rows.first).to_have_attribute("data-name", "f00000.txt")
            # asked for as a first page, then the rest (less the browser's cache-buster)
            assert [re.sub(r"&\d+$", "", url.split("/files?")[1]) for url in listings] == [
                "path=big&limit=1000",
                "path=big&offset=1000",
            ]
            # only the rows on screen are in the DOM
            assert rows.count() < 120, rows.count()
            _shot(page, "9-big-directory")

            # Scrolled to the end, the last file shows, and the DOM stays small
            listing.evaluate("list => { list.scrollTop = list.scrollHeight; }")
            last = files.locator(f".hpc-RemoteFiles-item[data-name='f{BIG_DIRECTORY - 1:05d}.txt']")
            expect(last).to_be_visible(timeout=10 * SECOND)
            assert rows.count() < 120, rows.count()
            _shot(page, "10-big-directory-end")

            # The keyboard moves through the whole list: Home, then End selects the last file
            last.click()
            page.keyboard.press("Home")
            first = files.locator(".hpc-RemoteFiles-item[data-name='f00000.txt']")
            expect(first).to_have_class(re.compile("jp-mod-selected"))
            page.keyboard.press("End")
            expect(last).to_have_class(re.compile("jp-mod-selected"))

            # A 40 MiB file is copied into Lab in chunks (contents API `chunk` numbers)
            files.locator(".hpc-RemoteFiles-crumb").first.click()
            files.locator(".hpc-RemoteFiles-item[data-name='large']").dblclick()
            remote = files.locator(".hpc-RemoteFiles-item[data-name='big.bin']")
            expect(remote).to_be_visible(timeout=30 * SECOND)
            remote.hover()
            remote.locator(".hpc-RemoteFiles-download").click()
            copied = _toast(page, "Copied large/big.bin from local to big.bin.")
            expect(copied.first).to_be_visible(timeout=180 * SECOND)
            _shot(page, "11-large-copy")
            assert (lab.root / "big.bin").read_bytes() == payload
            # eleven saves (ten 4 MiB pieces and the rest), where a plain save makes one;
            # Chromium does not hand over bodies this large, so their `chunk` is not seen
            assert len(chunks) == 11, chunks
            assert all(chunk in (None, *range(1, 11), -1) for chunk in chunks), chunks
        except BaseException:
            _shot(page, "large-failure")
            raise
        finally:
            browser.close()


def _record_chunk(request: Any, name: str, chunks: list[int | None]) -> None:
    """Note each contents API save of `name`, with its `chunk` when the body is available."""
    if request.method != "PUT" or not request.url.split("?")[0].endswith(f"/api/contents/{name}"):
        return
    try:
        body = request.post_data_json or {}
    except Exception:  # a body Chromium did not keep
        body = {}
    chunks.append(body.get("chunk"))
