"""Mental-math drills dealt from a seed: the keys come from the library, the judging from the exercise checker.

``deal(seed)`` deals a :class:`DrillSet`: one drill of each :class:`DrillKind` (divide by
counting the zeros, multiply by adding them, per day to per second, bits to bytes, seconds in a
number of days), with numbers drawn by a ``numpy`` generator seeded with ``seed``. The same
seed deals the same drills; another seed deals new ones.

Every drill is a small worksheet (an estimator's, or a two-line :class:`~ticketlab.worksheet.Calc`),
so its key is computed, napkin and exact, never typed. An answer is judged by
:func:`ticketlab.course.exercises.grade`, exactly as in the graded exercises: full credit within
10% of the napkin or the exact figure, a named diagnosis for a known mistake (an hour for a day,
bits for bytes...), half credit for the right order of magnitude. An answer a whole power of
ten away (×10, ÷100...) is always diagnosed as such: *count the zeros*.

>>> drills = deal(seed=1)
>>> [d.kind.value for d in drills] == [k.value for k in DrillKind]
True
>>> drills.check([d.answer for d in drills]).points == len(drills)
True
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import divide_by_zeros, format_quantity, order_of_magnitude, whole_number
from ticketlab.course.exercises.bank import worksheet_question
from ticketlab.course.exercises.feedback import Feedback, Score
from ticketlab.course.exercises.questions import QuantityKey, Question, Trap, grade
from ticketlab.estimate import traffic
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["DrillKind", "Drill", "DrillSet", "deal", "seconds_in", "zeros_traps", "MAX_DRILLS"]

#: The most drills one deal may hold.
MAX_DRILLS = 50
#: Powers of ten either way that are diagnosed as miscounted zeros.
_ZEROS = (1, 2, 3)


class DrillKind(StrEnum):
    """The kinds of drill, in the order a deal cycles through them."""

    DIVIDE = "divide by counting zeros"
    MULTIPLY = "multiply by adding zeros"
    PER_SECOND = "per day to per second"
    BITS = "bits to bytes"
    SECONDS = "seconds in a number of days"


@dataclass(frozen=True)
class Drill:
    """One drill: its prompt and the :class:`~ticketlab.course.exercises.Question` that judges it."""

    id: str
    kind: DrillKind
    prompt: str
    question: Question

    @property
    def key(self) -> QuantityKey:
        return self.question.key()

    @property
    def givens(self) -> dict[str, str]:
        """The numbers the drill is made of, as shown (``{"numerator": "6B", "denominator": "20K"}``)."""
        return dict(self.question.givens())

    @property
    def answer(self) -> str:
        """The key as a person says it (the napkin figure where the napkin is right)."""
        key = self.key
        return format_quantity(key.answer, key.unit, bits=False)

    @property
    def work(self) -> str:
        """How the key is worked out, napkin and exact."""
        return self.key.work

    def check(self, answer: Any) -> Feedback:
        """Judge ``answer`` (a number or a string such as ``"5K"``, ``"250 MB/s"``); never raises."""
        return grade(self.question, answer)


@dataclass(frozen=True)
class DrillSet:
    """The drills of one deal, in order, and the seed that dealt them."""

    seed: int
    drills: tuple[Drill, ...]

    def __iter__(self) -> Iterator[Drill]:
        return iter(self.drills)

    def __len__(self) -> int:
        return len(self.drills)

    def __getitem__(self, index: int | str) -> Drill:
        if isinstance(index, str):
            for d in self.drills:
                if d.id == index:
                    return d
            raise InputError("drill", index, f"one of {', '.join(d.id for d in self.drills)}")
        return self.drills[index]

    @property
    def title(self) -> str:
        return f"Drills dealt from seed {self.seed}"

    def check(self, answers: Sequence[Any] | Mapping[str, Any]) -> Score:
        """Judge every drill: ``answers`` in order (a list) or by id (``{"d1": "5", ...}``).

        A drill without an answer (a short list, a missing id, ``...``) is *not attempted*.
        Raises :class:`~ticketlab.core.errors.InputError` for more answers than drills or an
        unknown id, so an answer is never silently judged against the wrong drill.
        """
        if isinstance(answers, Mapping):
            unknown = [k for k in answers if k not in {d.id for d in self.drills}]
            if unknown:
                raise InputError("answers", unknown[0], f"answers keyed by drill id: {', '.join(d.id for d in self)}")
            given = [answers.get(d.id) for d in self.drills]
        elif isinstance(answers, Sequence) and not isinstance(answers, str):
            if len(answers) > len(self.drills):
                raise InputError("answers", f"{len(answers)} answers", f"at most {len(self.drills)}, one per drill")
            given = list(answers) + [None] * (len(self.drills) - len(answers))
        else:
            raise InputError("answers", answers, "a list of answers in drill order, or a dict such as {'d1': '5'}")
        return Score(self.title, tuple(d.check(a) for d, a in zip(self.drills, given)))

    def worked(self) -> str:
        """Every drill with its key and how it is worked out."""
        return "\n".join(f"{d.id}. {d.prompt}\n    {d.work}" for d in self.drills)

    def __str__(self) -> str:
        lines = [self.title]
        lines += [f"  {d.id}. {d.prompt}" for d in self.drills]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li><b>{d.id}</b>. {html.escape(d.prompt)}</li>" for d in self.drills)
        return (f"<div class='ticketlab-drills'><b>{html.escape(self.title)}</b>"
                f"<ol style='list-style:none'>{items}</ol></div>")


# --------------------------------------------------------------------------- judging

def zeros_traps(accepted: Sequence[float]) -> tuple[Trap, ...]:
    """A trap at each accepted figure × 10^±1, ±2, ±3: the answer of someone who miscounted the zeros."""
    traps = []
    for figure in accepted:
        for k in _ZEROS:
            for sign, way in ((1, "too many"), (-1, "too few")):
                powers = "one power" if k == 1 else f"{k} powers"
                traps.append(Trap("count-the-zeros", f"That is {powers} of ten {way} ({10 ** k:,}× too "
                                  f"{'high' if sign > 0 else 'low'}): count the zeros.", figure * 10.0 ** (sign * k)))
    return tuple(traps)


def _question(qid: str, prompt: str, ws: Worksheet, step: str, work: str, model: str | None = None,
              traps: Callable[[QuantityKey], tuple[Trap, ...]] = lambda key: (), reveal: str | None = None) -> Question:
    """The exercise checker's question on ``step`` of ``ws``, with the zeros traps and ``traps`` added."""
    base = worksheet_question(ws, step, qid, model)

    def key() -> QuantityKey:
        k = base.key()
        return dataclasses.replace(k, traps=k.traps + traps(k) + zeros_traps(k.accepted), work=work,
                                   reveal=reveal or k.reveal)

    return dataclasses.replace(base, prompt=f"{prompt} — {base.prompt.split(' — ', 1)[1]}", key=key)


