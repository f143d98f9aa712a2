"""Clocks: the only place the seat-lock core learns what time it is.

Invariant: no code in :mod:`ticketlab.seatlock` reads the wall clock directly. Logic takes
a clock object, so the same code runs against real threads (:class:`RealClock`) and in
deterministic tests and simulations (:class:`SimulatedClock`, where time moves only when
told to). Times are float seconds on the clock's own axis, not dates.

Every duration the core is given (a TTL, a wait, a latency, a step of simulated time) is
checked by :func:`seconds`, which applies the one duration rule of
:func:`ticketlab.core.timing.duration` and raises :class:`~ticketlab.seatlock.errors.InvalidTTL`.
"""

from __future__ import annotations

import math
import numbers
import threading
import time
from typing import Any, Protocol, runtime_checkable

from ticketlab.core.timing import duration
from ticketlab.seatlock.errors import InvalidTTL

__all__ = ["Clock", "RealClock", "SimulatedClock", "seconds"]


# durations already found valid, by (value, its type, allow_zero): the type keeps True from
# hitting the entry for 1. Lock managers check a TTL on every acquire, so this is the hot path.
_VALID: dict[tuple[Any, type, bool], float] = {}


def seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """``value`` in seconds (a number or a string such as ``"30s"``), by the one duration rule.

    Raises :class:`~ticketlab.seatlock.errors.InvalidTTL` naming ``name`` when ``value`` is not
    a finite duration above zero (``allow_zero``: at least zero), or is more than one value
    (a list or an array); ``True`` is not a duration.
    """
    try:
        key = (value, type(value), allow_zero)
        return _VALID[key]
    except KeyError:
        pass
    except TypeError:  # unhashable: a list or an array, not one duration
        raise InvalidTTL(name, value, "one duration such as 30 or '30s'") from None
    checked = duration(name, value, allow_zero=allow_zero, error=InvalidTTL)
    if not isinstance(checked, float):  # a tuple of durations parses to an array
        raise InvalidTTL(name, value, "one duration such as 30 or '30s'")
    if len(_VALID) < 4096:  # the core's durations are a handful of settings; do not grow forever
        _VALID[key] = checked
    return checked


_seconds = seconds  # for methods whose own argument is called ``seconds``


def _time(name: str, value: Any) -> float:
    """A point on a clock's axis: a finite real number (nan would make every hold live forever)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InvalidTTL(name, value, "a finite number of seconds on the clock's axis, e.g. 0.0 or 12.5")
    return float(value)


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Seconds on this clock's axis."""

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass (really, or by moving simulated time forward)."""


class RealClock:
    """``time.monotonic``: never jumps backwards. On Linux all processes share its axis,
    so expiry times written to SQLite by one process mean the same to another."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class SimulatedClock:
    """Time that moves only through :meth:`advance`, :meth:`set` or :meth:`sleep`.

    Thread-safe; ``sleep`` advances the shared time, which is what a deterministic,
    single-threaded scenario wants (a paused client is a call to ``advance``).
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = _time("start", start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (>= 0); returns the new time. Raises :class:`InvalidTTL`."""
        step = _seconds("seconds", seconds, allow_zero=True)
        with self._lock:
            self._now += step
            return self._now

    def set(self, t: float) -> None:
        """Move time to ``t``. Raises :class:`InvalidTTL` for a ``t`` that is not a finite
        number, or is before the current time (time never goes back)."""
        t = _time("t", t)
        with self._lock:
            if t < self._now:
                raise InvalidTTL("t", t, f"a time >= the current t={self._now:g} (time never goes back)")
            self._now = t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)

