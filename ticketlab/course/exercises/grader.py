"""Grade a class: run each submission in a fresh kernel, grade its answers here, write a gradebook.

Each submission runs with nbclient in a new ``python3`` kernel, in a scratch folder, under a
time budget. ``check`` in that kernel appends every answer to a side file named by
:data:`~ticketlab.course.exercises.session.ANSWERS_ENV`; once the kernel is gone the grader
reads that file and grades each answer against keys computed in *this* process, so nothing a
submission does in its kernel (redefining ``check`` or ``score``, editing a key) can award it
points. Answers are matched by question id, so moved, copied or deleted cells do not matter
(the latest answer to a question counts).

A submission that raises keeps the points of what it answered (the run goes on to the next
cell); one that loops forever, exits or kills its kernel keeps the points of what it answered
before; one that prints megabytes has its output dropped beyond :data:`OUTPUT_CAP`; a file
that is not a notebook gets a row saying so. The batch always completes.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.course.exercises.answers import decode
from ticketlab.course.exercises.feedback import Feedback, Score

__all__ = ["RunStatus", "Graded", "grade_submissions", "grade_records", "gradebook_rows", "write_csv",
           "submission_paths", "OUTPUT_CAP", "DEFAULT_TIMEOUT"]

#: Bytes of cell output kept per submission; the grader needs none of it, so a flood is dropped.
OUTPUT_CAP = 1_000_000
#: Seconds a submission may run, kernel start included, unless ``--timeout`` says otherwise.
DEFAULT_TIMEOUT = 60.0
_ANSWERS_CAP = 5_000_000  # bytes of side file read: far more than any honest answer sheet


class RunStatus(StrEnum):
    """What happened when a submission ran."""

    COMPLETED = "completed"
    RAISED = "raised"  # at least one cell raised; the run went on
    TIMED_OUT = "timed out"
    KERNEL_DIED = "kernel died"
    INVALID = "invalid notebook"
    NO_KERNEL = "kernel failed to start"


@dataclass(frozen=True)
class Graded:
    """One gradebook row: the submission, what happened, and the feedback on every question."""

    path: str
    exercise: str
    status: RunStatus
    detail: str
    score: Score | None = None
    seconds: float = 0.0
    extra: tuple[str, ...] = field(default=())  # answered ids that are not part of the exercise

    @property
    def student(self) -> str:
        return Path(self.path).stem

    @property
    def points(self) -> float:
        return self.score.points if self.score else 0.0

    @property
    def max_points(self) -> float:
        return self.score.max_points if self.score else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"submission": self.path, "student": self.student, "exercise": self.exercise,
                "status": self.status.value, "detail": self.detail, "points": self.points,
                "max_points": self.max_points, "seconds": round(self.seconds, 2),
                "questions": [{"id": f.question, "status": f.status.value, "points": f.points,
                               "max_points": f.max_points, "answer": f.answer, "feedback": f.message,
                               "diagnosis": f.diagnosis} for f in (self.score.results if self.score else ())]}


# --------------------------------------------------------------------------- grading answers

def _read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, "rb") as f:
        data = f.read(_ANSWERS_CAP)
    out = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a torn last line, or something the submission wrote itself
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _exercise_id(meta_id: str | None, records: Sequence[dict[str, Any]]) -> str | None:
    """The notebook's exercise; a ``begin`` of the same family (another practice scenario) overrides it."""
    begun = [r.get("exercise") for r in records if r.get("event") == "begin" and isinstance(r.get("exercise"), str)]
    if begun and (meta_id is None or begun[-1].split(":")[0] == meta_id.split(":")[0]):
        return begun[-1]
    return meta_id


