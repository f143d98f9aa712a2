"""The course as a learner meets it: JupyterLab in a real headless Chromium.

The test starts its own JupyterLab on 127.0.0.1 (a free port, a copy of the notebooks, no
news or update checks), opens 00_start_here.ipynb, runs every cell, and checks that the DAU
slider and the plotly chart render and that moving the slider rewrites the table.

Needs Debian's ``chromium`` and the ``playwright`` Python package (its own browser download is
not used). Under ``CI=true`` a missing browser fails the run; elsewhere the test is skipped
with the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import free_port, missing

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def _require_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright package", "pip install -e '.[dev]'")
    if not CHROMIUM:
        missing("Debian's chromium", "sudo apt-get install chromium")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _require_browser()
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "00_start_here.ipynb", root)  # autosave must not touch the real one
    port, token = free_port(), "ticketlab-test"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".cfg"), "JUPYTER_DATA_DIR": str(root / ".data"),
           "JUPYTER_RUNTIME_DIR": str(root / ".run"), "JUPYTER_PLATFORM_DIRS": "1"}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}",
           "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
           "--LabApp.expose_app_in_browser=True", "--allow-root"]
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-3000:])
                time.sleep(0.3)
        yield base, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    base, token, root = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(f"{base}/lab/tree/00_start_here.ipynb?token={token}")
        pg.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                             " && window.jupyterapp.shell.currentWidget.sessionContext"
                             " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=60_000)
        pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        pg.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        yield pg
        pg.screenshot(path=os.environ.get("TICKETLAB_SCREENSHOT", str(root / "lab.png")), full_page=True)
        browser.close()


def test_notebook_runs_in_jupyterlab_and_shows_slider_and_chart(page):
    page.wait_for_selector(".widget-slider", timeout=90_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=90_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4
    page.wait_for_selector("text=marker at 100,000,000 DAU -> 5.79K QPS", timeout=90_000)
    assert page.locator(".jp-OutputArea-output.jp-mod-error, .jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']").count() == 0


def test_moving_the_slider_in_the_browser_rewrites_the_table(page):
    table = page.locator(".widget-html table.ticketlab-worksheet caption").first
    page.wait_for_function("document.querySelector('.widget-html table.ticketlab-worksheet caption')"
                           " && document.querySelector('.widget-html table.ticketlab-worksheet caption').textContent.includes('100M')",
                           timeout=60_000)
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.focus()
    for _ in range(4):
        handle.press("ArrowLeft")
    page.wait_for_function("!document.querySelector('.widget-html table.ticketlab-worksheet caption').textContent.includes('100M')",
                           timeout=30_000)
    assert "Traffic at" in table.text_content()
