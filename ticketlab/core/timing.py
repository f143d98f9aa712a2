"""Durations and the timeout cascade: one rule each, used by the estimators and the seat-lock core.

**A duration** is a finite number of seconds, above zero (or at least zero where a wait may be
skipped). :func:`duration` is the only check of that rule in ticketlab; it reads numbers, numpy
arrays and strings such as ``"30s"`` or ``"10 min"``, and rejects ``True``, NaN and infinity.

**The cascade rule**: whoever waits must give up later than the work it waits for. A client
that gives up first leaves the server working for nobody (a booking written after the buyer
saw an error, then booked again on retry); a lock that expires first lets a second writer in
while the first is still writing. So, outermost first::

    booking_hold (10 min)  >  lock_ttl (30 s)  >  http_call (10 s)  >  db_statement (5 s)

the seat hold outlives the lock taken to write it, the lock outlives the request that runs
under it, and the request outlives each database statement it makes. The source lists an
HTTP timeout of 3 s below a 5 s statement timeout: that is the inverted pair, and the audit
says so. :func:`check_cascade` enforces the rule for any layers given outermost first.
"""

from __future__ import annotations

import math

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ticketlab.core.errors import CascadeError, InputError

__all__ = ["duration", "CASCADE", "CASCADE_LAYERS", "CONSEQUENCES", "CascadePair", "cascade_pairs",
           "upside_down", "check_cascade"]

_POSITIVE = "a positive, finite duration such as 30, '30s' or '10 min'"
_NON_NEGATIVE = "a finite duration of zero or more, such as 0, 0.005 or '5 ms'"


def duration(name: str, value: Any, *, allow_zero: bool = False, error: type[InputError] = InputError) -> Any:
    """Seconds from ``value`` (a number, an array, or a string such as ``"10 min"``).

    Raises ``error`` (an :class:`~ticketlab.core.errors.InputError` subclass) naming ``name``
    when the value is not a duration, not finite, or not above zero (``allow_zero``: not
    below zero). Returns a float for a scalar, the parsed array for an array.
    """
    from ticketlab.core.numbers import parse_duration

    expected = _NON_NEGATIVE if allow_zero else _POSITIVE
    if isinstance(value, bool) or value is None:
        raise error(name, value, expected)
    if type(value) is float or type(value) is int:  # the common case, answered without numpy
        seconds = float(value) if -1e308 <= value <= 1e308 else math.inf
        if math.isfinite(seconds) and (seconds > 0 or (allow_zero and seconds == 0)):
            return seconds
        raise error(name, value, expected)
    try:
        seconds = parse_duration(value, name=name)
    except InputError:
        raise error(name, value, expected) from None
    arr = np.asarray(seconds, dtype=float)
    if np.any(arr < 0) or (not allow_zero and np.any(arr == 0)):
        raise error(name, value, expected)
    return float(arr) if arr.ndim == 0 else seconds


#: The cascade the course teaches, outermost first, with its default in seconds.
CASCADE: tuple[tuple[str, float], ...] = (
    ("booking_hold", 600.0),
    ("lock_ttl", 30.0),
    ("http_call", 10.0),
    ("db_statement", 5.0),
)
CASCADE_LAYERS = tuple(name for name, _ in CASCADE)

#: What goes wrong when the child of each pair outlives its parent.
CONSEQUENCES: dict[tuple[str, str], str] = {
    ("booking_hold", "lock_ttl"): "a lock left by a crashed writer outlives the hold it protected: the seat "
                                  "cannot be released or sold again until the lock runs out",
    ("lock_ttl", "http_call"): "a request can still be writing after its lock expired; a second writer takes "
                               "the lock and both write the seat (only a fencing token or a conditional write "
                               "stops the late one)",
    ("http_call", "db_statement"): "the client gives up while its statement still runs: the booking may commit "
                                   "after the buyer was told it failed, and the buyer's retry books again",
}


class CascadePair(NamedTuple):
    """One parent layer and the child that must give up first; ``headroom = parent / child``."""

    parent: str
    parent_s: Any
    child: str
    child_s: Any
    headroom: Any


def cascade_pairs(layers: Sequence[tuple[str, Any]]) -> list[CascadePair]:
    """Each parent/child pair of ``layers`` (outermost first), durations parsed."""
    parsed = [(name, duration(name, value)) for name, value in layers]
    with np.errstate(over="ignore"):  # a headroom beyond 1e308 is infinite; the rule still holds
        return [CascadePair(p, ps, c, cs, np.asarray(ps) / np.asarray(cs))
                for (p, ps), (c, cs) in zip(parsed, parsed[1:])]


def upside_down(pair: CascadePair) -> bool:
    """Whether the child of ``pair`` can outlive its parent at any point of a sweep."""
    return bool(np.any(np.asarray(pair.child_s) >= np.asarray(pair.parent_s)))


def _at(x: Any, shape: tuple[int, ...], i: int) -> float:
    return float(np.broadcast_to(np.asarray(x, dtype=float), shape).ravel()[i])


def check_cascade(layers: Sequence[tuple[str, Any]]) -> list[CascadePair]:
    """Check that each layer gives up strictly before the layer above it.

    ``layers`` is outermost first, e.g. ``[("booking_hold", "10 min"), ("lock_ttl", "30s"),
    ("http_call", "10s"), ("db_statement", "5s")]``. Durations may be arrays (a slider sweep);
    then every point must hold. Returns the :class:`CascadePair` list. Raises
    :class:`~ticketlab.core.errors.CascadeError` naming every pair that is upside down, and
    :class:`~ticketlab.core.errors.InputError` for a value that is not a positive duration.
    """
    if isinstance(layers, (str, bytes)) or len(layers) < 2:
        raise InputError("layers", layers, "at least two (name, timeout) layers, outermost first")
    pairs = cascade_pairs(layers)
    wrong = []
    for pair in pairs:
        bad = np.asarray(pair.child_s) >= np.asarray(pair.parent_s)
        if not np.any(bad):
            continue
        i = int(np.argmax(bad.ravel())) if bad.ndim else 0
        cs, ps = _at(pair.child_s, bad.shape, i), _at(pair.parent_s, bad.shape, i)
        where = f" at point {i}" if bad.ndim else ""
        wrong.append(f"{pair.child} ({cs:g} s) must be shorter than {pair.parent} ({ps:g} s){where}")
    if wrong:
        example = " > ".join(f"{name}={seconds:g} s" for name, seconds in CASCADE)
        raise CascadeError(
            "timeout cascade is upside down: " + "; ".join(wrong)
            + ". Whoever waits must give up later than the work it waits for, e.g. " + example + ".")
    return pairs