def grade_records(meta_id: str | None, records: Sequence[dict[str, Any]]) -> tuple[str, Score | None, tuple[str, ...]]:
    """Grade the answer records of one run: ``(exercise id, score, answered ids outside the exercise)``."""
    from ticketlab.course.exercises.bank import exercise
    from ticketlab.course.exercises.session import exercise_score

    eid = _exercise_id(meta_id, records)
    try:
        ex = exercise(eid) if eid else None
    except (InputError, KeyError):
        ex = None
    if ex is None:
        return eid or "", None, ()
    latest: dict[str, Any] = {}
    for r in records:
        if r.get("event") == "answer" and isinstance(r.get("id"), str):
            latest[r["id"]] = decode(r.get("answer"))
    feedback: dict[str, Feedback] = {}
    from ticketlab.course.exercises.bank import question

    for qid in ex.question_ids:
        if qid in latest:
            feedback[qid] = question(qid).grade(latest[qid])
    extra = tuple(sorted(q for q in latest if q not in ex.question_ids))
    return ex.id, exercise_score(ex, feedback), extra


# --------------------------------------------------------------------------- running one submission

def _capped_client(nb: Any, cwd: str):
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Drops cell output beyond :data:`OUTPUT_CAP` bytes (the grader reads answers, not output)."""

        def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
            content = msg.get("content", {})
            self.output_bytes += len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
            if self.output_bytes > OUTPUT_CAP:
                self.flooded = True
                return None
            return super().output(outs, msg, display_id, cell_index)

    client = CappedClient(nb, kernel_name="python3", allow_errors=True, shutdown_kernel="immediate",
                          extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                          shell_timeout_interval=1, resources={"metadata": {"path": cwd}})
    client.output_bytes, client.flooded = 0, False
    return client


async def _execute(nb: Any, cwd: str, env: dict[str, str], budget: float) -> tuple[RunStatus, str]:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = _capped_client(nb, cwd)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    errors: list[str] = []
    status, detail = RunStatus.COMPLETED, ""
    try:
        # kernel logs and fd-level prints are not answers; the grader reads the side file only
        async with client.async_setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    status, detail = RunStatus.TIMED_OUT, f"out of time (budget {budget:g} s) before cell {i}"
                    break
                client.timeout = max(1, math.ceil(remaining))
                try:
                    await client.async_execute_cell(cell, i)
                except CellTimeoutError:
                    status, detail = RunStatus.TIMED_OUT, f"cell {i} was still running when the {budget:g} s budget ran out"
                    break
                except DeadKernelError:
                    status, detail = RunStatus.KERNEL_DIED, f"the kernel exited or died in cell {i}"
                    break
                errors += [f"cell {i}: {o.get('ename', 'Error')}: {str(o.get('evalue', ''))[:80]}"
                           for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                cell.outputs = []  # nothing downstream needs them
    except DeadKernelError:
        status, detail = RunStatus.KERNEL_DIED, "the kernel died"
    except (RuntimeError, TimeoutError, OSError) as e:
        if status is RunStatus.COMPLETED:
            status, detail = RunStatus.NO_KERNEL, f"{type(e).__name__}: {e}"[:200]
    if errors and status is RunStatus.COMPLETED:
        status = RunStatus.RAISED
    notes = [detail] if detail else []
    if errors:
        notes.append(f"{len(errors)} cell(s) raised, first {errors[0]}")
    if client.flooded:
        notes.append(f"printed more than {OUTPUT_CAP // 1_000_000} MB; the rest was dropped")
    return status, "; ".join(notes)


async def _grade_one(path: Path, budget: float) -> Graded:
    import nbformat

    from ticketlab.course.exercises.builder import exercise_of
    from ticketlab.course.exercises.session import ANSWERS_ENV

    started = time.monotonic()
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8", errors="replace"), as_version=4)
        cells = [c for c in nb.cells if c.get("cell_type") == "code" and isinstance(c.get("source"), str)]
    except Exception as e:  # a broken file raises many unrelated types; each is "not a notebook"
        return Graded(str(path), "", RunStatus.INVALID, f"not a valid notebook: {type(e).__name__}: {e}"[:200],
                      seconds=time.monotonic() - started)
    meta_id = exercise_of(nb)
    for c in cells:
        c.outputs = []
    with tempfile.TemporaryDirectory(prefix="ticketlab-grade-") as tmp:
        answers = Path(tmp) / "answers.jsonl"
        env = {**os.environ, ANSWERS_ENV: str(answers)}
        status, detail = await _execute(nb, tmp, env, budget)
        records = _read_records(answers)
    eid, score, extra = grade_records(meta_id, records)
    if score is None:
        detail = "; ".join(x for x in (detail, "the notebook names no known exercise") if x)
    if extra:
        detail = "; ".join(x for x in (detail, f"ignored answers to questions outside the exercise: {', '.join(extra)}") if x)
    return Graded(str(path), eid, status, detail, score, time.monotonic() - started, extra)


# --------------------------------------------------------------------------- the batch

def submission_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Every notebook named, folders searched recursively (checkpoints skipped), each once, in order.

    Raises :class:`~ticketlab.core.errors.InputError` for a path that does not exist or a
    batch with no notebook in it.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.exists():
            out.append(p)
        else:
            raise InputError("PATH", str(p), "a submitted notebook or a folder of them, such as submissions/")
    out = list(dict.fromkeys(out))
    if not out:
        raise InputError("PATH", " ".join(map(str, paths)), "at least one .ipynb file to grade")
    return out


def grade_submissions(paths: Sequence[Path], *, timeout: float = DEFAULT_TIMEOUT, jobs: int = 2,
                      progress: bool = True) -> list[Graded]:
    """Grade each notebook in ``paths`` (``jobs`` kernels at a time, ``timeout`` seconds each); rows in order.

    Raises :class:`~ticketlab.core.errors.InputError` for ``timeout`` or ``jobs`` out of range.
    """
    if not (isinstance(jobs, int) and jobs >= 1):
        raise InputError("--jobs", jobs, "a whole number of kernels at a time, 1 or more, such as 2")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise InputError("--timeout", timeout, "seconds a submission may run, above 0, such as 60")
    return asyncio.run(_grade_all(list(paths), float(timeout), jobs, progress))


async def _grade_all(paths: list[Path], timeout: float, jobs: int, progress: bool) -> list[Graded]:
    from tqdm import tqdm

    gate = asyncio.Semaphore(jobs)
    bar = tqdm(total=len(paths), unit="notebook", desc="grading", disable=None if progress else True,
               file=sys.stderr)

    async def one(path: Path) -> Graded:
        async with gate:
            try:
                row = await _grade_one(path, timeout)
            except Exception as e:  # the batch always completes: an unforeseen failure becomes a row
                row = Graded(str(path), "", RunStatus.NO_KERNEL, f"grading failed: {type(e).__name__}: {e}"[:200])
        bar.update(1)
        return row

    try:
        return list(await asyncio.gather(*(one(p) for p in paths)))
    finally:
        bar.close()


# --------------------------------------------------------------------------- the gradebook

_FIXED_COLUMNS = ("submission", "student", "exercise", "status", "detail", "points", "max_points", "percent")


def gradebook_rows(graded: Sequence[Graded]) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of the gradebook: one row per submission, points and feedback per question id."""
    qids = list(dict.fromkeys(f.question for g in graded if g.score for f in g.score.results))
    columns = [*_FIXED_COLUMNS, *(c for q in qids for c in (q, f"{q} feedback"))]
    rows = []
    for g in graded:
        row: dict[str, Any] = {"submission": g.path, "student": g.student, "exercise": g.exercise,
                               "status": g.status.value, "detail": g.detail, "points": f"{g.points:g}",
                               "max_points": f"{g.max_points:g}",
                               "percent": f"{100 * g.points / g.max_points:.1f}" if g.max_points else "0.0"}
        for f in g.score.results if g.score else ():
            row[f.question] = f"{f.points:g}"
            said = f.status.value if f.message == f.status.value else f"{f.status.value}: {f.message}"
            row[f"{f.question} feedback"] = said
        rows.append(row)
    return columns, rows


def write_csv(graded: Sequence[Graded], path: Path | str) -> Path:
    """Write the gradebook as CSV (UTF-8, one header row) atomically: a reader never sees half a file."""
    columns, rows = gradebook_rows(graded)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError("--csv", str(path), "a file in an existing folder, such as grades.csv")
    from ticketlab.course.exercises.builder import write_atomically

    write_atomically(target, buf.getvalue())
    return target
