"""The bank covers every exercise, solutions/ is the only hand-written form, exercises/ is built from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from ticketlab.core.errors import InputError
from ticketlab.course.exercises import Status, exercise, exercise_ids, question, question_ids, worked
from ticketlab.course.exercises.builder import BEGIN, END, build, student_source
from ticketlab.ui.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"


def test_the_exercises_cover_both_problems_the_five_finals_the_template_and_the_drills():
    ids = exercise_ids()
    for eid in ("problem-1", "problem-2", "final-olympics", "final-hamilton", "final-movie-theater",
                "final-music-festival", "final-airline", "concurrency", "mental-math", "find-the-slip"):
        assert eid in ids
    assert any(e.startswith("practice-template:") for e in ids)
    assert len(question_ids()) > 100
    assert exercise("practice-template:hamilton").question_ids[0] == "hamilton.total_seats"  # any scenario


def test_each_final_asks_what_its_model_s_worksheet_answers():
    asked = {e: exercise(f"final-{e}").question_ids for e in ("hamilton", "music-festival", "airline", "movie-theater")}
    # Hamilton's six-month block opens as one on-sale: the rush, how fast it sells, contention by ratio and rate
    for step in ("total_seats", "sellout_in_booking_times", "writers_at_once", "rate_level", "lock_strategy"):
        assert f"hamilton.{step}" in asked["hamilton"]
    # festival passes are one counter: what it takes, and no seat lock or lock strategy to ask about
    for step in ("counter_ceiling", "counter_headroom", "held_counter_ceiling", "room_qps_capacity"):
        assert f"music-festival.{step}" in asked["music-festival"]
    assert not any(q.endswith(("lock_strategy", "contention_level", "retry_adjusted_capacity"))
                   for q in asked["music-festival"])
    # the airline is High by ratio and Low by rate: both are asked before the strategy
    ids = asked["airline"]
    assert ids.index("airline.rate_level") < ids.index("airline.lock_strategy")
    assert "airline.contention_level" in ids and "airline.writers_at_once" in ids
    assert "movie-theater.total_cache" in asked["movie-theater"]  # a schedule keeps the schedule's questions
    for ids in asked.values():
        assert 9 <= len(ids) <= 15


def test_every_key_is_computed_and_its_worked_answer_earns_full_credit(capsys):
    for qid in question_ids():
        fb = question(qid).grade(worked(qid))
        assert fb.status is Status.PASS, (qid, fb)
    assert "=" in capsys.readouterr().out  # worked() shows the derivation


def test_each_exercise_has_exactly_one_solution_naming_it():
    named = sorted(json.loads(p.read_text())["metadata"]["ticketlab"]["exercise"] for p in SOLUTIONS.glob("*.ipynb"))
    assert named == sorted(exercise_ids())


def test_exercises_folder_is_up_to_date_with_solutions():
    stale = build(SOLUTIONS, EXERCISES, check=True)
    assert stale == [], f"run `ticketlab exercises build`: {stale}"


@pytest.mark.parametrize("path", sorted(EXERCISES.glob("*.ipynb")), ids=lambda p: p.name)
def test_student_copies_hold_no_answers_and_check_every_question_unattempted(path):
    nb = json.loads(path.read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"])
    assert BEGIN not in text and "worked(" not in text
    eid = nb["metadata"]["ticketlab"]["exercise"]
    checked = [c for c in nb["cells"] if "NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    (score_out,) = ["".join(o["text"]) for c in checked for o in c["outputs"]]
    n = len(exercise(eid).question_ids)
    assert f"0 of {n} points" in score_out and score_out.count("not attempted") == n + 1


def test_placeholders_keep_the_names_and_run_cleanly():
    src = f"x = 1\n{BEGIN}\nratio = users / seats\nq: float = 2\n{END}\ncheck('a', ratio)"
    out = student_source(src)
    assert out == "x = 1\nratio = ...  # your answer\nq = ...  # your answer\ncheck('a', ratio)"
    exec(out.replace("check('a', ratio)", "assert ratio is ..."), {})
    assert student_source(f"Explain:\n{BEGIN}\nBecause.\n{END}", "markdown") == "Explain:\n_Your answer here._"


@pytest.mark.parametrize("src", [f"{BEGIN}\nx = 1", f"x = 1\n{END}", f"{BEGIN}\nprint(1)\n{END}",
                                 f"{BEGIN}\n{BEGIN}\nx=1\n{END}", f"{BEGIN}\nx = (\n{END}"])
def test_malformed_solution_blocks_are_input_errors(src):
    with pytest.raises(InputError):
        student_source(src)


def _copy_tree(tmp_path: Path) -> tuple[Path, Path]:
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, sol)
    shutil.copytree(EXERCISES, ex)
    return sol, ex


def test_cli_build_check_fails_when_a_solution_changed_and_build_brings_it_back(tmp_path, capsys):
    sol, ex = _copy_tree(tmp_path)
    args = ["exercises", "build", "--solutions", str(sol), "--out", str(ex)]
    assert main([*args, "--check"]) == 0
    nb = nbformat.read(sol / "01_superbowl.ipynb", as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, sol / "01_superbowl.ipynb")
    (ex / "99_orphan.ipynb").write_text(EXERCISES.joinpath("01_superbowl.ipynb").read_text())
    assert main([*args, "--check"]) == 1
    assert "01_superbowl.ipynb" in capsys.readouterr().err
    assert main(args) == 0
    assert main([*args, "--check"]) == 0 and not (ex / "99_orphan.ipynb").exists()
    assert "One more sentence." in (ex / "01_superbowl.ipynb").read_text()


def test_cli_build_with_a_broken_solution_writes_nothing_and_exits_2(tmp_path, capsys):
    sol, ex = _copy_tree(tmp_path)
    nb = nbformat.read(sol / "02_broadway.ipynb", as_version=4)
    nb.cells[3].source = nb.cells[3].source.replace(END, "")
    nbformat.write(nb, sol / "02_broadway.ipynb")
    nb = nbformat.read(sol / "01_superbowl.ipynb", as_version=4)
    nb.cells[0].source += "\n\nChanged."
    nbformat.write(nb, sol / "01_superbowl.ipynb")
    before = (ex / "01_superbowl.ipynb").read_text()
    assert main(["exercises", "build", "--solutions", str(sol), "--out", str(ex)]) == 2
    assert "BEGIN SOLUTION" in capsys.readouterr().err
    assert (ex / "01_superbowl.ipynb").read_text() == before
    assert main(["exercises", "build", "--solutions", str(tmp_path / "nowhere"), "--out", str(ex)]) == 2


def test_cli_lists_every_exercise_and_question_id(capsys):
    assert main(["exercises", "list", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["problem-1"][0] == "superbowl.contention_ratio"
    assert sum(map(len, table.values())) >= len(question_ids())
