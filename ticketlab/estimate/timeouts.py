"""The timeout cascade: every layer must give up before the layer that waits for it.

A booking hold (minutes) outlives the lock that guards the seat write (seconds), which
outlives one database statement, which outlives one HTTP call made while the lock is held:
``booking_hold > lock_ttl > db_statement > http_call``. If an inner layer can outlive its
parent, the parent's timeout fires while the inner work is still running and may still
commit: a seat written after its lock expired, or after its hold was given to someone else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ticketlab.core.errors import CascadeError, InputError
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED

__all__ = ["SOURCE_CASCADE", "validate_cascade", "cascade_pairs", "timeout_cascade", "timeout_steps"]

#: The source's cascade, outermost first, in seconds: 10 min > 30 s > 5 s > 3 s.
SOURCE_CASCADE: tuple[tuple[str, float], ...] = (
    ("booking_hold", 600.0),
    ("lock_ttl", 30.0),
    ("db_statement", 5.0),
    ("http_call", 3.0),
)

_VALID = "a positive, finite duration such as 30, '30s' or '10 min'"


def _seconds(name: str, value: object) -> Any:
    from ticketlab.core.numbers import parse_duration  # numbers does not import models

    seconds = parse_duration(value, name=name)
    if np.any(np.asarray(seconds) <= 0):
        raise InputError(name, value, _VALID)
    return seconds


def cascade_pairs(layers: Sequence[tuple[str, object]]) -> list[tuple[str, Any, str, Any, Any]]:
    """Each (parent, parent_s, child, child_s, headroom) pair, outermost first.

    ``headroom = parent_s / child_s``: how many times the child fits inside its parent.
    """
    parsed = [(name, _seconds(name, value)) for name, value in layers]
    return [(p, ps, c, cs, np.asarray(ps) / np.asarray(cs)) for (p, ps), (c, cs) in zip(parsed, parsed[1:])]


def _show(x: Any) -> str:
    arr = np.asarray(x, dtype=float)
    return f"{float(arr):g} s" if arr.ndim == 0 else f"{arr.ravel()[0]:g}… s"


def validate_cascade(layers: Sequence[tuple[str, object]]) -> list[tuple[str, Any, str, Any, Any]]:
    """Check that each layer's timeout is strictly shorter than its parent's.

    ``layers`` is outermost first, e.g. ``[("booking_hold", "10 min"), ("lock_ttl", "30s"),
    ("db_statement", "5s"), ("http_call", "3s")]``; durations may be arrays (a sweep), then
    every point must hold. Returns :func:`cascade_pairs`. Raises
    :class:`~ticketlab.core.errors.CascadeError` naming every pair that is upside down, and
    :class:`~ticketlab.core.errors.InputError` for a duration that is not positive.
    """
    if len(layers) < 2:
        raise InputError("layers", layers, "at least two (name, timeout) layers, outermost first")
    pairs = cascade_pairs(layers)
    wrong = []
    for p, ps, c, cs, _ in pairs:
        bad = np.asarray(cs) >= np.asarray(ps)
        if np.any(bad):
            if np.ndim(bad):
                i = int(np.argmax(np.broadcast_to(bad, np.broadcast(np.asarray(cs), np.asarray(ps)).shape)))
                cs_i = np.broadcast_to(cs, bad.shape).ravel()[i]
                ps_i = np.broadcast_to(ps, bad.shape).ravel()[i]
                wrong.append(f"{c} ({cs_i:g} s) must be shorter than {p} ({ps_i:g} s) at point {i}")
            else:
                wrong.append(f"{c} ({_show(cs)}) must be shorter than {p} ({_show(ps)})")
    if wrong:
        raise CascadeError(
            "timeout cascade is upside down: " + "; ".join(wrong)
            + ". Each layer must time out before the layer that waits for it, "
            "e.g. booking_hold=10 min > lock_ttl=30 s > db_statement=5 s > http_call=3 s."
        )
    return pairs


def timeout_cascade(booking_hold="10 min", lock_ttl="30s", db_statement="5s", http_call="3s", *,
                    samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED):
    """A worksheet of the cascade: each layer, and how many times each child fits in its parent.

    Raises :class:`~ticketlab.core.errors.CascadeError` when the cascade is upside down.
    """
    from ticketlab.estimate.inputs import start

    layers = [("booking_hold", booking_hold), ("lock_ttl", lock_ttl), ("db_statement", db_statement),
              ("http_call", http_call)]
    c = start("Timeout cascade", {**dict(layers), "samples": samples, "seed": seed})  # numbers, strings, arrays, ranges
    timeout_steps(c)  # validates the parsed cascade
    return c.worksheet()


def timeout_steps(c) -> None:
    """Append one headroom step per parent/child pair (needs the four layers declared and valid)."""
    names = [name for name, _ in SOURCE_CASCADE]
    validate_cascade([(n, c._exact[n]) for n in names])
    for p, ch in zip(names, names[1:]):
        c.step(f"{ch}_headroom", f"{ch} fits in {p}", f"{p} / {ch}",
               lambda v, K, p=p, ch=ch: getattr(v, p) / getattr(v, ch), unit="x")
