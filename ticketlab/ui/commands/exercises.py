"""The exercise verbs: ``exercises build|list`` and ``grade``.

nbformat, nbclient and tqdm are imported inside the handlers. Bad input raises an
:class:`~ticketlab.core.errors.InputError`, which the CLI prints to stderr with exit code 2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["exercises", "grade"]


def exercises(args: Any) -> int:
    """``exercises build`` or ``exercises list``."""
    return _build(args) if args.exercises_action == "build" else _list(args)


def _build(args: Any) -> int:
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


def _list(args: Any) -> int:
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


def grade(args: Any) -> int:
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
