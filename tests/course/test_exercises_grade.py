"""``ticketlab grade`` on hand-made submissions: each runs in a real kernel, and the batch always completes.

The submissions start from the student copy of Problem 1 and fill, move, break or tamper with it
the way learners do. One batch runs them all (two kernels at a time); the tests read its rows.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import nbformat
import pytest

from ticketlab.course.exercises.grader import RunStatus, grade_submissions, write_csv
from ticketlab.ui.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_1 = nbformat.read(ROOT / "exercises" / "01_superbowl.ipynb", as_version=4)
PRACTICE = nbformat.read(ROOT / "exercises" / "20_practice_template.ipynb", as_version=4)
TIMEOUT = 12

# Problem 1 by hand: 500K users ÷ 50K seats = 10:1; 50K ÷ 4 = 12.5K bookings; 12.5K ÷ 1,800 s ≈ 7/s;
# 12.5K ÷ 500K = 2.5%; 500K − 12.5K = 487.5K wait; 500K ÷ 1,800 s = 278/s; 500K ÷ 100/s = 5,000 s;
# 12.5K ÷ 100/s = 125 s.
RIGHT = {"contention_ratio": '"10:1"', "successful_bookings": '"12.5K"', "booking_qps": "7",
         "success_rate": '"2.5%"', "waitlisted_users": '"487.5K"', "admit_rate": '"278/s"',
         "sale_duration_seconds": '"83 min"', "sellout_seconds": '"125 s"'}


def fill(nb, answers: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for name, value in answers.items():
            cell.source = cell.source.replace(f"{name} = ...  # your answer", f"{name} = {value}")
    return nb


def insert(nb, index: int, source: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    return nb


def practice_on(scenario: str, answers: dict[str, str]):
    nb = fill(PRACTICE, answers)
    for cell in nb.cells:
        cell.source = cell.source.replace('SCENARIO = "taylor-swift"', f'SCENARIO = "{scenario}"')
    return nb


def submissions() -> dict[str, object]:
    right = fill(PROBLEM_1, RIGHT)
    moved = copy.deepcopy(right)
    body = moved.cells[2:-2]
    moved.cells = moved.cells[:2] + body[::-1][:-4] + moved.cells[-2:]  # reversed, the first two questions deleted
    moved.cells.append(nbformat.v4.new_code_cell('check("superbowl.booking_qps", "70/s")  # a later answer wins'))
    return {
        "correct": right,
        "close": fill(PROBLEM_1, {"contention_ratio": "25"}),  # 2.5× the key, no known mistake
        "mistakes": fill(PROBLEM_1, {"contention_ratio": "0.1", "successful_bookings": '"50K"',
                                     "booking_qps": "417", "admit_rate": "100"}),
        "units": fill(PROBLEM_1, {"contention_ratio": "10", "sale_duration_seconds": '"5 GB"'}),
        "tampered": insert(fill(PROBLEM_1, {"contention_ratio": "99", "successful_bookings": "1"}), 2,
                           "from ticketlab.course.exercises import questions, feedback\n"
                           "questions.Question.grade = lambda self, a: feedback.Feedback(self.id, feedback.Status.PASS,"
                           " 1.0, 1.0, 'pass')\n"
                           "score = lambda: 'full marks'"),
        "own-check": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 2, "def check(q, a=None):\n    return 'pass'"),
        "moved": moved,
        "loop": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 5, "while True:\n    pass"),
        "sys-exit": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 5, "import sys\nsys.exit(3)"),
        "os-exit": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 5, "import os\nos._exit(3)"),
        "raises": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 5, "1 / 0"),
        "huge-output": insert(fill(PROBLEM_1, {"contention_ratio": "10"}), 5,
                              "for _ in range(50_000):\n    print('x' * 100)"),
        "practice-other-scenario": practice_on("superbowl", {"contention_ratio": "10"}),
        "corrupt-json": '{"cells": [ oops',
        "not-a-notebook": json.dumps({"hello": "world"}),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for name, nb in submissions().items():
        path = folder / f"{name}.ipynb"
        path.write_text(nb if isinstance(nb, str) else nbformat.writes(nb))
    rows = grade_submissions(sorted(folder.glob("*.ipynb")), timeout=TIMEOUT, jobs=2, progress=False)
    return folder, {Path(r.path).stem: r for r in rows}


def feedback(row, qid):
    return next(f for f in row.score.results if f.question == qid)


def test_the_batch_completes_with_a_row_for_every_submission(batch):
    folder, rows = batch
    assert set(rows) == set(submissions())


def test_a_correct_submission_earns_every_point_it_answered(batch):
    row = batch[1]["correct"]
    assert (row.status, row.exercise, row.points, row.max_points) == (RunStatus.COMPLETED, "problem-1", 8, 10)
    assert feedback(row, "superbowl.attempt_qps").status.value == "not attempted"


def test_close_earns_half_and_each_mistake_is_named(batch):
    rows = batch[1]
    assert rows["close"].points == 0.5
    diagnoses = {f.question: f.diagnosis for f in rows["mistakes"].score.results if f.diagnosis}
    assert diagnoses == {"superbowl.contention_ratio": "upside-down",
                         "superbowl.successful_bookings": "per-seat-not-per-booking",
                         "superbowl.booking_qps": "window-in-minutes",  # 12.5K ÷ 30
                         "superbowl.admit_rate": "used-throttle"}
    assert rows["mistakes"].points == 0
    units = rows["units"]
    assert units.points == 1 and feedback(units, "superbowl.sale_duration_seconds").diagnosis == "wrong-unit"


def test_tampering_in_the_kernel_awards_nothing(batch):
    rows = batch[1]
    assert rows["tampered"].points == 0  # its own grade() said pass for 99 and 1
    assert feedback(rows["tampered"], "superbowl.contention_ratio").answer == "99"
    assert rows["own-check"].points == 0  # its check recorded nothing
    assert feedback(rows["own-check"], "superbowl.contention_ratio").status.value == "not attempted"


def test_answers_are_matched_by_question_id_not_cell_position(batch):
    row = batch[1]["moved"]
    assert row.status is RunStatus.COMPLETED
    assert feedback(row, "superbowl.contention_ratio").status.value == "not attempted"  # its cell was deleted
    assert feedback(row, "superbowl.booking_qps").ok is False  # 70/s is ten times the 7/s key: the later answer
    assert feedback(row, "superbowl.sellout_seconds").ok and feedback(row, "superbowl.admit_rate").ok


@pytest.mark.parametrize("name, status, words", [
    ("loop", RunStatus.TIMED_OUT, "still running"),
    ("os-exit", RunStatus.KERNEL_DIED, "cell 5"),
    ("sys-exit", RunStatus.RAISED, "SystemExit"),
    ("raises", RunStatus.RAISED, "ZeroDivisionError"),
    ("huge-output", RunStatus.COMPLETED, "dropped"),
])
def test_broken_runs_keep_the_points_of_what_they_answered(batch, name, status, words):
    row = batch[1][name]
    assert row.status is status and words in row.detail, row
    assert row.points == 1  # contention_ratio = 10 was checked before (or despite) the trouble


def test_a_practice_template_on_another_scenario_is_graded_on_that_scenario(batch):
    row = batch[1]["practice-other-scenario"]
    assert row.exercise == "practice-template:superbowl" and row.points == 1


def test_files_that_are_not_notebooks_get_a_row_saying_so(batch):
    for name in ("corrupt-json", "not-a-notebook"):
        row = batch[1][name]
        assert row.status is RunStatus.INVALID and row.points == 0 and "not a valid notebook" in row.detail


def test_the_gradebook_csv_has_points_and_feedback_per_question(batch, tmp_path):
    rows = list(batch[1].values())
    path = write_csv(rows, tmp_path / "grades.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]  # no temporary file left behind
    table = list(csv.DictReader(path.open()))
    assert len(table) == len(rows)
    correct = next(r for r in table if r["student"] == "correct")
    assert (correct["points"], correct["max_points"], correct["percent"]) == ("8", "10", "80.0")
    assert correct["superbowl.contention_ratio"] == "1" and correct["superbowl.contention_ratio feedback"].startswith("pass")


def test_cli_grade_writes_csv_and_json_and_rejects_bad_input(batch, tmp_path, capsys):
    folder = batch[0]
    out = tmp_path / "grades.csv"
    assert main(["grade", str(folder / "correct.ipynb"), str(folder / "corrupt-json.ipynb"), "--csv", str(out),
                 "--json", "--jobs", "1", "--timeout", str(TIMEOUT), "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["points"] for s in report["submissions"]] == [8, 0]
    assert out.exists()
    for bad in (["grade", str(tmp_path / "missing.ipynb")], ["grade", str(folder), "--jobs", "0"],
                ["grade", str(folder), "--timeout", "-1"], ["grade", str(tmp_path)]):
        assert main(bad) == 2
        assert "ticketlab grade:" in capsys.readouterr().err
