"""Graded exercises: a question bank with keys computed by the library, a checker that spots the
mistake, a builder that writes student copies, and a grader that grades a class in one command.

In a notebook::

    from ticketlab.course.exercises import begin, check, score
    begin("problem-1")
    check("superbowl.contention_ratio", "10:1")
    score()

From a terminal: ``ticketlab exercises build [--check]`` and ``ticketlab grade PATH...``.
"""

from ticketlab.course.exercises.bank import (Exercise, UnknownQuestionError, exercise, exercise_ids, question,
                                             question_ids, step_question)
from ticketlab.course.exercises.feedback import Feedback, Score, Status
from ticketlab.course.exercises.questions import DEFAULT_TOLERANCE, Question, grade
from ticketlab.course.exercises.session import ANSWERS_ENV, ask, begin, check, reset, score, worked

__all__ = [
    "begin", "check", "score", "worked", "ask", "reset", "question", "question_ids", "step_question",
    "exercise", "exercise_ids", "Exercise", "Question", "Feedback", "Score", "Status", "grade",
    "DEFAULT_TOLERANCE", "UnknownQuestionError", "ANSWERS_ENV",
]
