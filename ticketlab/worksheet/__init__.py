"""Worked derivations: every estimate is a Worksheet, never a bare float.

A :class:`Worksheet` is an ordered list of named :class:`Step` objects. Each step carries
the formula in words (a Python/sympy expression over the names of earlier steps), the
napkin value (the source's shortcuts: a day is 100K seconds, one significant figure where
the source rounds) and the exact value (86,400 seconds, no rounding), the unit, and a note.

Values are floats for a point estimate, numpy arrays for a sweep (one value per slider
position), or numpy arrays of samples for a range estimate (``mode == "range"``), which are
summarised as p5 / p50 / p95.

A worksheet renders as a terminal table (``str``), as HTML/Markdown in Jupyter, as LaTeX
(``latex(key)``, through sympy, imported only then) and as a plain dict (``to_dict``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import (
    SECONDS_PER_DAY,
    SECONDS_PER_MONTH,
    SECONDS_PER_YEAR,
    format_quantity,
    napkin_round,
    parse_quantity,
)
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED, Range, Sampler, is_range, parse_range, summarise

__all__ = ["Step", "Worksheet", "Calc", "Constants", "NAPKIN", "EXACT", "SHORTCUTS"]

Value = float | np.ndarray


class Constants(NamedTuple):
    """The numbers a derivation leans on, in one of two moods: napkin or exact."""

    exact: bool
    day: float
    month: float
    year: float
    weeks_per_month: float

    def round(self, x: Value, sig: int = 1) -> Value:
        """Napkin rounding on the napkin side; the exact side keeps every digit."""
        return x if self.exact else napkin_round(x, sig)


NAPKIN = Constants(False, SECONDS_PER_DAY.napkin, SECONDS_PER_MONTH.napkin, SECONDS_PER_YEAR.napkin, 4.0)
EXACT = Constants(True, SECONDS_PER_DAY.exact, SECONDS_PER_MONTH.exact, SECONDS_PER_YEAR.exact, 52 / 12)


@dataclass(frozen=True)
class Step:
    """One line of a derivation."""

    key: str
    label: str
    formula: str
    napkin: Value
    exact: Value
    unit: str
    note: str = ""
    inputs: tuple[str, ...] = ()
    is_given: bool = False
    shortcuts: tuple[str, ...] = ()  # napkin shortcuts this step leans on, its own and its inputs'

    def summary(self, which: str = "exact") -> dict[str, float]:
        """p5 / p50 / p95 / mean of a sampled step."""
        return summarise(getattr(self, which))

    @property
    def gap(self) -> Value:
        """How far the napkin lands from the exact value: ``napkin / exact - 1``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.napkin, dtype=float) / np.asarray(self.exact, dtype=float) - 1.0


