"""The pessimistic strategy: lock the seats for the whole read-check-write.

Invariant: while one writer is between its read and its write, no other writer can touch
those seats (per-seat locks taken in sorted order in memory, ``BEGIN IMMEDIATE`` in SQLite);
waiting longer than ``lock_wait`` raises :class:`~ticketlab.seatlock.errors.LockTimeout`.
The write stays guarded, so a path that ever bypassed the lock is caught by the store.
"""

from __future__ import annotations

from collections.abc import Callable

from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.errors import LostRace
from ticketlab.seatlock.stores.base import WriteResult
from ticketlab.seatlock.strategies.base import Strategy, WriteOutcome

__all__ = ["PessimisticStrategy"]


class PessimisticStrategy(Strategy):
    """Hold the store's seat locks across the whole read-check-write.

    Under the lock the guard always passes; if it ever fails, some path bypassed the lock
    and the write is reported as :class:`LostRace`.
    """

    name = StrategyName.PESSIMISTIC

    def __init__(self, latency: float = 0.0, lock_wait: float = 5.0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        self.lock_wait = seconds("lock_wait", lock_wait)

    def write(self, store, seat_ids, check, build, clock):
        with store.seat_locks(seat_ids, self.lock_wait):
            seats = store.read_seats(seat_ids)
            check(seats)
            self._pause(clock)
            change = build(seats, ())  # guarded as built: status and owner re-checked by the store
            if store.apply(change) is not WriteResult.OK:
                raise LostRace(seat_ids, 1)
        return WriteOutcome(change)
