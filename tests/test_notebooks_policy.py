"""Notebook hygiene: committed without outputs except the cells nbval checks, and using the library.

The same rules hold for the course notebooks, the solutions and the generated exercises.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALL_NOTEBOOKS = NOTEBOOKS + sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_there_is_a_start_here_notebook():
    assert any(p.name == "00_start_here.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_name)
def test_only_checked_cells_keep_outputs(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" not in "".join(cell["source"]):
            assert not cell.get("outputs"), f"{path.name} cell {i} keeps outputs nbval does not check"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_name)
def test_notebook_checks_at_least_one_output_and_imports_ticketlab(path):
    nb = json.loads(path.read_text())
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("NBVAL_CHECK_OUTPUT" in s for s in sources)
    assert any("ticketlab" in s for s in sources)
    checked = [c for c in nb["cells"] if c["cell_type"] == "code" and "NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    assert all(c.get("outputs") for c in checked), "a checked cell must carry the output nbval compares"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_name)
def test_code_cells_stay_short_logic_lives_in_the_library(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert len("".join(cell["source"]).splitlines()) <= 15, f"{path.name} cell {i} is long: move it into ticketlab/"
