"""The worksheet: an ordered, named derivation, never a bare float.

A :class:`Worksheet` holds :class:`Step` values in order. Each step carries its formula (the
text that was computed, see :mod:`ticketlab.worksheet.formula`), its napkin value (the
source's shortcuts) and its exact value, its unit, a note, the inputs it read and the napkin
shortcuts it leans on (its own and its inputs').

Values are floats for a point estimate, arrays for a sweep (one value per slider position),
or arrays of samples for a range estimate (``mode is Mode.RANGE``), summarised as p5/p50/p95.
How a worksheet looks (terminal, HTML, Markdown, LaTeX) lives in
:mod:`ticketlab.worksheet.render`; this module is the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ticketlab.core.uncertainty import summarise
from ticketlab.core.vocab import Mode
from ticketlab.worksheet.formula import Formula

__all__ = ["Step", "Worksheet", "Value"]

Value = float | np.ndarray


@dataclass(frozen=True)
class Step:
    """One line of a derivation. ``show`` (optional) says a value in words, e.g. a contention level."""

    key: str
    label: str
    formula: str
    napkin: Value
    exact: Value
    unit: str
    note: str = ""
    inputs: tuple[str, ...] = ()
    is_given: bool = False
    shortcuts: tuple[str, ...] = ()
    show: Callable[[float], str] | None = field(default=None, compare=False, repr=False)
    expression: Formula | None = field(default=None, compare=False, repr=False)  # what was computed

    def summary(self, which: str = "exact") -> dict[str, float]:
        """p5 / p50 / p95 / mean of a sampled step."""
        return summarise(getattr(self, which))

    @property
    def gap(self) -> Value:
        """How far the napkin lands from the exact value: ``napkin / exact - 1``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.napkin, dtype=float) / np.asarray(self.exact, dtype=float) - 1.0


@dataclass(frozen=True)
class Worksheet:
    """An ordered, named derivation. ``ws["search_qps"].exact`` reads one step."""

    title: str
    steps: dict[str, Step] = field(default_factory=dict)
    mode: Mode = Mode.POINT

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
        mode = self.mode if self.mode is not Mode.POINT else other.mode
        return Worksheet(self.title, {**self.steps, **other.steps}, mode)

    def select(self, keys: list[str], title: str | None = None) -> "Worksheet":
        """A worksheet of only ``keys``, in that order."""
        return Worksheet(title or self.title, {k: self[k] for k in keys}, self.mode)

    def derived(self) -> "Worksheet":
        """A worksheet without the givens."""
        return self.select([s.key for s in self if not s.is_given])

    # -- plain data -------------------------------------------------------------
    def plain(self, v: Value) -> Any:
        """A value as plain Python: a float, a list (sweep), or the median (range)."""
        arr = np.asarray(v, dtype=float)
        if self.mode is Mode.RANGE and arr.ndim:
            return float(np.median(arr))
        return float(arr) if arr.ndim == 0 else arr.tolist()

    def results(self, *, include_givens: bool = True) -> dict[str, dict[str, Any]]:
        """``{key: {"exact": x, "napkin": y, "unit": u}}``; a range step adds p5/p50/p95."""
        out: dict[str, dict[str, Any]] = {}
        for s in self:
            if s.is_given and not include_givens:
                continue
            row: dict[str, Any] = {"exact": self.plain(s.exact), "napkin": self.plain(s.napkin), "unit": s.unit}
            if self.mode is Mode.RANGE and np.ndim(s.exact):
                row.update({k: v for k, v in s.summary().items() if k != "mean"})
            out[s.key] = row
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain Python: title, mode and every step with its formula and note."""
        return {
            "title": self.title,
            "mode": str(self.mode),
            "steps": [
                {
                    "key": s.key, "label": s.label, "formula": s.formula, "inputs": list(s.inputs),
                    "napkin": self.plain(s.napkin), "exact": self.plain(s.exact), "unit": s.unit,
                    "note": s.note, "given": s.is_given, "shortcuts": list(s.shortcuts),
                }
                for s in self
            ],
        }

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    # -- display (the forms live in render) -------------------------------------
    def latex(self, key: str) -> str:
        """The step's formula as LaTeX, built from the same parsed formula that was computed."""
        from ticketlab.worksheet.render import latex

        return latex(self[key])

    def __str__(self) -> str:
        from ticketlab.worksheet.render import to_text

        return to_text(self)

    def _repr_html_(self) -> str:
        from ticketlab.worksheet.render import to_html

        return to_html(self)

    def _repr_markdown_(self) -> str:
        from ticketlab.worksheet.render import to_markdown

        return to_markdown(self)
