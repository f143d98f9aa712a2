"""Reading what a learner typed: a number, or a human string such as ``"5K"``, ``"1.5 GB"``, ``"10 min"``.

Strings are parsed with :func:`ticketlab.core.numbers.parse_quantity`; on top of it this module
reads ratios (``"10:1"``), counts with a noun (``"12.5K bookings"``), a bare percentage where a
fraction is asked (``2.5`` → 2.5%), and says which kind of quantity a string in the wrong unit
is (``"5 GB"`` where a rate was asked is *a size*). The placeholder ``...``, ``None`` and an
empty string mean "not attempted".

Answers also travel from a learner's kernel to the grader as JSON (:func:`encode`, :func:`decode`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from ticketlab.core.errors import InputError, UnitError
from ticketlab.core.numbers import parse_quantity

__all__ = ["Reading", "read_quantity", "dimension_of_unit", "DIMENSION_WORDS", "EXAMPLES", "encode", "decode",
           "Unreadable", "is_missing", "shown"]

#: How each kind of quantity is named in feedback.
DIMENSION_WORDS = {
    "bytes": "a size (bytes)", "bytes/s": "a bandwidth (bytes per second)", "seconds": "a duration",
    "per_second": "a rate (per second)", "fraction": "a fraction or percentage",
    "multiplier": "a ratio or multiplier", "count": "a count",
}
#: An example of each kind, deliberately not a figure any question asks for.
EXAMPLES = {
    "bytes": "'2.5 GB' or 2.5e9", "bytes/s": "'40 MB/s' or '320 Mbps'", "seconds": "'12 min' or 720",
    "per_second": "'120/s' or 120", "fraction": "'40%' or 0.4", "multiplier": "'3:1' or 3",
    "count": "'12K' or 12000",
}
_DIMENSIONS = ("count", "bytes", "bytes/s", "seconds", "fraction", "per_second", "multiplier")
_RATIO = re.compile(r"^\s*(?P<n>.+?)\s*:\s*1\s*$")
_MAX_TEXT = 500  # a longer string is not an answer; keep the gradebook small


def dimension_of_unit(unit: str) -> str:
    """The parse dimension of a worksheet unit: ``"B"`` → bytes, ``"req/s"`` → per_second, ``":1"`` → multiplier."""
    if unit == "B":
        return "bytes"
    if unit == "B/s":
        return "bytes/s"
    if unit == "s":
        return "seconds"
    if unit == "%":
        return "fraction"
    if unit in (":1", "x"):
        return "multiplier"
    if unit.endswith("/s") or unit in ("QPS", "per s"):
        return "per_second"
    return "count"


@dataclass(frozen=True)
class Reading:
    """An answer in base units, or why it could not be one.

    ``given`` is the kind of quantity the learner's own unit says (``None`` for a bare number);
    ``problem`` is set when the answer is unreadable or in the wrong unit (then ``value`` is None).
    """

    value: float | None
    given: str | None = None
    note: str = ""
    problem: str = ""
    wrong_unit: bool = False
    missing: bool = False


class Unreadable(str):
    """An answer that was neither a number nor a string (a list, an object...): its repr."""


def is_missing(answer: Any) -> bool:
    return answer is None or answer is Ellipsis or (isinstance(answer, str) and answer.strip() in ("", "..."))


def shown(answer: Any) -> str:
    """The answer as the learner wrote it, for feedback and the gradebook."""
    if is_missing(answer):
        return ""
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        text = f"{answer:g}"
    else:
        text = str(answer) if isinstance(answer, (str, Unreadable)) else repr(answer)
    return text if len(text) <= 80 else text[:77] + "..."


def _parses(text: str, dimension: str) -> bool:
    try:
        parse_quantity(text, dimension=dimension)
        return True
    except InputError:
        return False


def _given_dimension(text: str) -> str | None:
    """The kind of quantity a string's own unit names (None for a bare number)."""
    ok = [d for d in _DIMENSIONS if _parses(text, d)]
    if len(ok) == len(_DIMENSIONS):
        return None
    named = [d for d in ok if d != "count"]
    return named[0] if named else "count"


def _strip_noun(text: str) -> str | None:
    """``"12.5K bookings"`` → ``"12.5K"``; None when the text does not end in plain words."""
    m = re.match(r"^(?P<q>.*?\d\s*(?:bn|[kKmMbBtT])?)\s+(?P<noun>[A-Za-z][A-Za-z ]*)$", text.strip())
    return m["q"] if m else None


def read_quantity(answer: Any, dimension: str) -> Reading:
    """Read ``answer`` as a quantity of ``dimension`` (see :data:`DIMENSION_WORDS`). Never raises."""
    if is_missing(answer):
        return Reading(None, missing=True)
    want = DIMENSION_WORDS.get(dimension, "a number")
    example = EXAMPLES.get(dimension, "a number")
    if isinstance(answer, bool) or isinstance(answer, Unreadable) or not isinstance(answer, (str, int, float)) \
            and not hasattr(answer, "__float__"):
        return Reading(None, problem=f"{shown(answer)} is not a number; this question wants {want}, such as {example}")
    if not isinstance(answer, str):
        value = float(answer)
        if not math.isfinite(value):
            return Reading(None, problem=f"{value} is not a finite number; write {want}, such as {example}")
        return _fraction_guess(Reading(value), dimension)
    text = answer.strip()[:_MAX_TEXT]
    ratio = _RATIO.match(text)
    if ratio:
        text = ratio["n"]
    for candidate in (text, _strip_noun(text)):
        if candidate is None:
            continue
        try:
            value = float(parse_quantity(candidate, name="answer", dimension=dimension))
        except UnitError:
            given = _given_dimension(candidate) or "count"
            return Reading(None, given, problem=f"{answer!r} is {DIMENSION_WORDS.get(given, given)}, but this question "
                           f"asks for {want}, such as {example}", wrong_unit=True)
        except InputError:
            if dimension == "fraction" and _parses(candidate, "count"):
                return _fraction_guess(Reading(float(parse_quantity(candidate)), None), dimension)
            continue
        note = "" if candidate == text else f"read {answer!r} as {candidate}"
        return _fraction_guess(Reading(value, _given_dimension(candidate), note), dimension)
    return Reading(None, problem=f"could not read {answer!r}; write {want}, such as {example}")


def _fraction_guess(r: Reading, dimension: str) -> Reading:
    """A bare 2.5 where a fraction is asked is read as 2.5% (a bare 0.025 stays a fraction)."""
    if dimension == "fraction" and r.given is None and r.value is not None and 1 < r.value <= 100:
        return Reading(r.value / 100, None, f"read {r.value:g} as {r.value:g}%")
    return r


# --------------------------------------------------------------------------- the wire format

def encode(answer: Any) -> dict[str, Any]:
    """An answer as JSON-safe data: ``{"kind": "number"|"text"|"missing"|"other", ...}``."""
    if is_missing(answer):
        return {"kind": "missing"}
    if isinstance(answer, str):
        return {"kind": "text", "value": answer[:_MAX_TEXT]}
    if not isinstance(answer, bool):
        try:
            return {"kind": "number", "value": float(answer)}
        except (TypeError, ValueError, OverflowError):
            pass
    return {"kind": "other", "value": repr(answer)[:200]}


def decode(data: Any) -> Any:
    """The inverse of :func:`encode`; anything malformed comes back :class:`Unreadable`."""
    if not isinstance(data, dict):
        return Unreadable(repr(data)[:200])
    kind, value = data.get("kind"), data.get("value")
    if kind == "missing":
        return None
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return Unreadable(str(value)[:200])
