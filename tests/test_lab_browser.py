"""The course as a learner meets it: JupyterLab in a real headless Chromium.

The tests start their own JupyterLab on 127.0.0.1 (a free port, a copy of the notebooks, no
news or update checks), open a notebook, run every cell, and drive it with the keyboard and the
mouse: the start-here notebook's DAU slider, and the dashboard's seats and timeout sliders and
its typed boxes. They check that charts and numbers change and that no error is shown.

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
    for name in ("00_start_here.ipynb", "02_traffic.ipynb", "10_onsale_rush.ipynb", "dashboard.ipynb"):  # copies: autosave
        # must not touch the real ones
        shutil.copy(ROOT / "notebooks" / name, root)
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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, lab, notebook: str, width: int):
    base, token, root = lab
    pg = browser.new_page(viewport={"width": width, "height": 1000})
    # a workspace of its own: the default one would reopen the notebook an earlier page ran
    workspace = Path(notebook).stem.replace("_", "-")
    pg.goto(f"{base}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={token}")
    pg.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                         " && window.jupyterapp.shell.currentWidget.sessionContext"
                         " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=60_000)
    pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    pg.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return pg


def _no_errors(pg) -> None:
    errors = pg.locator(".jp-OutputArea-output.jp-mod-error, "
                        ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.first.text_content()
    assert pg.locator("text=Error displaying widget").count() == 0


@pytest.fixture(scope="module")
def page(browser, lab):
    pg = _open(browser, lab, "00_start_here.ipynb", 1400)
    yield pg
    pg.screenshot(path=os.environ.get("TICKETLAB_SCREENSHOT", str(lab[2] / "lab.png")), full_page=True)
    pg.close()


@pytest.fixture(scope="module")
def dashboard(browser, lab):
    pg = _open(browser, lab, "dashboard.ipynb", 1024)  # a small laptop window: the chart must still fit
    pg.wait_for_selector(".js-plotly-plot .barlayer .point", timeout=180_000)
    pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
    yield pg
    pg.screenshot(path=str(lab[2] / "dashboard.png"), full_page=True)
    pg.close()


def test_notebook_runs_in_jupyterlab_and_shows_slider_and_chart(page):
    page.wait_for_selector(".widget-slider", timeout=90_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=90_000)
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4
    page.wait_for_selector("text=marker at 100,000,000 DAU -> 5.79K QPS", timeout=90_000)
    _no_errors(page)


_LINE_SPANS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
    const area = plot.querySelector('.bglayer .bg') || plot.querySelector('.nsewdrag');
    const lines = [...plot.querySelectorAll('.scatterlayer .trace .js-line')].map(l => l.getBoundingClientRect().width);
    return {title: (plot.querySelector('.gtitle') || {}).textContent || '',
            span: lines.length ? Math.max(...lines) / area.getBoundingClientRect().width : null};
})"""


@pytest.mark.parametrize("notebook", ["02_traffic.ipynb", "10_onsale_rush.ipynb"])
def test_charts_drawn_by_run_all_show_the_kernels_data_across_the_plot(browser, lab, notebook):
    """Run All sends every chart while the browser still loads plotly's module: each chart must still
    come up with its title and its lines across the plot, not empty or squeezed to its trace indexes."""
    pg = _open(browser, lab, notebook, 1024)
    pg.wait_for_selector(".js-plotly-plot .scatterlayer .trace .js-line", timeout=180_000)
    pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
    pg.wait_for_timeout(2_000)
    charts = pg.evaluate(_LINE_SPANS)
    assert charts and all(c["title"] for c in charts), charts
    assert all(c["span"] is None or c["span"] > 0.8 for c in charts), charts
    _no_errors(pg)
    pg.close()


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



# -- the dashboard -------------------------------------------------------------------------------------

def _bar_texts(pg) -> list[str]:
    return pg.locator(".js-plotly-plot .barlayer .bartext").all_text_contents()


def _control(pg, label: str):
    return pg.locator(".widget-hbox", has=pg.locator(f".widget-label:text-is('{label}')")).first


def test_dashboard_chart_fits_its_output_area_in_a_small_window(dashboard):
    plot = dashboard.locator(".js-plotly-plot").first.bounding_box()
    area = dashboard.locator(".jp-OutputArea-output", has=dashboard.locator(".js-plotly-plot")).first.bounding_box()
    assert plot["x"] >= area["x"] - 1 and plot["x"] + plot["width"] <= area["x"] + area["width"] + 1
    assert "4K QPS" in _bar_texts(dashboard)  # the lock burst ceiling of the baseline
    _no_errors(dashboard)


