"""The timeout cascade: every layer must give up before the layer that waits for it.

A booking hold (minutes) outlives the lock that guards the seat write (seconds), which
outlives one database statement, which outlives one HTTP call made while the lock is held:
``booking_hold > lock_ttl > db_statement > http_call``. If an inner layer can outlive its
parent, the parent's timeout fires while the inner work is still running and may still
commit: a seat written after its lock expired, or after its hold was given to someone else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ticketlab.errors import CascadeError, InputError

__all__ = ["SOURCE_CASCADE", "validate_cascade", "cascade_pairs"]

#: The source's cascade, outermost first, in seconds: 10 min > 30 s > 5 s > 3 s.
SOURCE_CASCADE: tuple[tuple[str, float], ...] = (
    ("booking_hold", 600.0),
    ("lock_ttl", 30.0),
    ("db_statement", 5.0),
    ("http_call", 3.0),
)


def _seconds(name: str, value: object) -> float:
    from ticketlab.numbers import parse_duration  # numbers does not import models

    seconds = parse_duration(value, name=name)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(name, value, "a positive, finite duration such as 30 or '30s' or '10 min'")
    return seconds


def cascade_pairs(layers: Sequence[tuple[str, object]]) -> list[tuple[str, float, str, float, float]]:
    """Each (parent, parent_s, child, child_s, headroom) pair, outermost first.

    ``headroom = parent_s / child_s``: how many times the child fits inside its parent.
    """
    parsed = [(name, _seconds(name, value)) for name, value in layers]
    return [
        (p, ps, c, cs, ps / cs)
        for (p, ps), (c, cs) in zip(parsed, parsed[1:])
    ]


def validate_cascade(layers: Sequence[tuple[str, object]]) -> list[tuple[str, float, str, float, float]]:
    """Check that each layer's timeout is strictly shorter than its parent's.

    ``layers`` is outermost first, e.g. ``[("booking_hold", "10 min"), ("lock_ttl", "30s"),
    ("db_statement", "5s"), ("http_call", "3s")]``. Returns :func:`cascade_pairs`.
    Raises :class:`~ticketlab.errors.CascadeError` naming every pair that is upside down,
    and :class:`~ticketlab.errors.InputError` for a duration that is not positive.
    """
    if len(layers) < 2:
        raise InputError("layers", layers, "at least two (name, timeout) layers, outermost first")
    pairs = cascade_pairs(layers)
    wrong = [f"{c} ({cs:g} s) must be shorter than {p} ({ps:g} s)" for p, ps, c, cs, _ in pairs if cs >= ps]
    if wrong:
        raise CascadeError(
            "timeout cascade is upside down: " + "; ".join(wrong)
            + ". Each layer must time out before the layer that waits for it, "
            "e.g. booking_hold=10 min > lock_ttl=30 s > db_statement=5 s > http_call=3 s."
        )
    return pairs