def _round_number(rng: np.random.Generator, mantissas: Sequence[int], low: int, high: int) -> float:
    """A mantissa times a power of ten from ``10**low`` to ``10**high``: the numbers napkin maths uses."""
    return float(rng.choice(mantissas)) * 10.0 ** int(rng.integers(low, high + 1))


def _say(x: float, unit: str = "") -> str:
    return format_quantity(x, unit, bits=False)


def _sci(x: float) -> str:
    e = order_of_magnitude(x)
    return f"{_say(x / 10.0 ** e)} × 10^{e}"


def _two(title: str, first: tuple[str, float, str], second: tuple[str, float, str],
         step: tuple[str, str, str, str]) -> Worksheet:
    """A two-given, one-step worksheet: (name, value, unit) twice, then (key, label, formula, unit)."""
    c = Calc(title)
    for name, value, unit in (first, second):
        c.given(name, value, label=name.replace("_", " "), unit=unit)
    key, label, formula, unit = step
    c.step(key, label, formula, unit=unit)
    return c.worksheet()


# --------------------------------------------------------------------------- the kinds

def _divide(qid: str, rng: np.random.Generator) -> tuple[str, Question]:
    denominator = _round_number(rng, (1, 2, 5), 2, 6)
    numerator = _round_number(rng, (1, 2, 3, 4, 5, 6, 8), order_of_magnitude(denominator) + 1,
                              order_of_magnitude(denominator) + 5)
    ws = _two("Division by zeros", ("numerator", numerator, ""), ("denominator", denominator, ""),
              ("quotient", "Quotient", "numerator / denominator", ""))
    d = divide_by_zeros(numerator, denominator)
    m, e = d.num_mantissa / d.den_mantissa, d.num_exponent - d.den_exponent
    work = (f"{_say(numerator)} ÷ {_say(denominator)} = ({_sci(numerator)}) ÷ ({_sci(denominator)}) = "
            f"{_say(m)} × 10^{e} = {_say(d.napkin)}")
    prompt = f"{_say(numerator)} ÷ {_say(denominator)} = ?"
    upside_down = lambda key: (Trap("upside-down", "That is upside down: the denominator divided by the numerator.",
                                    1 / key.exact),)
    return prompt, _question(qid, prompt, ws, "quotient", work, traps=upside_down)


def _multiply(qid: str, rng: np.random.Generator) -> tuple[str, Question]:
    left = _round_number(rng, (2, 3, 4, 5, 6), 1, 5)
    right = _round_number(rng, (2, 3, 4, 5), 1, 4)
    ws = _two("Multiplication with zeros", ("left", left, ""), ("right", right, ""),
              ("product", "Product", "left * right", ""))
    e_left, e_right = order_of_magnitude(left), order_of_magnitude(right)
    m_left, m_right = left / 10.0 ** e_left, right / 10.0 ** e_right
    work = (f"{_say(left)} × {_say(right)} = ({_sci(left)}) × ({_sci(right)}) = {_say(m_left * m_right)} × "
            f"10^{e_left + e_right} = {_say(left * right)}")
    prompt = f"{_say(left)} × {_say(right)} = ?"
    return prompt, _question(qid, prompt, ws, "product", work)


