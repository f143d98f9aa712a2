"""The notebook side: ``begin``, ``check``, ``score``, ``worked`` and ``ask``.

``check("superbowl.contention_ratio", answer)`` judges one answer and returns its
:class:`~ticketlab.course.exercises.feedback.Feedback` (HTML in Jupyter, text elsewhere);
``score()`` sums up the exercise started with ``begin``. An unanswered question (``...``,
``None``) is "not attempted", never an exception.

When the grader runs a submission it sets :data:`ANSWERS_ENV` to a file path; every ``begin``
and ``check`` then appends one JSON line to that file before anything else happens, so the
answers survive a kernel that later hangs, exits or dies. The grader re-grades those answers in
its own process: whatever a submission does to ``check``, ``score`` or the keys in its kernel
changes nothing but its own display.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ticketlab.course.exercises.answers import encode
from ticketlab.course.exercises.bank import Exercise, exercise, question
from ticketlab.course.exercises.feedback import Feedback, Score, Status

__all__ = ["begin", "check", "score", "worked", "ask", "reset", "exercise_score", "ANSWERS_ENV"]

#: The environment variable naming the file where ``begin`` and ``check`` record answers for the grader.
ANSWERS_ENV = "TICKETLAB_ANSWERS"

_state: dict[str, Any] = {"exercise": None, "feedback": {}}


def _record(event: dict[str, Any]) -> None:
    path = os.environ.get(ANSWERS_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:  # one line per event, flushed at close
        f.write(json.dumps(event) + "\n")


def reset() -> None:
    """Forget this session's exercise and answers."""
    _state["exercise"] = None
    _state["feedback"] = {}


def begin(exercise_id: str) -> Exercise:
    """Start an exercise (``"problem-1"``, ``"final-olympics"``...): ``score()`` then covers its questions.

    Returns the exercise, which shows its givens and questions. Raises
    :class:`~ticketlab.course.exercises.bank.UnknownQuestionError` for an unknown id.
    """
    ex = exercise(exercise_id)
    _record({"event": "begin", "exercise": ex.id})
    reset()
    _state["exercise"] = ex
    return ex


def check(question_id: Any, answer: Any = None) -> Feedback:
    """Judge ``answer`` (a number or a string such as ``"5K"``, ``"1.5 GB"``, ``"10 min"``) for ``question_id``.

    Raises :class:`~ticketlab.course.exercises.bank.UnknownQuestionError` only for an unknown
    question id; any answer at all gets feedback.
    """
    q = question(question_id)
    _record({"event": "answer", "id": q.id, "answer": encode(answer)})
    fb = q.grade(answer)
    _state["feedback"][q.id] = fb
    return fb


def exercise_score(ex: Exercise | None, feedback: dict[str, Feedback]) -> Score:
    """The score of ``ex`` given the latest feedback per question id (questions without any: not attempted).

    Without an exercise, the score covers the questions in ``feedback``.
    """
    ids = ex.question_ids if ex else tuple(feedback)
    results = tuple(feedback.get(q) or Feedback(q, Status.NOT_ATTEMPTED, 0.0, question(q).points, "not attempted")
                    for q in ids)
    return Score(ex.title if ex else "Answers checked so far", results)


def score() -> Score:
    """Every question of the current exercise with its latest feedback (or, without ``begin``, those checked)."""
    return exercise_score(_state["exercise"], _state["feedback"])


def worked(question_id: Any) -> Any:
    """The key's answer to a question, after printing how it is worked out (for solution notebooks)."""
    q = question(question_id)
    key = q.key()
    print(key.work)
    return key.answer


def ask(question_id: Any) -> str:
    """The question with the givens it depends on, as text (nothing about the answer)."""
    return str(question(question_id))