_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@dataclass
class Worksheet:
    """An ordered, named derivation. ``ws["search_qps"].exact`` reads one step."""

    title: str
    steps: dict[str, Step] = field(default_factory=dict)
    mode: str = "point"  # "point", "sweep" or "range"

    # -- access -----------------------------------------------------------------
    def __getitem__(self, key: str) -> Step:
        try:
            return self.steps[key]
        except KeyError:
            raise KeyError(f"{self.title!r} has no step {key!r}; it has: {', '.join(self.steps)}") from None

    def __contains__(self, key: object) -> bool:
        return key in self.steps

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps.values())

    def __len__(self) -> int:
        return len(self.steps)

    def keys(self) -> list[str]:
        return list(self.steps)

    def exact(self, key: str) -> Value:
        return self[key].exact

    def napkin(self, key: str) -> Value:
        return self[key].napkin

    def extend(self, other: "Worksheet") -> "Worksheet":
        """A new worksheet with ``other``'s steps appended (later steps win on a clash)."""
        mode = self.mode if self.mode != "point" else other.mode
        return Worksheet(self.title, {**self.steps, **other.steps}, mode)

    def select(self, keys: list[str], title: str | None = None) -> "Worksheet":
        return Worksheet(title or self.title, {k: self[k] for k in keys}, self.mode)

    # -- plain data -------------------------------------------------------------
    def _plain(self, v: Value) -> Any:
        arr = np.asarray(v, dtype=float)
        if self.mode == "range" and arr.ndim:
            return float(np.median(arr))
        return float(arr) if arr.ndim == 0 else arr.tolist()

    def results(self, *, include_givens: bool = True) -> dict[str, dict[str, Any]]:
        """``{key: {"exact": x, "napkin": y, "unit": u}}``; a range step adds p5/p50/p95."""
        out: dict[str, dict[str, Any]] = {}
        for s in self:
            if s.is_given and not include_givens:
                continue
            row: dict[str, Any] = {"exact": self._plain(s.exact), "napkin": self._plain(s.napkin), "unit": s.unit}
            if self.mode == "range" and np.ndim(s.exact):
                row.update({k: v for k, v in s.summary().items() if k != "mean"})
            out[s.key] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain Python: title, mode and every step with its formula and note."""
        return {
            "title": self.title,
            "mode": self.mode,
            "steps": [
                {
                    "key": s.key, "label": s.label, "formula": s.formula, "inputs": list(s.inputs),
                    "napkin": self._plain(s.napkin), "exact": self._plain(s.exact), "unit": s.unit,
                    "note": s.note, "given": s.is_given,
                }
                for s in self
            ],
        }

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    # -- rendering --------------------------------------------------------------
    def show(self, v: Value, unit: str) -> str:
        if isinstance(v, float):
            return format_quantity(v, unit)
        arr = np.asarray(v, dtype=float)
        if arr.ndim == 0:
            return format_quantity(float(arr), unit)
        if self.mode == "range":
            s = summarise(arr)
            brief = "B/s!" if unit == "B/s" else unit if unit in {"B", "s", "%", "req/s", ":1", "x", "level"} else ""
            lo, hi = (format_quantity(s[p], brief.rstrip("!")).split(" (")[0] for p in ("p5", "p95"))
            return f"{format_quantity(s['p50'], unit).split(' (')[0]} [{lo} – {hi}]"
        return f"{format_quantity(arr.ravel()[0], unit)} … {format_quantity(arr.ravel()[-1], unit)}"

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for s in self:
            formula = "given" if s.is_given else s.formula
            exact = self.show(s.exact, s.unit)
            napkin = self.show(s.napkin, s.unit)
            rows.append((s.label, formula, napkin, exact, s.note))
        return rows

    def to_text(self, width: int = 100) -> str:
        head = ("step", "formula", "napkin", "exact", "note")
        rows = self.rows()
        cols = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
        cols = [cols[0], *(min(c, 44) for c in cols[1:])]  # a step label is never cut

        def cut(text: str, n: int) -> str:
            return text if len(text) <= n else text[: n - 1] + "…"

        lines = [self.title, "=" * len(self.title)]
        if self.mode == "range":
            lines.append("(range estimate: median [5th – 95th percentile])")
        fmt = "  ".join(f"{{:<{c}}}" for c in cols)
        lines.append(fmt.format(*(cut(h, c) for h, c in zip(head, cols))) + "  note")
        lines.append("  ".join("-" * c for c in cols) + "  ----")
        for r in rows:
            lines.append((fmt.format(*(cut(x, c) for x, c in zip(r, cols))) + "  " + r[4]).rstrip())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        out = [f"**{self.title}**", "", "| step | formula | napkin | exact | note |", "|---|---|---|---|---|"]
        for label, formula, napkin, exact, note in self.rows():
            out.append(f"| {label} | `{formula}` | {napkin} | {exact} | {note} |")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        import html  # only Jupyter needs it

        cells = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(x)}</td>" if i != 1 else
                             f"<td style='text-align:left'><code>{html.escape(x)}</code></td>" for i, x in enumerate(r)) + "</tr>"
            for r in self.rows()
        )
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in ("step", "formula", "napkin", "exact", "note"))
        caption = html.escape(self.title) + (" — median (p5 – p95)" if self.mode == "range" else "")
        return f"<table class='ticketlab-worksheet'><caption style='text-align:left'><b>{caption}</b></caption><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"

    def latex(self, key: str) -> str:
        """The step's formula as LaTeX, e.g. ``\\text{search\\_qps} = \\frac{...}{...}`` (needs sympy)."""
        import sympy

        s = self[key]
        if s.is_given:
            return rf"\text{{{s.key}}}".replace("_", r"\_")
        names = set(_IDENT.findall(s.formula))
        calls = set(re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\s*\(", s.formula))  # minimum(a, b), level(x)
        symbols = {n: sympy.Symbol(n) for n in names - calls}
        functions = {n: {"minimum": sympy.Min, "maximum": sympy.Max}.get(n) or sympy.Function(n) for n in calls}
        expr = sympy.parse_expr(s.formula, local_dict={**symbols, **functions}, evaluate=False)
        pretty = {sym: r"\text{" + n.replace("_", r"\_") + "}" for n, sym in symbols.items()}
        lhs = r"\text{" + s.key.replace("_", r"\_") + "}"
        return f"{lhs} = {sympy.latex(expr, symbol_names=pretty)}"

    def _repr_latex_(self) -> str | None:  # only the html/markdown forms are shown by default
        return None


#: What each napkin shortcut is, for notes and the audit.
SHORTCUTS = {
    "day": "a day ≈ 100K s (exactly 86,400 s)",
    "month": "a month ≈ 2.5M s (exactly 2.59M s)",
    "year": "a year ≈ 30M s (exactly 31.5M s)",
    "weeks_per_month": "4 weeks a month (exactly 52/12 ≈ 4.33)",
    "round": "rounded to one significant figure",
}


class _Tracking:
    """Wraps a Constants and remembers which shortcuts a formula touched."""

    def __init__(self, constants: Constants) -> None:
        self._constants = constants
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        if name in SHORTCUTS:
            self.used.add(name)
        return getattr(self._constants, name)


class _View:
    """Attribute access to the values computed so far, in one mood."""

    def __init__(self, values: dict[str, Value]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Value:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no value named {name!r} yet") from None


class Calc:
    """Builds a Worksheet one step at a time, evaluating each formula napkin and exact.

    >>> c = Calc("Traffic")
    >>> _ = c.given("searches_per_day", "50M", label="Searches per day", unit="searches")
    >>> _ = c.step("search_qps", "Search QPS", "searches_per_day / seconds_per_day",
    ...        lambda v, K: v.searches_per_day / K.day, unit="req/s")
    >>> ws = c.worksheet()
    >>> (ws["search_qps"].napkin, round(ws["search_qps"].exact, 1))
    (500.0, 578.7)
    """

    def __init__(self, title: str, *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED,
                 sampler: Sampler | None = None) -> None:
        self.title = title
        self._sampler = sampler
        self._samples, self._seed = samples, seed
        self._napkin: dict[str, Value] = {}
        self._exact: dict[str, Value] = {}
        self._steps: dict[str, Step] = {}
        self._shape: tuple[int, ...] | None = None
        self.mode = "point"

    @property
    def sampler(self) -> Sampler:
        if self._sampler is None:
            self._sampler = Sampler(self._samples, self._seed)
        return self._sampler

    def _set_mode(self, mode: str, name: str, value: Any) -> None:
        if self.mode == "point":
            self.mode = mode
        elif self.mode != mode:
            raise InputError(name, value, "either ranges or arrays in one estimate, not both: sweep a point value, or estimate a range")

    def __contains__(self, key: str) -> bool:
        return key in self._steps

    def given(self, key: str, value: Any, *, label: str, unit: str = "", dimension: str | None = None,
              note: str = "", minimum: float = 0.0, inclusive: bool = False, maximum: float | None = None,
              integer: bool = False) -> Value:
        """Declare an input. ``value`` may be a number, a human string, an array or a range.

        It must be above ``minimum`` (or equal to it with ``inclusive``), and at most ``maximum``.
        """
        if is_range(value):
            r = parse_range(value, name=key, dimension=dimension)
            self._check_bounds(key, value, np.array([r.low, r.high]), minimum, inclusive, maximum)
            self._set_mode("range", key, value)
            parsed: Value = self.sampler.draw(r)
            # the lognormal's tails run past the bounds its ends were checked against (a 50%..95%
            # success rate draws some values above 100%); clipping there leaves p5..p95 as given
            low_clip = minimum if inclusive else None
            if low_clip is not None or maximum is not None:
                parsed = np.clip(parsed, low_clip, maximum)
        else:
            parsed = parse_quantity(value, name=key, dimension=dimension)
            if dimension == "fraction" or unit == "%":
                if np.any(np.asarray(parsed) > 1):
                    raise InputError(key, value, "a fraction from 0 to 1 or a percentage up to 100%, such as 0.3 or '30%'")
            self._check_bounds(key, value, parsed, minimum, inclusive, maximum)
            if integer and np.any(np.asarray(parsed) != np.round(np.asarray(parsed))):
                raise InputError(key, value, "a whole number")
            if np.ndim(parsed):
                self._set_mode("sweep", key, value)
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

    def step(self, key: str, label: str, formula: str, fn: Callable[[_View, Constants], Value], *,
             unit: str = "", note: str = "", napkin_sig: int | None = None) -> Value:
        """Evaluate ``fn(values, constants)`` in both moods and record the step."""
        tracking = _Tracking(NAPKIN)
        with np.errstate(divide="ignore", invalid="ignore"):
            napkin = fn(_View(self._napkin), tracking)  # type: ignore[arg-type]
            exact = fn(_View(self._exact), EXACT)
        if napkin_sig is not None:
            napkin = napkin_round(napkin, napkin_sig)
            tracking.used.add("round")
        napkin, exact = _clean(napkin), _clean(exact)
        self._napkin[key], self._exact[key] = napkin, exact
        inputs = tuple(n for n in dict.fromkeys(_IDENT.findall(formula)) if n in self._steps)
        used = set(tracking.used).union(*(self._steps[n].shortcuts for n in inputs))
        self._steps[key] = Step(key, label, formula, napkin, exact, unit, note, inputs, False,
                                tuple(sorted(used)))
        return exact

    def worksheet(self) -> Worksheet:
        return Worksheet(self.title, dict(self._steps), self.mode)


def _clean(v: Any) -> Value:
    arr = np.asarray(v, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
