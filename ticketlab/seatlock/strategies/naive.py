"""The naive strategy: read, check, write, with nothing in between. The broken baseline.

Invariant it does *not* keep, on purpose: two writers can both pass the check before either
writes, and the write is blind (``guarded=False``), so both win and a seat is sold twice.
Learners must see this fail before the fixes mean anything; ``latency`` widens the gap
between check and write so real threads collide.
"""

from __future__ import annotations

from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.strategies.base import Strategy, WriteOutcome

__all__ = ["NaiveStrategy"]


class NaiveStrategy(Strategy):
    """Read, check, write, with no lock and a blind write. Double-sells under contention."""

    name = StrategyName.NAIVE

    def write(self, store, seat_ids, check, build, clock):
        seats = store.read_seats(seat_ids)
        check(seats)
        self._pause(clock)  # another thread can pass the same check right now
        change = build(seats, (), guarded=False)  # trusts the check it made a moment ago
        store.apply(change)
        return WriteOutcome(change)
