"""The first hour: the README's examples are the real output, the book and the API reference build.

- Every ``$ command`` in a text block of the README runs in a shell (``ticketlab`` on the PATH)
  and prints what the README shows. A block's ``varies=REGEX`` (in its fence line, next to the
  language) names the parts that change from run to run: each match is compared by its first
  group (the label, such as ``attempts``) only.
- The README's Python examples (``>>>``) run as doctests.
- The README lists exactly the chapters in ``notebooks/``, with the minutes each one states.
- ``tools/lab.py`` prints the URL of the start-here notebook and the command that puts
  ``ticketlab`` on the PATH, as the README shows, and writes the JupyterLab settings that stop
  the news popup.
- A panel in static mode displays HTML with its values, its chart and its table.
- The book builds from scratch: a page per notebook, each with its charts (a plotly figure with
  data), the index in chapter order, links between pages, and no script from the network.
- The API reference builds: a page per module, lazily loaded names documented.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TOOLS = ROOT / "tools"
NETWORK_SCRIPT = re.compile(r"""<script[^>]*\bsrc\s*=\s*["']?(?:https?:)?//""", re.I)
CDN_HOSTS = ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com", "requirejs.org")


def _tool(name: str):
    """A script of ``tools/`` as a module (registered, as dataclasses need)."""
    spec = importlib.util.spec_from_file_location(f"ticketlab_tools_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- the README's commands

def readme_examples() -> list[tuple[str, str, str | None]]:
    """(command, the output the README shows, the varies regex or None) for every ``$`` line."""
    text = README.read_text()
    examples = []
    for fence in re.finditer(r"^```text(?P<info>[^\n]*)\n(?P<body>.*?)^```", text, re.M | re.S):
        varies = re.search(r"varies=(.+)$", fence["info"])
        command, shown = None, []
        for line in fence["body"].splitlines():
            if line.startswith("$ "):
                if command:
                    examples.append((command, "\n".join(shown), varies and varies[1].strip()))
                command, shown = line[2:], []
            elif command:
                shown.append(line)
        if command:
            examples.append((command, "\n".join(shown), varies and varies[1].strip()))
    return examples


def _comparable(text: str, varies: str | None) -> list[str]:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    if varies:
        pattern = re.compile(varies)
        lines = [pattern.sub(lambda m: (m.group(1) + " " if pattern.groups else "") + "<varies>", line)
                 for line in lines]
    return lines


def _shell_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "80"}


def test_the_readme_shows_commands_from_every_part_of_the_cli():
    verbs = {command.split()[1] for command, _, _ in readme_examples()}
    assert {"scenarios", "solve", "estimate", "audit", "race", "paused-client", "progression"} <= verbs
    assert all(shown.strip() for _, shown, _ in readme_examples()), "a command without its output"


@pytest.mark.parametrize("command,shown,varies", readme_examples(), ids=[c for c, _, _ in readme_examples()])
def test_every_readme_command_prints_what_the_readme_shows(command, shown, varies):
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env=_shell_env())
    assert proc.returncode == 0, proc.stderr
    assert _comparable(proc.stdout, varies) == _comparable(shown, varies)


def test_a_varies_pattern_masks_the_count_but_keeps_the_label():
    assert _comparable("  attempts         20\n  seats sold 5", r"^\s*(attempts)\b.*") == \
        ["attempts <varies>", "  seats sold 5"]
    assert _comparable("BROKEN: 1 seat sold twice", r"^(BROKEN:).*") == ["BROKEN: <varies>"]
    stable = r"^\s*(attempts)\b.*"
    assert _comparable("  seats sold 4", stable) != _comparable("  seats sold 5", stable)  # still compared


def test_the_readme_python_examples_run_as_shown():
    failures, tried = doctest.testfile(str(README), module_relative=False, verbose=False,
                                       optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert tried >= 15 and failures == 0


def test_the_readme_lists_exactly_the_chapters_in_notebooks_with_their_minutes():
    text = README.read_text()
    rows = re.findall(r"^\|\s*(\d\d)?\s*\|\s*\[[^\]]+\]\(notebooks/([\w.]+\.ipynb)\)\s*\|[^|]+\|\s*([^|]+?)\s*\|$",
                      text, re.M)
    listed = [name for _, name, _ in rows]
    assert listed == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")), "README's course table"
    for number, name, minutes in rows:
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        head = " ".join(c.source for c in nb.cells[:2] if c.cell_type == "markdown")
        assert number == (name[:2] if name[:2].isdigit() else "")
        if minutes.strip() != "—":
            stated = re.search(r"\*\*Time:\*\* (?:about )?(\d+) minutes", head)
            assert stated and stated[1] == minutes.strip(), name
    for path in re.findall(r"notebooks/\w+\.ipynb", text):
        assert (ROOT / path).exists(), path


def test_the_readme_names_the_source_material_and_every_make_target():
    text = " ".join(README.read_text().split())
    assert "Scale Estimation Masterclass" in text and "ticketmaster-scale-estimation.md" in text
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.M))
    for target in ("lab", "test", "docs", "book", "workshop", "bench", "notebooks"):
        assert target in targets and f"make {target}" in text, target


