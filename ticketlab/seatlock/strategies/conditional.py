"""The conditional-write strategy: one atomic conditional write, and nothing read before it.

Invariant: the write goes through only if the store finds every seat as the change's kind
requires (a hold: every seat AVAILABLE; a confirm: the seats HELD by the change's live,
unexpired hold), checked in the same atomic step that writes: ``UPDATE seats ... WHERE
status = 'AVAILABLE'`` in SQL, one Lua script in Redis. Two writers can both send the write;
the store applies one and refuses the other, so no seat is sold twice. There is no version to
compare and no lock: the guard on the seat's state is the whole protection.

Only a refused write reads the seats, to say why: what ``check`` raises
(:class:`~ticketlab.seatlock.errors.SeatUnavailable`, say). A refused write whose read finds
the seats as required again (another writer took them and let them go in between) is written
once more, at most ``max_attempts`` writes in all, then
:class:`~ticketlab.seatlock.errors.LostRace`.
"""

from __future__ import annotations

from collections.abc import Callable

from ticketlab.core.numbers import whole_number
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.errors import LostRace, SeatUnavailable
from ticketlab.seatlock.stores.base import WriteResult
from ticketlab.seatlock.strategies.base import Strategy, WriteOutcome

__all__ = ["ConditionalStrategy"]


class ConditionalStrategy(Strategy):
    """Write first, guarded by the kind's own conditions; read only after a refusal.

    A hold nobody else wants costs one round trip (the optimistic strategy's costs two: the
    read of the versions, then the compare-and-set). A refused write reads the seats: a check
    that fails there raises its own error, carrying the retries (writes after the first) it
    cost; seats found as required again are written again at once, at most ``max_attempts``
    writes in all, after which it raises :class:`LostRace`. ``max_attempts`` that is not a
    whole number >= 1 raises :class:`~ticketlab.core.errors.InputError`.
    """

    name = StrategyName.CONDITIONAL

    def __init__(self, latency: float = 0.0, max_attempts: int = 3, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        self.max_attempts = whole_number("max_attempts", max_attempts, what="attempts")

    def write(self, store, seat_ids, check, build, clock):
        for attempt in range(1, self.max_attempts + 1):
            self._pause(clock)
            change = build(None, ())  # no read: guarded by what the change's kind requires
            if store.apply(change) is WriteResult.OK:
                return WriteOutcome(change, retries=attempt - 1)
            seats = store.read_seats(seat_ids)  # refused: read, only to say why
            try:
                check(seats)
            except SeatUnavailable as error:
                error.retries = attempt - 1  # the writes after the first still cost retries
                raise
        raise LostRace(seat_ids, self.max_attempts)
