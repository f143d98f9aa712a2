"""Check your own napkin number against the library's, the way napkin math is judged:
within the right order of magnitude is a good answer, within 2× is a great one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import format_quantity, parse_quantity
from ticketlab.worksheet import Step

__all__ = ["Verdict", "check_estimate"]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    ratio: float
    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.ok else "❌ ") + self.message


def check_estimate(mine: Any, step: Step, *, within: float = 10.0) -> Verdict:
    """Compare ``mine`` (a number or "5K") with ``step``'s exact value.

    ``ok`` when the two are within a factor ``within`` of each other (default: the same order
    of magnitude, ×10 either way).
    """
    value = float(parse_quantity(mine, name="mine"))
    if value <= 0:
        raise InputError("mine", mine, "a positive estimate such as 500 or '5K'")
    if within <= 1:
        raise InputError("within", within, "a factor above 1, such as 2 or 10")
    exact = float(np.median(step.exact))
    ratio = value / exact
    spread = max(ratio, 1 / ratio)
    shown = f"your {format_quantity(value, step.unit)} vs exact {format_quantity(exact, step.unit)} (napkin {format_quantity(float(np.median(step.napkin)), step.unit)})"
    if spread <= 2:
        return Verdict(True, ratio, f"great — {shown}: within 2×")
    if spread <= within:
        return Verdict(True, ratio, f"good — {shown}: within {within:g}×, the right order of magnitude")
    return Verdict(False, ratio, f"WRONG — {shown}: off by {spread:.3g}×; re-check the zeros")
