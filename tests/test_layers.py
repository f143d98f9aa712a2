"""The architecture, stated as rules the code must keep: layers only import downwards.

    core  <-  worksheet  <-  estimate  <-  course  <-  ui
    core  <-  seatlock   <-  sim  <-  ui
    core  <-  seatlock   <-  classroom  <-  ui

Every import of every module counts, including those inside functions (imported late for
speed, they are still dependencies). Nothing below ``ui`` imports argparse, ipywidgets or
plotly, and importing the library does not load sympy, plotly, ipywidgets or a database client.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ticketlab"

#: layer -> the layers of ours it may import (itself always allowed)
ALLOWED = {
    "core": set(),
    "worksheet": {"core"},
    "estimate": {"core", "worksheet"},
    "course": {"core", "worksheet", "estimate"},
    "seatlock": {"core"},
    "sim": {"core", "seatlock", "worksheet", "estimate"},
    "classroom": {"core", "seatlock"},
    "ui": {"core", "worksheet", "estimate", "course", "seatlock", "sim", "classroom"},
    "": {"core", "worksheet", "estimate", "course", "seatlock", "sim", "classroom", "ui"},  # ticketlab/__init__, __main__
}
UI_ONLY = {"argparse", "ipywidgets", "plotly", "IPython"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_rules_cover_every_layer_of_the_package():
    layers = {_layer(p) for p in _modules()}
    assert layers <= set(ALLOWED), f"a new layer needs a rule: {layers - set(ALLOWED)}"
    assert {"core", "worksheet", "estimate", "course", "seatlock", "ui"} <= layers


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_from_its_own_layer_or_below(path):
    layer = _layer(path)
    wrong = []
    for line, name in _imports(path):
        top = name.split(".")
        if top[0] == "ticketlab" and len(top) > 1:
            target = top[1] if (PACKAGE / top[1]).is_dir() else ""
            if target and target != layer and target not in ALLOWED[layer]:
                wrong.append(f"line {line}: {name} ({layer or 'ticketlab'} may not import {target})")
        if layer not in ("ui", "") and top[0] in UI_ONLY:
            wrong.append(f"line {line}: {name} (only ui/ may import {top[0]})")
    assert not wrong, "\n".join(wrong)


def test_the_seat_lock_core_never_imports_the_estimators_or_the_course():
    for path in (PACKAGE / "seatlock").rglob("*.py"):
        for _, name in _imports(path):
            assert not name.startswith(("ticketlab.estimate", "ticketlab.worksheet", "ticketlab.course",
                                        "ticketlab.ui", "ticketlab.sim")), (path, name)


@pytest.mark.parametrize("module", ["ticketlab", "ticketlab.estimate", "ticketlab.course.solve",
                                    "ticketlab.course.audit", "ticketlab.seatlock", "ticketlab.ui.cli"])
def test_importing_the_library_loads_no_heavy_or_optional_package(module):
    heavy = ["sympy", "plotly", "ipywidgets", "redis", "psycopg", "nbformat", "nbclient", "IPython"]
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import {module} loaded {out.stdout.strip()}"


def test_the_tests_mirror_the_package():
    """Each layer of ticketlab has a folder of tests of the same name; only project-wide checks sit in tests/."""
    import ticketlab

    tests = Path(__file__).resolve().parent
    missing = [name for name in ticketlab.SUBPACKAGES if not any((tests / name).glob("test_*.py"))]
    assert not missing, f"layers without a tests/<layer>/ folder of tests: {missing}"
    flat = sorted(p.name for p in tests.glob("test_*.py"))
    assert flat == ["test_docs_and_book.py", "test_imports.py", "test_lab_browser.py", "test_layers.py",
                    "test_notebooks_policy.py", "test_packaging.py"], flat
