"""The optimistic strategy: no lock while reading; the write is a compare-and-set on versions.

Invariant: a write goes through only if every seat's version is still the one read, so a
writer that lost the race changes nothing and tries again (reads, checks, writes anew)
after a jittered exponential backoff, at most ``max_attempts`` times in all.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from ticketlab.core.numbers import whole_number
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.errors import LostRace, SeatUnavailable
from ticketlab.seatlock.stores.base import WriteResult
from ticketlab.seatlock.strategies.base import Strategy, WriteOutcome

__all__ = ["OptimisticStrategy"]

_version = attrgetter("version")


class OptimisticStrategy(Strategy):
    """Compare-and-set on seat versions, with bounded, jittered exponential backoff.

    Delay before retry ``k`` (k = 1, 2, …) is ``min(max_backoff, base_backoff · 2^(k-1))``
    times a factor drawn uniformly from [0.5, 1.5) with ``rng`` (anything with ``.random()``:
    a ``numpy.random.Generator`` or ``random.Random``), so colliding writers spread out.
    After ``max_attempts`` lost compare-and-sets it raises :class:`LostRace`; a check that
    finds the seats taken raises :class:`SeatUnavailable` with the retries it cost.
    """

    name = StrategyName.OPTIMISTIC
    seeded = True

    def __init__(self, latency: float = 0.0, max_attempts: int = 5, base_backoff: float = 0.001,
                 max_backoff: float = 0.05, rng=None, seed: int | None = 0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        self.max_attempts = whole_number("max_attempts", max_attempts, what="attempts")
        self.base_backoff = seconds("base_backoff", base_backoff, allow_zero=True)
        self.max_backoff = seconds("max_backoff", max_backoff, allow_zero=True)
        if rng is None:
            import numpy as np

            rng = np.random.default_rng(seed)
        self.rng = rng

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        return min(self.max_backoff, self.base_backoff * 2 ** (retry - 1)) * (0.5 + self.rng.random())

    def write(self, store, seat_ids, check, build, clock):
        for attempt in range(1, self.max_attempts + 1):
            seats = store.read_seats(seat_ids)
            try:
                check(seats)
            except SeatUnavailable as error:
                error.retries = attempt - 1  # a retry that found the seat taken still cost a retry
                raise
            self._pause(clock)
            change = build(seats, (), expect_versions=tuple(map(_version, seats)))
            if store.apply(change) is WriteResult.OK:
                return WriteOutcome(change, retries=attempt - 1)
            if attempt < self.max_attempts:
                clock.sleep(self.backoff(attempt))
        raise LostRace(seat_ids, self.max_attempts)
