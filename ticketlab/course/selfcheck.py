"""Check your own napkin number against the library's: a thin door onto the exercise checker.

``check_estimate(mine, step)`` judges ``mine`` against one worksheet step with the same rules
as the graded exercises (:mod:`ticketlab.course.exercises.questions`): full credit within 10%
of the napkin or the exact figure, half within the right order of magnitude, and a diagnosis
where the answer matches a known mistake (wrong unit, MB for bytes, bits for bytes...). Give it
the whole worksheet (``worksheet=``) and the mistakes that need other steps (a forgotten peak
multiplier, say) are recognised too.
"""

from __future__ import annotations

from typing import Any

from ticketlab.course.exercises.feedback import Feedback
from ticketlab.course.exercises.questions import DEFAULT_TOLERANCE
from ticketlab.worksheet import Step, Worksheet

__all__ = ["Verdict", "check_estimate"]

#: The verdict on one estimate (``.ok``, ``.status``, ``.message``): the checker's Feedback.
Verdict = Feedback


def check_estimate(mine: Any, step: Step, *, worksheet: Worksheet | None = None,
                   tolerance: float = DEFAULT_TOLERANCE) -> Feedback:
    """Judge ``mine`` (a number or a string such as ``"5K"``) against ``step`` (of ``worksheet``, if given).

    Never raises for a bad answer: an unreadable one is ``invalid``, ``...`` or None ``not attempted``.
    """
    from dataclasses import replace

    from ticketlab.course.exercises.bank import worksheet_question

    ws = worksheet if worksheet is not None else Worksheet(step.label, {step.key: step})
    q = worksheet_question(ws, step.key)
    return replace(q, tolerance=tolerance).grade(mine)
