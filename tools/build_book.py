"""Build the book: every chapter executed and turned into a static HTML page, offline.

    python tools/build_book.py [OUT] [--only 00_start_here.ipynb ...] [--jobs 2] [--timeout 300]

OUT (default ``build/book``) gets one page per notebook in ``notebooks/`` (code cells shown),
``index.html`` linking the chapters in order, and ``plotly.min.js`` copied from the plotly
package, which every page loads from beside itself. Nothing is fetched from the network:

- each notebook runs in a fresh kernel with ``TICKETLAB_STATIC=1``, so a panel displays a static
  snapshot (controls as text, a plotly figure, its message and table) instead of live widgets;
- a formula output (``text/latex``) is converted to MathML, which the browser draws itself;
- the page template (``docs/book/page.html.j2``) drops nbconvert's CDN scripts (require.js,
  MathJax, mermaid, the widget manager);
- links between notebooks point at the pages; a link to a chapter that does not exist yet
  becomes plain text marked "being written".

A cell that raises stops the build with the notebook's name and the error (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATE = ROOT / "docs" / "book" / "page.html.j2"
STATIC_ENV = "TICKETLAB_STATIC"  # read by ticketlab.ui.widgets.panel.static_mode


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course: its file, the page it becomes, and its title."""

    notebook: Path
    title: str

    @property
    def page(self) -> str:
        return self.notebook.stem + ".html"


def chapters(folder: Path = NOTEBOOKS) -> list[Chapter]:
    """The numbered chapters in order, then any other notebook (the dashboard) by name."""
    import nbformat

    paths = sorted(folder.glob("*.ipynb"), key=lambda p: (not p.name[:2].isdigit(), p.name))
    return [Chapter(p, _title(nbformat.read(p, as_version=4))) for p in paths]


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def _mathml(nb) -> None:
    """Give every ``text/latex`` output an HTML twin in MathML (HTML wins over LaTeX in the page)."""
    from latex2mathml.converter import convert

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/latex" in data and "text/html" not in data:
                tex = data["text/latex"].strip().strip("$").strip()
                # inside \text{} an underscore needs no escape, and the converter would keep the backslash
                tex = re.sub(r"\\text\{([^}]*)\}", lambda m: "\\text{" + m.group(1).replace("\\_", "_") + "}", tex)
                data["text/html"] = convert(tex, display="block")


async def _execute(chapter: Chapter, timeout: float, gate: asyncio.Semaphore):
    import nbformat
    from nbclient import NotebookClient

    async with gate:
        nb = nbformat.read(chapter.notebook, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                                resources={"metadata": {"path": str(chapter.notebook.parent)}})
        started = time.perf_counter()
        try:
            await client.async_execute()
        except Exception as error:  # the chapter's own error, reported with its name
            raise SystemExit(f"build_book: {chapter.notebook.name} failed:\n{error}") from None
        print(f"  ran {chapter.notebook.name} in {time.perf_counter() - started:.1f} s", flush=True)
        return nb


def _nav(book: list[Chapter], k: int, where: str) -> str:
    def link(c: Chapter | None, arrow: str) -> str:
        return f"<a href='{c.page}'>{arrow} {html.escape(c.title)}</a>" if c else "<span></span>"

    before = book[k - 1] if k > 0 else None
    after = book[k + 1] if k + 1 < len(book) else None
    return (f"<nav class='ticketlab-book {where}'>{link(before, '←')}<a href='index.html'>contents</a>"
            f"{link(after, '→')}</nav>")


def _relink(page: str, pages: set[str]) -> str:
    """``href="NN_name.ipynb"`` to the page; a link to a notebook that is not in the book becomes text."""
    def swap(m: re.Match) -> str:
        stem, text = m.group(1), m.group(2)
        if f"{stem}.html" in pages:
            return f'<a href="{stem}.html">{text}</a>'
        return f'<span class="ticketlab-unwritten" title="this chapter is being written">{text} (being written)</span>'

    return re.sub(r'<a href="([\w\-]+)\.ipynb">(.*?)</a>', swap, page)


def _index(book: list[Chapter]) -> str:
    items = "\n".join(f"<li><a href='{c.page}'>{html.escape(c.title)}</a></li>" for c in book)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ticketlab · the course</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
line-height: 1.5; }} li {{ margin: 0.3em 0; }}</style></head>
<body>
<h1>ticketlab · the course</h1>
<p>Every chapter of the course, executed, with its code, its printed numbers and its charts as they
stand after a run. Panels appear as snapshots: the controls' values as text and the chart at those
values. To move the sliders, run the course yourself with <code>make lab</code>.</p>
<ol start="0" style="list-style: none; padding-left: 0">
{items}
</ol>
<p>The API reference: <a href="../docs/index.html">build/docs</a> (built by <code>make docs</code>).</p>
</body></html>
"""


def build(out: Path, only: list[str] | None = None, jobs: int = 2, timeout: float = 300) -> list[Path]:
    """Execute and convert the chapters into ``out``; the pages written, in book order."""
    import os

    from nbconvert import HTMLExporter
    import plotly

    book = chapters()
    if only:
        unknown = sorted(set(only) - {c.notebook.name for c in book})
        if unknown:
            raise SystemExit(f"build_book: no such notebook: {', '.join(unknown)}; "
                             f"choose from {', '.join(c.notebook.name for c in book)}")
        book = [c for c in book if c.notebook.name in only]
    os.environ[STATIC_ENV] = "1"  # inherited by every kernel this process starts
    gate = asyncio.Semaphore(jobs)

    async def run_all():
        return await asyncio.gather(*(_execute(c, timeout, gate) for c in book))

    executed = asyncio.run(run_all())
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out / "plotly.min.js")
    exporter = HTMLExporter(template_name="lab", template_file=str(TEMPLATE), exclude_input_prompt=True,
                            exclude_output_prompt=True)
    pages = {c.page for c in book}
    written = []
    for k, (chapter, nb) in enumerate(zip(book, executed)):
        nb.metadata.pop("widgets", None)
        _mathml(nb)
        resources = {"metadata": {"name": chapter.title},
                     "ticketlab_nav": _nav(book, k, "top"), "ticketlab_nav_bottom": _nav(book, k, "bottom")}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        path = out / chapter.page
        path.write_text(_relink(body, pages), encoding="utf-8")
        written.append(path)
    (out / "index.html").write_text(_index(book), encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the static book of the executed chapters.")
    parser.add_argument("out", nargs="?", default=str(ROOT / "build" / "book"), help="output folder")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="build only these notebooks (file names)")
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a cell may run (default 300)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages = build(Path(args.out), args.only, args.jobs, args.timeout)
    print(f"book: {len(pages)} pages in {args.out} ({time.perf_counter() - started:.0f} s); "
          f"open {Path(args.out) / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
