"""CLI verbs of the exercises: ``exercises build|list`` and ``grade``.

``ticketlab.ui.cli`` calls :func:`register` with its subparsers. nbformat, nbclient and tqdm are
imported inside the handlers, so building the parser stays cheap. A handler raises an
:class:`~ticketlab.core.errors.InputError` for bad input, which the CLI prints to stderr with
exit code 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["register", "run_build", "run_list", "run_grade"]


def register(subparsers: Any) -> None:
    ex = subparsers.add_parser(
        "exercises", help="build the student copies of the exercises, or list the exercises",
        description="Graded exercises. `build` writes exercises/ from solutions/ (answers replaced by "
                    "placeholders, outputs stripped); `list` shows every exercise and its question ids.")
    actions = ex.add_subparsers(dest="exercises_action", metavar="ACTION")
    actions.required = True
    build = actions.add_parser("build", help="write exercises/ from solutions/")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 and name the stale copies if exercises/ is out of date")
    build.add_argument("--solutions", default="solutions", metavar="DIR", help="solution notebooks (default solutions)")
    build.add_argument("--out", default="exercises", metavar="DIR", help="student copies (default exercises)")
    build.set_defaults(func=run_build)
    listing = actions.add_parser("list", help="every exercise and its question ids")
    listing.add_argument("--json", action="store_true", help="print {exercise: [question ids]} as JSON")
    listing.set_defaults(func=run_list)

    grade = subparsers.add_parser(
        "grade", help="grade submitted notebooks: each in a fresh kernel, a gradebook out",
        description="Runs each submission in a fresh kernel, grades its answers by question id with keys "
                    "computed here, and prints or writes a gradebook (per-question points and feedback).")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="submitted notebooks, or folders of them")
    grade.add_argument("--timeout", type=float, default=None, metavar="S",
                       help="seconds each submission may run, kernel start included (default 60)")
    grade.add_argument("--jobs", type=int, default=2, metavar="J", help="kernels at a time (default 2)")
    grade.add_argument("--csv", default=None, metavar="FILE", help="write the gradebook to FILE (atomically)")
    grade.add_argument("--json", action="store_true", help="print the gradebook as JSON")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.set_defaults(func=run_grade)


def run_build(args: Any) -> int:
    """Exit 0 when exercises/ is (now) up to date; with ``--check``, 1 when it is not."""
    from ticketlab.course.exercises.builder import build

    changed = build(args.solutions, args.out, check=args.check)
    if args.check:
        if changed:
            print("out of date (run `ticketlab exercises build`): " + ", ".join(map(str, changed)), file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    print(f"wrote {len(changed)} notebook(s)" + (": " + ", ".join(map(str, changed)) if changed else ""))
    return 0


def run_list(args: Any) -> int:
    from ticketlab.course.exercises.bank import exercise, exercise_ids

    table = {e: list(exercise(e).question_ids) for e in exercise_ids()}
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    for e, ids in table.items():
        print(f"{e} ({exercise(e).title}): {len(ids)} questions")
        for q in ids:
            print(f"  {q}")
    return 0


def run_grade(args: Any) -> int:
    """Exit 0 once the batch completed, whatever the submissions did."""
    from ticketlab.course.exercises.grader import DEFAULT_TIMEOUT, grade_submissions, submission_paths, write_csv

    paths = submission_paths(args.paths)
    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    graded = grade_submissions(paths, timeout=timeout, jobs=args.jobs, progress=not args.no_progress)
    if args.csv:
        write_csv(graded, args.csv)
    if args.json:
        print(json.dumps({"submissions": [g.as_dict() for g in graded]}, indent=2))
        return 0
    width = max(len(g.path) for g in graded)
    for g in graded:
        print(f"{g.path:<{width}}  {g.exercise or '-':<26} {g.points:>5g}/{g.max_points:<4g} {g.status.value}"
              + (f" — {g.detail}" if g.detail else ""))
    if args.csv:
        print(f"gradebook: {args.csv}")
    return 0