def test_moving_the_seats_slider_changes_the_chart_and_the_table(dashboard):
    table = dashboard.locator(".widget-html table.ticketlab-worksheet").first
    before, table_before = _bar_texts(dashboard), table.text_content()
    handle = _control(dashboard, "Seats on sale").locator(".noUi-handle")
    handle.focus()
    handle.press("End")  # one keystroke, one update: the slider's top, 1M seats
    dashboard.wait_for_function(
        "(old) => [...document.querySelectorAll('.js-plotly-plot .barlayer .bartext')].map(e => e.textContent)"
        ".join('|') !== old", arg="|".join(before), timeout=60_000)
    assert "4K QPS" not in _bar_texts(dashboard)
    assert table.text_content() != table_before
    _no_errors(dashboard)


def test_a_timeout_slider_that_breaks_the_cascade_shows_a_message_not_a_traceback(dashboard):
    box = _control(dashboard, "Lock TTL").locator("input")
    handle = _control(dashboard, "Lock TTL").locator(".noUi-handle")
    handle.focus()
    handle.press("Home")  # the lock TTL down to 1 s, below the 10 s request it must outlive
    dashboard.wait_for_selector(".ticketlab-message", timeout=60_000)
    assert "must be shorter than lock_ttl" in dashboard.locator(".ticketlab-message").first.text_content()
    box.fill("30 s")
    box.press("Enter")
    dashboard.wait_for_function("!document.querySelector('.ticketlab-message')", timeout=60_000)
    _no_errors(dashboard)


def test_typing_a_value_in_the_form_the_box_shows_is_accepted(dashboard):
    box = _control(dashboard, "Seats on sale").locator("input")
    box.fill("100K")
    box.press("Enter")
    dashboard.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot .barlayer .bartext')].some(e => e.textContent === '8K QPS')",
        timeout=60_000)
    assert box.input_value() == "100K"
    box.fill("a lot")
    box.press("Enter")
    dashboard.wait_for_selector(".ticketlab-message", timeout=60_000)
    assert "seats" in dashboard.locator(".ticketlab-message").first.text_content()
    _no_errors(dashboard)


# -- the first hour: no news popup; a book page and an API page, offline ------------------------------

def _offline_page(browser, width: int = 1200):
    """A page that may load only from 127.0.0.1; every other request is refused and recorded."""
    pg = browser.new_page(viewport={"width": width, "height": 900})
    outside: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith("http://127.0.0.1:"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    pg.route("**/*", route)
    return pg, outside


def test_jupyterlab_asks_nothing_about_news_or_updates(browser, lab):
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert overrides.exists(), "`make setup` writes JupyterLab's settings overrides (tools/lab.py --settings-only)"
    base, token, _ = lab
    pg, _ = _offline_page(browser)
    pg.goto(f"{base}/lab/workspaces/news/tree/00_start_here.ipynb?reset&token={token}")
    pg.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    pg.wait_for_timeout(6_000)  # without the overrides, the news question is up well within this
    toasts = pg.locator(".Toastify__toast").all_text_contents()
    pg.close()
    assert not toasts, toasts


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One book page and two API pages, built by the tools `make book` and `make docs` run, served on 127.0.0.1."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    _require_browser()
    out = tmp_path_factory.mktemp("site")
    builds = (("build_book.py", [str(out / "book"), "--only", "00_start_here.ipynb", "--jobs", "1"]),
              ("build_docs.py", [str(out / "docs"), "--only", "ticketlab", "ticketlab.seatlock"]))
    for tool, args in builds:
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / tool), *args], capture_output=True, text=True,
                              timeout=600, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no request log in the test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_book_page_draws_its_chart_and_formula_from_local_files(browser, site):
    pg, outside = _offline_page(browser)
    pg.goto(f"{site}/book/00_start_here.html")
    pg.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=60_000)
    assert pg.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4
    assert pg.locator(".js-plotly-plot .textpoint").first.text_content() == "579 QPS"  # the marker at 10M
    assert "marker at 100,000,000 DAU -> 5.79K QPS" in pg.locator("body").text_content()
    formula = pg.locator("math").first.bounding_box()
    assert formula and formula["height"] > 20  # drawn as a fraction, not as a line of TeX
    pg.locator("nav.ticketlab-book.top a", has_text="contents").click()
    pg.wait_for_url("**/index.html")
    pg.close()
    assert not outside, outside


def test_an_api_page_shows_the_docstrings_and_searches_offline(browser, site):
    import ticketlab.seatlock

    pg, outside = _offline_page(browser)
    pg.goto(f"{site}/docs/ticketlab/seatlock.html")
    pg.wait_for_selector("#BookingService", timeout=30_000)
    assert "ticketlab.seatlock" in pg.title()
    assert pg.locator("[id='BookingService.hold_seats']").count() == 1
    first_line = ticketlab.seatlock.__doc__.splitlines()[0]
    assert first_line in " ".join(pg.locator("main.pdoc").text_content().split())
    pg.locator(".pdoc input[type=search]").fill("hold_seats")  # pdoc's search index is a local file
    pg.wait_for_selector(".search-result", timeout=30_000)
    assert "hold_seats" in pg.locator(".search-result").first.text_content()
    pg.close()
    assert not outside, outside