def _per_second(qid: str, rng: np.random.Generator) -> tuple[str, Question]:
    per_day = _round_number(rng, (1, 2, 3, 5, 8), 5, 9)
    ws = traffic(bookings_per_day=per_day)
    napkin, exact = ws.napkin("booking_qps"), ws.exact("booking_qps")
    work = (f"{_say(per_day)} ÷ 100K s = {_say(napkin, 'req/s')} on the napkin; "
            f"÷ 86,400 s = {_say(exact, 'req/s')} exactly")
    prompt = f"{_say(per_day)} bookings a day: how many a second, on average?"
    return prompt, _question(qid, prompt, ws, "booking_qps", work, model="ticketmaster")


def _bits(qid: str, rng: np.random.Generator) -> tuple[str, Question]:
    bits = _round_number(rng, (1, 2, 4, 8), 7, 11)
    c = Calc("Bits to bytes")
    c.given("bits_per_second", bits, label="Bits per second", unit="bits/s")
    c.step("bytes_per_second", "Bytes per second", "bits_per_second / bits_per_byte", unit="B/s")
    ws = c.worksheet()
    link = format_quantity(bits / 8, "B/s").split("(")[1].rstrip(")")  # the link the way it is sold: "2 Gbps"
    work = f"{link} ÷ 8 bits a byte = {_say(bits / 8, 'B/s')}"
    prompt = f"A link of {link}: how many bytes a second?"
    return prompt, _question(qid, prompt, ws, "bytes_per_second", work)


def seconds_in(days: Any) -> Worksheet:
    """Seconds in ``days``: by the napkin day (100K s), the napkin month (2.5M s in 30 days) and year (30M s).

    Exactly, all three are ``days × 86,400 s``; on the napkin they disagree, the day by +16% and
    the year by −5% (Part 2, rule 1 rounds each on its own). ``days`` may be an array (a sweep).
    """
    c = Calc("Seconds in a span of days")
    c.given("days", days, label="Days", unit="days", dimension="count")
    c.step("seconds", "Seconds, by the day", "days * seconds_per_day", unit="s")
    c.step("seconds_by_month", "Seconds, by the month", "days / 30 * seconds_per_month", unit="s")
    c.step("seconds_by_year", "Seconds, by the year", "days / days_per_year * seconds_per_year", unit="s")
    return c.worksheet()


def _seconds(qid: str, rng: np.random.Generator) -> tuple[str, Question]:
    days = float(rng.choice((2, 3, 7, 10, 30, 90, 365)))
    ws = seconds_in(days)
    napkin, exact = _say(ws.napkin("seconds")), _say(ws.exact("seconds"))  # in seconds, not said as days
    work = f"{_say(days)} × 100K s = {napkin} s on the napkin; × 86,400 s = {exact} s exactly"
    prompt = f"How many seconds are in {_say(days, 'days')}? (the napkin figure is fine)"
    reveal = f"Key: {napkin} s on the napkin, {exact} s exactly."
    return prompt, _question(qid, prompt, ws, "seconds", work, reveal=reveal)


_DEALERS: dict[DrillKind, Callable[[str, np.random.Generator], tuple[str, Question]]] = {
    DrillKind.DIVIDE: _divide, DrillKind.MULTIPLY: _multiply, DrillKind.PER_SECOND: _per_second,
    DrillKind.BITS: _bits, DrillKind.SECONDS: _seconds,
}


def _kinds(kinds: Sequence[DrillKind | str] | None) -> tuple[DrillKind, ...]:
    """The kinds asked for: each a DrillKind, its value or its name (``"divide"``)."""
    if kinds is None:
        return tuple(DrillKind)
    named = {**{k.value: k for k in DrillKind}, **{k.name.lower(): k for k in DrillKind}}
    out = tuple(named.get(str(k).lower()) for k in kinds)
    if not out or None in out:
        bad = next((k for k, o in zip(kinds, out) if o is None), kinds)
        raise InputError("kinds", bad, f"drill kinds such as {', '.join(repr(k.name.lower()) for k in DrillKind)}")
    return out


def deal(seed: int, count: int = len(DrillKind), kinds: Sequence[DrillKind | str] | None = None) -> DrillSet:
    """Deal ``count`` drills from ``seed``, cycling through ``kinds`` (every kind by default).

    The numbers come from ``numpy.random.default_rng(seed)``: the same seed deals the same
    drills. Raises :class:`~ticketlab.core.errors.InputError` for a seed that is not a whole
    number of at least 0, a count outside 1..:data:`MAX_DRILLS`, or an unknown kind.
    """
    seed = whole_number("seed", seed, low=0)
    count = whole_number("count", count, high=MAX_DRILLS, what="drills")
    order = _kinds(kinds)
    rng = np.random.default_rng(int(seed))
    drills = []
    for i in range(int(count)):
        kind = order[i % len(order)]
        qid = f"d{i + 1}"
        prompt, question = _DEALERS[kind](qid, rng)
        drills.append(Drill(qid, kind, prompt, question))
    return DrillSet(int(seed), tuple(drills))

