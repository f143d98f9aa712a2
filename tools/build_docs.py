"""Build the API reference from the docstrings with pdoc, offline.

    python tools/build_docs.py [OUT] [--only ticketlab.core ...]

OUT (default ``build/docs``) gets one HTML page per module of ``ticketlab`` (every module, not only
those a package's ``__all__`` names), an ``index.html`` and pdoc's local search index. pdoc's
pages load no script from the network (no math or mermaid extensions are switched on).

Names that a package loads on first use (``ticketlab.Worksheet``, ``ticketlab.seatlock.race``) are
loaded before pdoc reads the package, so they are documented where the package re-exports them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"ticketlab.__main__"}  # running it is `python -m ticketlab`; importing it would run the CLI


def module_names(package: str = "ticketlab") -> list[str]:
    """Every module of ``package``, packages before their modules, ``__main__`` left out."""
    root = importlib.import_module(package)
    names = [package] + [m.name for m in pkgutil.walk_packages(root.__path__, prefix=package + ".")]
    return [n for n in names if n not in SKIP]


def _load_lazy_names(names: list[str]) -> None:
    """Set each lazily loaded ``__all__`` name on its module, where pdoc looks for it."""
    for name in names:
        module = importlib.import_module(name)
        if "__getattr__" not in vars(module):
            continue
        for attribute in getattr(module, "__all__", ()):
            if attribute not in vars(module):
                setattr(module, attribute, getattr(module, attribute))


def build(out: Path, only: list[str] | None = None) -> list[Path]:
    """Write the reference into ``out``; the module pages written."""
    import pdoc
    import pdoc.render

    names = module_names()
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SystemExit(f"build_docs: no such module: {', '.join(unknown)}")
        names = [n for n in names if n in only]
    _load_lazy_names(names)
    pdoc.render.configure(docformat="restructuredtext", show_source=True, search=True,
                          footer_text="ticketlab API reference")
    with warnings.catch_warnings():
        # every module is named on purpose, so a package's walk meets its own modules again
        warnings.filterwarnings("ignore", message="The module specification")
        pdoc.pdoc(*names, output_directory=out)
    return [out / (n.replace(".", "/") + ".html") for n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the API reference with pdoc.")
    parser.add_argument("out", nargs="?", default=str(ROOT / "build" / "docs"), help="output folder")
    parser.add_argument("--only", nargs="+", metavar="MODULE", help="document only these modules")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages = build(Path(args.out), args.only)
    print(f"docs: {len(pages)} module pages in {args.out} ({time.perf_counter() - started:.0f} s); "
          f"open {Path(args.out) / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
