"""Building a worksheet: declare the givens, then evaluate equations one after another.

An :class:`Equation` is a step written down once: its key, its label, its formula (text, see
:mod:`ticketlab.worksheet.formula`), its unit and a note. :class:`Calc` evaluates each equation
in both moods (napkin and exact) over the values computed so far and records the step, with
the inputs its formula read and the shortcuts it leans on (its own and its inputs').

>>> c = Calc("Traffic")
>>> _ = c.given("searches_per_day", "50M", label="Searches per day", unit="searches")
>>> _ = c.step("search_qps", "Search QPS", "searches_per_day / seconds_per_day", unit="req/s")
>>> ws = c.worksheet()
>>> (ws["search_qps"].napkin, round(ws["search_qps"].exact, 1))
(500.0, 578.7)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_quantity
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED, Sampler, is_range, parse_range
from ticketlab.core.vocab import Mode
from ticketlab.worksheet.formula import EXACT, NAPKIN, Formula
from ticketlab.worksheet.sheet import Step, Value, Worksheet

__all__ = ["Equation", "Calc"]

#: A note that depends on the computed values (exact side), e.g. the advice for a contention level.
NoteFn = Callable[[Mapping[str, Value]], str]


@dataclass(frozen=True)
class Equation:
    """One step of a derivation, written once.

    ``fallback`` steps are skipped when the worksheet already has a step of that key (a QPS a
    traffic section computed earlier, say). ``functions`` are extra callables the formula may
    use (``level`` in the contention equations); ``show`` says a value in words.
    """

    key: str
    label: str
    formula: str
    unit: str = ""
    note: str | NoteFn = ""
    fallback: bool = False
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    show: Callable[[float], str] | None = None

    @property
    def expression(self) -> Formula:
        return Formula.parse(self.formula, self.functions)


class Calc:
    """Builds a :class:`Worksheet` one step at a time, evaluating each formula napkin and exact."""

    def __init__(self, title: str, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                 sampler: Sampler | None = None) -> None:
        self.title = title
        self._sampler = sampler
        self._samples, self._seed = samples, seed
        self._napkin: dict[str, Value] = {}
        self._exact: dict[str, Value] = {}
        self._steps: dict[str, Step] = {}
        self._shape: tuple[int, ...] | None = None
        self.mode = Mode.POINT

    @property
    def sampler(self) -> Sampler:
        if self._sampler is None:
            self._sampler = Sampler(self._samples, self._seed)
        return self._sampler

    def __contains__(self, key: str) -> bool:
        return key in self._steps

    def exact(self, key: str) -> Value:
        """The exact value computed so far for ``key``."""
        return self._exact[key]

    def _set_mode(self, mode: Mode, name: str, value: Any) -> None:
        if self.mode is Mode.POINT:
            self.mode = mode
        elif self.mode is not mode:
            raise InputError(name, value, "either ranges or arrays in one estimate, not both: "
                             "sweep a point value, or estimate a range")

    # -- givens ---------------------------------------------------------------------

    def given(self, key: str, value: Any, *, label: str, unit: str = "", dimension: str | None = None,
              note: str = "", minimum: float = 0.0, inclusive: bool = False, maximum: float | None = None) -> Value:
        """Declare an input: a number, a human string, an array (a sweep) or a range.

        It must be above ``minimum`` (or equal to it with ``inclusive``) and at most ``maximum``;
        a ``"fraction"`` is checked by the parser (0 to 1) and a sampled one is clipped there.
        """
        if is_range(value):
            r = parse_range(value, name=key, dimension=dimension)
            self._check_bounds(key, value, np.array([r.low, r.high]), minimum, inclusive, maximum)
            self._set_mode(Mode.RANGE, key, value)
            parsed: Value = self.sampler.draw(r)
            # the lognormal's tails run past the bounds its ends were checked against (a 50%..95%
            # success rate draws some values above 100%); clipping there leaves p5..p95 as given
            high = 1.0 if dimension == "fraction" else maximum
            low = minimum if inclusive else None
            if low is not None or high is not None:
                parsed = np.clip(parsed, low, high)
        else:
            parsed = parse_quantity(value, name=key, dimension=dimension)
            self._check_bounds(key, value, parsed, minimum, inclusive, maximum)
            if np.ndim(parsed):
                self._set_mode(Mode.SWEEP, key, value)
                if self._shape is not None and np.shape(parsed) != self._shape:
                    raise InputError(key, value, f"an array of shape {self._shape}, like the other swept inputs")
                self._shape = np.shape(parsed)
        self._napkin[key] = self._exact[key] = parsed
        self._steps[key] = Step(key, label, key, parsed, parsed, unit, note, (), True)
        return parsed

    @staticmethod
    def _check_bounds(key: str, raw: Any, parsed: Any, minimum: float, inclusive: bool, maximum: float | None) -> None:
        arr = np.asarray(parsed, dtype=float)
        low_ok = np.all(arr >= minimum) if inclusive else np.all(arr > minimum)
        if not low_ok:
            bound = f"at least {minimum:g}" if inclusive else f"greater than {minimum:g}"
            raise InputError(key, raw, f"a value {bound}")
        if maximum is not None and np.any(arr > maximum):
            raise InputError(key, raw, f"a value of at most {maximum:g}")

    # -- steps ----------------------------------------------------------------------

    def step(self, key: str, label: str, formula: str, *, unit: str = "", note: str | NoteFn = "",
             functions: Mapping[str, Callable[..., Any]] | None = None,
             show: Callable[[float], str] | None = None) -> Value:
        """Evaluate ``formula`` napkin and exact over the values so far, record the step, return exact."""
        return self.apply(Equation(key, label, formula, unit, note, False, dict(functions or {}), show))

    def apply(self, eq: Equation) -> Value:
        """Evaluate one equation (skipping a ``fallback`` one whose key exists); return its exact value."""
        if eq.fallback and eq.key in self._steps:
            return self._exact[eq.key]
        expression = eq.expression
        napkin = _clean(expression.evaluate(self._napkin, NAPKIN, eq.functions))
        exact = _clean(expression.evaluate(self._exact, EXACT, eq.functions))
        inputs = tuple(n for n in expression.names if n in self._steps)
        if not (np.all(np.isfinite(exact)) and np.all(np.isfinite(napkin))):
            self._refuse_overflow(eq, inputs)
        self._napkin[eq.key], self._exact[eq.key] = napkin, exact
        used = set(expression.shortcuts()).union(*(self._steps[n].shortcuts for n in inputs))
        note = eq.note(self._exact) if callable(eq.note) else eq.note
        self._steps[eq.key] = Step(eq.key, eq.label, expression.text, napkin, exact, eq.unit, note, inputs,
                                   False, tuple(sorted(used)), eq.show, expression)
        return exact

    def _refuse_overflow(self, eq: Equation, inputs: tuple[str, ...]) -> None:
        """A step that overflows (or divides 0 by 0) came from givens too large or too small: name them."""
        givens: dict[str, None] = {}
        todo = list(inputs)
        while todo:
            name = todo.pop(0)
            step = self._steps[name]
            if step.is_given:
                givens[name] = None
            else:
                todo.extend(step.inputs)
        def extremity(name: str) -> float:  # how far from 1 a given's magnitude is: the likeliest culprit
            values = np.abs(np.asarray(self._exact[name], dtype=float))
            return float(np.max(np.abs(np.log10(np.where(values > 0, values, 1.0)))))

        culprit = max(givens, key=extremity) if givens else eq.key
        value = self._exact.get(culprit)
        raise InputError(culprit, value if np.ndim(value) == 0 else "an array", f"a value that keeps {eq.key} "
                         f"({eq.formula}) a finite number; this one makes it overflow or divide by zero "
                         "(keep inputs between about 1e-300 and 1e300)")

    def derive(self, equations: Iterable[Equation]) -> None:
        """Apply each equation in order."""
        for eq in equations:
            self.apply(eq)

    def worksheet(self) -> Worksheet:
        return Worksheet(self.title, dict(self._steps), self.mode)


def _clean(v: Any) -> Value:
    arr = np.asarray(v, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
