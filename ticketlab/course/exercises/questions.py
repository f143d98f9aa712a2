"""A question, its answer key, and the checker that judges an answer against it.

The rules, for a question asking for a quantity:

* **full credit** when the answer is within the question's relative tolerance (default 10%)
  of an accepted figure: the exact value, the napkin value (unless the napkin reproduces a
  slip of the source), and the source's own printed figure where no audit finding disputes it;
* a **diagnosis** when the answer lands, within the same tolerance, on the figure of a known
  mistake (forgot the peak multiplier, bits for bytes, the source's slip...): no credit, and
  the message says what went wrong. The nearest figure wins; on a tie the accepted one does;
* **partial credit** (half) when no known mistake explains it but the answer is within the
  right order of magnitude: a factor of √10 either way of the nearest accepted figure;
* **no credit** beyond that, an answer in the wrong unit ("5 GB" for a rate), or one that
  cannot be read. ``...``, ``None`` and ``""`` are "not attempted".

A choice question (which strategy, which timeout, which command) names its options, the ones
that earn credit, and what to say about each wrong one.

Keys are never typed in: a question holds a function that computes its key from the library.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ticketlab.core.numbers import format_quantity
from ticketlab.course.exercises.answers import is_missing, read_quantity, shown
from ticketlab.course.exercises.feedback import Feedback, Status

__all__ = ["Question", "QuantityKey", "ChoiceKey", "Trap", "grade", "DEFAULT_TOLERANCE", "PARTIAL_FACTOR",
           "PARTIAL_SHARE", "ROUNDING"]

#: Relative error that still earns full credit, unless a question states its own.
DEFAULT_TOLERANCE = 0.10
#: Within this factor of the key (half an order of magnitude either way) an answer earns partial credit.
PARTIAL_FACTOR = math.sqrt(10)
#: The share of a question's points that partial credit earns.
PARTIAL_SHARE = 0.5
#: Two figures this close (relative) are the same figure, rounded: the audit's sense of "agrees".
ROUNDING = 0.05


@dataclass(frozen=True)
class Trap:
    """A figure a known mistake leads to, and the diagnosis to give for it."""

    id: str
    says: str
    figure: float


@dataclass(frozen=True)
class QuantityKey:
    """The key of a quantity question, computed from the library.

    ``answer`` is the canonical answer (the napkin figure where the napkin is right),
    ``accepted`` every figure that earns full credit, ``traps`` the known mistakes, ``reveal``
    what a learner is told once they pass, ``work`` the worked derivation.
    """

    answer: float
    exact: float
    unit: str
    accepted: tuple[float, ...]
    traps: tuple[Trap, ...] = ()
    reveal: str = ""
    work: str = ""


@dataclass(frozen=True)
class ChoiceKey:
    """The key of a choice question.

    ``options`` maps each option to the words that name it in an answer; ``correct`` holds the
    options that earn credit (with ``several``, an answer may name more than one, all correct);
    ``why`` says, for each wrong option, why it is wrong.
    """

    options: Mapping[str, tuple[str, ...]]
    correct: frozenset[str]
    why: Mapping[str, str]
    answer: str
    reveal: str = ""
    several: bool = False
    work: str = ""


Key = QuantityKey | ChoiceKey


@dataclass(frozen=True)
class Question:
    """One graded question: an id such as ``"superbowl.contention_ratio"``, a prompt, and a key function.

    ``dimension`` (quantity questions) is the kind of quantity asked: ``"count"``, ``"bytes"``,
    ``"bytes/s"``, ``"seconds"``, ``"per_second"``, ``"fraction"`` or ``"multiplier"``.
    """

    id: str
    prompt: str
    key: Callable[[], Key] = field(compare=False)
    dimension: str = "count"
    tolerance: float = DEFAULT_TOLERANCE
    points: float = 1.0
    givens: Callable[[], Mapping[str, str]] = field(default=lambda: {}, compare=False)

    def grade(self, answer: Any) -> Feedback:
        return grade(self, answer)

    def __str__(self) -> str:
        givens = self.givens()
        lines = [f"{self.id}: {self.prompt}"]
        lines += [f"    {name} = {value}" for name, value in givens.items()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- the checker

def _relative(a: float, b: float) -> float:
    if b == 0:
        return 0.0 if a == 0 else math.inf
    return abs(a - b) / abs(b)


def _factor(a: float, b: float) -> float:
    """How many times apart two figures of the same sign are (≥ 1); inf when not comparable."""
    if a == 0 or b == 0 or (a > 0) != (b > 0):
        return math.inf
    r = abs(a / b)
    return max(r, 1 / r)


def _live_traps(key: QuantityKey, tolerance: float) -> list[Trap]:
    """Traps that can be told apart from every accepted figure (a trap on top of the key is no trap)."""
    out, seen = [], set()
    for t in key.traps:
        if not math.isfinite(t.figure) or (t.id, round(t.figure, 12)) in seen:
            continue
        if any(_relative(t.figure, a) <= tolerance or _relative(a, t.figure) <= tolerance for a in key.accepted):
            continue
        seen.add((t.id, round(t.figure, 12)))
        out.append(t)
    return out


def _grade_quantity(q: Question, key: QuantityKey, answer: Any) -> Feedback:
    r = read_quantity(answer, q.dimension)
    said = shown(answer)
    if r.missing:
        return Feedback(q.id, Status.NOT_ATTEMPTED, 0.0, q.points, "not attempted", said)
    if r.wrong_unit:
        return Feedback(q.id, Status.WRONG, 0.0, q.points, r.problem, said, "wrong-unit")
    if r.value is None:
        return Feedback(q.id, Status.INVALID, 0.0, q.points, r.problem, said)
    x = r.value
    note = f" ({r.note})" if r.note else ""
    candidates = [(_relative(x, a), 0, None) for a in key.accepted]
    candidates += [(_relative(x, t.figure), 1, t) for t in _live_traps(key, q.tolerance)]
    hits = sorted((c for c in candidates if c[0] <= q.tolerance), key=lambda c: (c[0], c[1]))
    if hits and hits[0][2] is None:
        return Feedback(q.id, Status.PASS, q.points, q.points,
                        f"{said} is within {q.tolerance:.0%} of the key{note}. {key.reveal}".strip(), said)
    if hits:
        trap = hits[0][2]
        return Feedback(q.id, Status.WRONG, 0.0, q.points, f"{said}{note}: {trap.says}", said, trap.id)
    nearest = min(key.accepted, key=lambda a: _factor(x, a))
    factor = _factor(x, nearest)
    if not math.isfinite(factor):
        return Feedback(q.id, Status.WRONG, 0.0, q.points, f"{said}{note} has the wrong sign or is zero.", said)
    direction = "high" if abs(x) > abs(nearest) else "low"
    if factor <= PARTIAL_FACTOR:
        return Feedback(q.id, Status.CLOSE, q.points * PARTIAL_SHARE, q.points,
                        f"{said}{note} is the right order of magnitude but about {factor:.2g}× too {direction}; "
                        f"full credit needs {q.tolerance:.0%}. Re-check each factor.", said)
    zeros = math.log10(factor)
    hint = (f" That is {round(zeros)} power{'s' if round(zeros) > 1 else ''} of ten: count the zeros."
            if abs(zeros - round(zeros)) < math.log10(1 + q.tolerance) else "")
    return Feedback(q.id, Status.WRONG, 0.0, q.points, f"{said}{note} is about {factor:.3g}× too {direction}.{hint}",
                    said)


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def _grade_choice(q: Question, key: ChoiceKey, answer: Any) -> Feedback:
    said = shown(answer)
    if is_missing(answer):
        return Feedback(q.id, Status.NOT_ATTEMPTED, 0.0, q.points, "not attempted", said)
    if isinstance(answer, bool):
        answer = "yes" if answer else "no"
    text = _words(str(answer))
    named = [o for o, words in key.options.items() if any(_words(w) in text for w in words)]
    choices = ", ".join(key.options)
    if not named:
        return Feedback(q.id, Status.INVALID, 0.0, q.points, f"{said!r} names none of the options: {choices}.", said)
    if len(named) > 1 and not key.several:
        return Feedback(q.id, Status.INVALID, 0.0, q.points, f"{said!r} names {len(named)} options; choose one of: "
                        f"{choices}.", said)
    wrong = [o for o in named if o not in key.correct]
    if not wrong:
        return Feedback(q.id, Status.PASS, q.points, q.points, f"{said}: right. {key.reveal}".strip(), said)
    return Feedback(q.id, Status.WRONG, 0.0, q.points, f"{said}: {key.why[wrong[0]]}", said, f"chose-{wrong[0]}")


def grade(q: Question, answer: Any) -> Feedback:
    """Judge ``answer`` against ``q``'s key (computed now, from the library). Never raises on a bad answer."""
    key = q.key()
    if isinstance(key, ChoiceKey):
        return _grade_choice(q, key, answer)
    return _grade_quantity(q, key, answer)


def show_value(value: float, unit: str) -> str:
    """A figure with its unit, the way the feedback says it."""
    return format_quantity(value, unit)
