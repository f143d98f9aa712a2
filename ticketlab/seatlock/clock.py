"""Clocks: the only place the seat-lock core learns what time it is.

Invariant: no code in :mod:`ticketlab.seatlock` reads the wall clock directly. Logic takes
a clock object, so the same code runs against real threads (:class:`RealClock`) and in
deterministic tests and simulations (:class:`SimulatedClock`, where time moves only when
told to). Times are float seconds on the clock's own axis, not dates.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol, runtime_checkable

from ticketlab.seatlock.errors import InvalidTTL

__all__ = ["Clock", "RealClock", "SimulatedClock"]


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
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0):
            raise InvalidTTL("seconds", seconds, "a finite number of seconds >= 0")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, t: float) -> None:
        with self._lock:
            if t < self._now:
                raise InvalidTTL("t", t, f"a time >= the current t={self._now:g} (time never goes back)")
            self._now = float(t)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
