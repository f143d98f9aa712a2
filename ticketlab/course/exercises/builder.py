"""Student copies: ``exercises/`` is written from ``solutions/``, never by hand.

In a solution notebook the answer code sits between nbgrader's markers::

    ### BEGIN SOLUTION
    contention_ratio = worked("superbowl.contention_ratio")
    ### END SOLUTION
    check("superbowl.contention_ratio", contention_ratio)

The builder keeps the names the block assigns and replaces their values with the placeholder
``...`` (``contention_ratio = ...  # your answer``), which ``check`` reports as "not attempted":
a student copy runs cleanly and shows no answer. In Markdown a marked block becomes a prompt.
Outputs are stripped, except the ``# NBVAL_CHECK_OUTPUT`` cell that prints ``score()``, whose
output becomes the score of an untouched copy (every question not attempted), so that nbval
proves it. The notebook's ``metadata["ticketlab"]["exercise"]`` names its exercise.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from ticketlab.core.errors import InputError

__all__ = ["BEGIN", "END", "CHECKED", "student_source", "student_notebook", "build", "exercise_of", "write_atomically"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CHECKED = "NBVAL_CHECK_OUTPUT"
_PLACEHOLDER = "...  # your answer"
_PROSE = "_Your answer here._"


def _placeholders(block: list[str], indent: str, where: str) -> list[str]:
    try:
        tree = ast.parse(textwrap.dedent("\n".join(block)))
    except SyntaxError as e:
        raise InputError(where, f"solution block: {e.msg}", "a solution block of valid Python") from None
    targets: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets += [ast.unparse(t) for t in node.targets]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets.append(ast.unparse(node.target))
    if not targets:
        raise InputError(where, "a solution block that assigns nothing",
                         "a block that assigns the answer, such as `contention_ratio = worked(...)`")
    return [f"{indent}{t} = {_PLACEHOLDER}" for t in dict.fromkeys(targets)]


def student_source(source: str, cell_type: str = "code", where: str = "cell") -> str:
    """``source`` with every ``### BEGIN SOLUTION`` … ``### END SOLUTION`` block replaced by placeholders.

    Raises :class:`~ticketlab.core.errors.InputError` naming ``where`` for an unclosed or nested
    block, or a code block that assigns no answer.
    """
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if block is not None:
                raise InputError(where, "a nested BEGIN SOLUTION", f"one {END} after each {BEGIN}")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == END:
            if block is None:
                raise InputError(where, f"{END} without {BEGIN}", f"{BEGIN} … {END} around the answer")
            out += _placeholders(block, indent, where) if cell_type == "code" else [_PROSE]
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise InputError(where, f"{BEGIN} without {END}", f"{BEGIN} … {END} around the answer")
    return "\n".join(out)


def exercise_of(nb: Any) -> str | None:
    """The exercise id a notebook names in its metadata, if any."""
    meta = nb.get("metadata", {}).get("ticketlab", {})
    eid = meta.get("exercise") if isinstance(meta, dict) else None
    return eid if isinstance(eid, str) else None


def _blank_score(eid: str) -> str:
    from ticketlab.course.exercises.bank import exercise
    from ticketlab.course.exercises.session import exercise_score

    return str(exercise_score(exercise(eid), {})) + "\n"


def student_notebook(solution: Any, name: str = "notebook") -> Any:
    """The student copy of a solution notebook (an ``nbformat`` node; the solution is not changed)."""
    from nbformat.v4 import new_output

    eid = exercise_of(solution)
    if eid is None:
        raise InputError(name, "no metadata.ticketlab.exercise", "a solution notebook that names its exercise, "
                         "such as {'ticketlab': {'exercise': 'problem-1'}}")
    nb = copy.deepcopy(solution)
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        had_solution = BEGIN in cell.source
        cell.source = student_source(cell.source, cell.cell_type, f"{name} cell {i}")
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        if CHECKED not in cell.source:
            cell.outputs = []
        elif had_solution:
            raise InputError(f"{name} cell {i}", "a checked cell with a solution block",
                             "answers and # NBVAL_CHECK_OUTPUT in separate cells")
        elif re.search(r"\bscore\(\)", cell.source):
            cell.outputs = [new_output("stream", name="stdout", text=_blank_score(eid))]
            cell.execution_count = 1
    return nb


def _render(nb: Any) -> str:
    import nbformat

    return nbformat.writes(nb) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, so a reader sees the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(solutions: Path | str = "solutions", exercises: Path | str = "exercises", *, check: bool = False) -> list[Path]:
    """Write a student copy of every ``solutions/*.ipynb`` into ``exercises/``; remove copies without a solution.

    Returns the exercise notebooks that were (with ``check``: would be) written or removed, so
    an empty list means ``exercises/`` is up to date. Nothing is written when any solution
    fails to convert. Raises :class:`~ticketlab.core.errors.InputError` for a missing folder
    or a malformed solution.
    """
    import nbformat

    src, dst = Path(solutions), Path(exercises)
    if not src.is_dir():
        raise InputError("solutions", str(src), "a folder of solution notebooks, such as solutions/")
    if not dst.is_dir():
        raise InputError("exercises", str(dst), "an existing folder for the student copies, such as exercises/")
    wanted = {}
    for path in sorted(src.glob("*.ipynb")):
        try:
            solution = nbformat.read(path, as_version=4)
        except Exception as e:  # nbformat raises several unrelated types for a broken file
            raise InputError(str(path), f"{type(e).__name__}: {e}", "a valid notebook") from None
        wanted[dst / path.name] = _render(student_notebook(solution, path.name))
    changed = [p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    orphans = [p for p in sorted(dst.glob("*.ipynb")) if p not in wanted]
    if not check:
        for p in changed:
            write_atomically(p, wanted[p])
        for p in orphans:
            p.unlink()
    return changed + orphans