# --------------------------------------------------------------------------- make lab

def test_lab_prints_the_start_here_url_and_the_activate_command_last(monkeypatch, capsys, tmp_path):
    lab = _tool("lab")
    started, written = [], []
    monkeypatch.setattr(lab, "write_overrides", lambda: written.append(lab.write_overrides))  # not this venv's
    monkeypatch.setattr(lab.os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    lab.main(["--port", "8888"])
    assert written, "the settings are written before the server starts"
    out = capsys.readouterr().out.strip().splitlines()
    command = started[0]
    port = next(a.split("=")[1] for a in command if a.startswith("--ServerApp.port="))
    token = next(a.split("=")[1] for a in command if a.startswith("--IdentityProvider.token="))
    url = f"http://127.0.0.1:{port}/lab/tree/notebooks/00_start_here.ipynb?token={token}"
    assert out[-1].endswith(url) and len(token) >= 32
    assert "--ServerApp.ip=127.0.0.1" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in command
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    activate = f". {os.path.relpath(sys.prefix, ROOT)}/bin/activate" if Path(sys.prefix).is_relative_to(ROOT) \
        else f". {sys.prefix}/bin/activate"
    assert f"run  {activate}  then  ticketlab --help" in out[-2]
    # the README shows the same two lines, with the path, the port and the token left out
    shown = README.read_text()
    for line in out[-2:]:
        generic = line.replace(str(ROOT), "/path/to/ticketlab").replace(token, "…").replace(f":{port}/", ":8888/")
        generic = generic.replace(activate, ". .venv/bin/activate")
        assert generic in shown, generic


def test_lab_settings_turn_off_the_news_question_and_keep_other_settings(tmp_path):
    lab = _tool("lab")
    path = lab.overrides_path(str(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                                "@jupyterlab/apputils-extension:notification": {"doNotDisturbMode": True}}))
    lab.write_overrides(str(tmp_path))
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"] == {
        "doNotDisturbMode": True, "fetchNews": "false", "checkForUpdates": False}
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    schema = json.loads((Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab/apputils-extension"
                         / "notification.json").read_text())["properties"]
    assert {c["const"] for c in schema["fetchNews"]["oneOf"]} >= {"false"}
    assert schema["checkForUpdates"]["type"] == "boolean"


# --------------------------------------------------------------------------- the static panel

def _newplot_traces(page: str) -> list[list[dict]]:
    """The trace list passed to each ``Plotly.newPlot`` call in ``page``."""
    decoder = json.JSONDecoder()
    charts = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        traces, _ = decoder.raw_decode(page, m.end())
        charts.append(traces)
    return charts


def test_a_panel_in_static_mode_displays_html_not_widgets(monkeypatch):
    from ticketlab.core.numbers import format_quantity
    from ticketlab.estimate import traffic
    from ticketlab.ui.widgets import dau_panel
    from ticketlab.ui.widgets import panel as panel_module

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    panel = dau_panel(dau="250M")
    monkeypatch.delenv("TICKETLAB_STATIC", raising=False)
    panel._ipython_display_()
    assert shown[-1][0] is panel.widget  # live: the widgets

    monkeypatch.setenv("TICKETLAB_STATIC", "1")
    assert panel_module.static_mode()
    panel._ipython_display_()
    bundle, raw = shown[-1]
    assert raw and set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    assert "daily active users" in page and "<code>250M</code>" in page
    assert panel.table.value in page and "<script src" not in page
    charts = _newplot_traces(page)
    assert len(charts) == 1
    marker = next(t for t in charts[0] if t["name"] == "you are here")
    expected = format_quantity(traffic(dau=250e6).exact("search_qps"), "req/s")
    assert marker["text"] == [expected]

    panel["dau"].box.value = "lots"  # typed into the box: refused, and the snapshot says so
    assert "⚠" in panel.snapshot_html() and "ticketlab-message" in panel.snapshot_html()
    monkeypatch.setenv("TICKETLAB_STATIC", "0")
    assert not panel_module.static_mode()


# --------------------------------------------------------------------------- the book

