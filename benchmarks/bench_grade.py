"""Grading speed: a class of 100 submissions of Problem 1, two kernels at a time.

    python benchmarks/bench_grade.py [N] [JOBS]

Each submission runs in a fresh kernel, as `ticketlab grade --jobs 2` does. Prints the wall
time for the batch and per submission beside the target (a goal to read, not an assertion).
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ticketlab.course.exercises.grader import grade_submissions

ROOT = Path(__file__).resolve().parent.parent
# Learner answers as typed: every other submission gets one of them wrong.
ANSWERS = {"contention_ratio": '"10:1"', "successful_bookings": '"12.5K"', "booking_qps": "7",
           "success_rate": '"2.5%"', "admit_rate": '"278/s"', "sellout_seconds": '"2 min"'}


def submission(i: int):
    nb = nbformat.read(ROOT / "exercises" / "01_superbowl.ipynb", as_version=4)
    nb = copy.deepcopy(nb)
    answers = dict(ANSWERS, booking_qps="417") if i % 2 else ANSWERS
    for cell in nb.cells:
        for name, value in answers.items():
            cell.source = cell.source.replace(f"{name} = ...  # your answer", f"{name} = {value}")
    return nb


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            path = Path(tmp) / f"student{i:03d}.ipynb"
            nbformat.write(submission(i), path)
            paths.append(path)
        t0 = time.perf_counter()
        rows = grade_submissions(paths, jobs=jobs, progress=False)
        seconds = time.perf_counter() - t0
    graded = sum(r.status.value == "completed" for r in rows)
    print(f"grade {n} submissions, --jobs {jobs}: {seconds:6.1f} s ({seconds / n * 1000:.0f} ms each, "
          f"{graded} completed)  (target <= 120 s)")


if __name__ == "__main__":
    main()