def _expected_charts(notebook: Path) -> int:
    """Panels a notebook builds: one chart each (every chapter panel has a chart)."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(len(re.findall(r"\b\w+_panel\(", c.source)) for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run([sys.executable, str(TOOLS / "build_book.py"), str(out)], capture_output=True, text=True,
                          timeout=1200, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return out


def test_the_book_has_a_page_with_its_charts_for_every_notebook(book):
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for notebook in notebooks:
        page = (book / f"{notebook.stem}.html").read_text()
        charts = _newplot_traces(page)
        assert len(charts) == _expected_charts(notebook) >= 1, notebook.name
        for traces in charts:
            assert traces and all(t.get("x") is not None or t.get("y") is not None for t in traces), notebook.name
        assert page.count('class="plotly-graph-div"') == len(charts)
        assert "jp-OutputArea-output" in page and "Traceback" not in page, notebook.name
        assert 'class="jp-InputArea' in page  # the code cells are shown


def test_the_book_loads_no_script_from_the_network(book):
    assert (book / "plotly.min.js").stat().st_size > 1_000_000
    for page in book.glob("*.html"):
        html = page.read_text()
        assert not NETWORK_SCRIPT.search(html), page.name
        assert not any(host in html for host in CDN_HOSTS), page.name
        for src in re.findall(r"""<script[^>]*\bsrc=["']([^"']+)""", html):
            assert (book / src).exists(), (page.name, src)
    assert "<math" in (book / "00_start_here.html").read_text()  # the formula, as MathML


def test_the_book_index_links_every_chapter_in_order_and_pages_link_each_other(book):
    index = (book / "index.html").read_text()
    linked = re.findall(r"href='([\w]+\.html)'", index)
    build_book = _tool("build_book")
    assert linked == [c.page for c in build_book.chapters()]
    assert linked[0] == "00_start_here.html" and linked[-1] == "dashboard.html"
    start = (book / "00_start_here.html").read_text()
    assert 'href="01_mental_math.html"' in start and ".ipynb\"" not in start
    for target in re.findall(r'href="([\w]+\.html)"', start):
        assert (book / target).exists(), target
    missing = [n for n in re.findall(r"\]\((\w+)\.ipynb\)", " ".join(
        c.source for c in nbformat.read(ROOT / "notebooks/00_start_here.ipynb", as_version=4).cells))
        if not (ROOT / "notebooks" / f"{n}.ipynb").exists()]
    assert start.count("(being written)") == len(missing)


# --------------------------------------------------------------------------- the API reference

def test_the_api_reference_has_a_page_for_every_module(tmp_path):
    build_docs = _tool("build_docs")
    proc = subprocess.run([sys.executable, str(TOOLS / "build_docs.py"), str(tmp_path)], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-4000:]
    names = build_docs.module_names()
    assert "ticketlab.seatlock.service" in names and "ticketlab.__main__" not in names
    for name in names:
        assert (tmp_path / (name.replace(".", "/") + ".html")).exists(), name
    top = (tmp_path / "ticketlab.html").read_text()
    assert 'id="Worksheet"' in top and 'id="solve"' in top  # loaded on first use, documented all the same
    service = (tmp_path / "ticketlab/seatlock/service.html").read_text()
    assert "hold_seats" in service and "BookingService" in service
    for page in tmp_path.rglob("*.html"):
        assert not NETWORK_SCRIPT.search(page.read_text()), page


# --------------------------------------------------------------------------- the benchmark's verdict

def test_a_ratio_below_its_target_never_prints_as_reaching_it():
    spec = importlib.util.spec_from_file_location("bench_seatlock", ROOT / "benchmarks" / "bench_seatlock.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # a row prints the ratio cut to three decimals, then the verdict judged on the whole ratio
    for ratio, target, printed in ((0.698, 0.70, "0.698 < 0.70 MISSED"), (0.6999, 0.70, "0.699 < 0.70 MISSED"),
                                   (0.70, 0.70, "0.700 >= 0.70 ok"), (1.2345, 0.30, "1.234 >= 0.30 ok")):
        assert f"{bench.cut(ratio):.3f} {bench.verdict(ratio, target)}" == printed


def test_the_readme_has_no_placeholder_left_for_a_figure():
    """Every ALL_CAPS_NAME in the README is a name the code defines (a constant, a violation kind,
    a marker), never a placeholder for a figure that was meant to be measured and pasted in."""
    sources = "\n".join(p.read_text() for folder in ("ticketlab", "tools", "tests", "benchmarks")
                        for p in (ROOT / folder).rglob("*.py") if p.name != Path(__file__).name)
    names = set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b", README.read_text()))
    assert names, "the pattern finds the README's real constant names"
    undefined = sorted(n for n in names if not re.search(rf"\b{n}\b", sources))
    assert not undefined, f"placeholders left in the README: {undefined}"


def test_make_workshop_serves_a_chapter_with_its_panel_and_without_its_code(tmp_path):
    """`make workshop` runs Voilà on notebooks/: a chapter renders, its panel's widgets are on the
    page, and its code cells are not."""
    import shutil
    import time
    import urllib.request

    from support import free_port, missing

    voila = Path(sys.executable).parent / "voila"
    if not voila.exists() and shutil.which("voila") is None:
        missing("voila", "make workshop (it installs the [workshop] extras)")
    make = (ROOT / "Makefile").read_text()
    assert "voila notebooks" in make, "the workshop target serves notebooks/ with Voilà"
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "run")}
    server = subprocess.Popen([str(voila), "notebooks", "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--no-browser",
                               "--VoilaConfiguration.progressive_rendering=False"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = ""
        for _ in range(240):  # the server starts, then the chapter runs in a fresh kernel
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/05_booking_funnel.ipynb",
                                            timeout=120) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "application/vnd.jupyter.widget-view+json" in page, page[:500]
        assert "The booking funnel" in page
        assert "from ticketlab.ui.widgets import" not in page  # the code is hidden
    finally:
        server.terminate()
        server.wait(timeout=30)
