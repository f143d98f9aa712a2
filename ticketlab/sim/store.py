"""The rush's venue and store: the memory store with seat locks that wait on simulated time.

Invariant: the store's guards are the memory store's, unchanged; only the pessimistic strategy's
seat locks differ. The memory store's locks block the OS thread while they wait, which in a
one-thread simulation would stall everything; here a lock that is taken parks the waiting process
on the simulated clock (polling every millisecond of simulated time) until it frees or the wait
times out with :class:`~ticketlab.seatlock.LockTimeout`, so lock waits cost simulated time, not
real time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ticketlab.seatlock import LockTimeout, MemoryStore, Seat, SeatStatus, SimulatedClock

__all__ = ["SimStore", "rush_venue", "LOCK_POLL"]

LOCK_POLL = 0.001
_AVAILABLE, _HELD, _SOLD = SeatStatus.AVAILABLE, SeatStatus.HELD, SeatStatus.SOLD
_PER_ROW = 25
_PRICES = (45_000, 30_000, 22_500, 15_000, 9_500)


def rush_venue(seats: int, sections: int) -> list[list[Seat]]:
    """``seats`` seats in ``sections`` sections of (nearly) equal size, most popular (and dearest) first."""
    sections = min(sections, seats)
    sizes = [seats // sections + (1 if i < seats % sections else 0) for i in range(sections)]
    venue = []
    for s, size in enumerate(sizes):
        price = _PRICES[min(len(_PRICES) - 1, s * len(_PRICES) // sections)]
        venue.append([Seat(f"S{s}-{i // _PER_ROW + 1}-{i % _PER_ROW + 1}", f"S{s}", i // _PER_ROW + 1,
                           i % _PER_ROW + 1, price) for i in range(size)])
    return venue


class SimStore(MemoryStore):
    """A memory store over ``venue`` (sections of seats) whose seat locks wait on ``clock``."""

    def __init__(self, venue: list[list[Seat]], clock: SimulatedClock) -> None:
        super().__init__([seat for section in venue for seat in section], event_id="rush")
        self.section_ids = [[seat.seat_id for seat in section] for section in venue]
        self._clock = clock
        self._owners: dict[str, object] = {}

    # one counter read, not a copy of all four under the lock: the rush runs in one OS thread, and
    # asks before every attempt
    def available(self) -> int:
        return self._counts[_AVAILABLE]

    def sold(self) -> int:
        return self._counts[_SOLD]

    def held(self) -> int:
        return self._counts[_HELD]

    def hold_count(self) -> int:
        """Live holds (not yet confirmed, released or expired), whatever their seats' status now."""
        return len(self._holds)

    def pick(self, party: int, sections: Sequence[int], rng: np.random.Generator, window: int = 4) -> list[str] | None:
        """``party`` seats a user would pick from the map as it is now: free ones near each other in the
        first section (in ``sections`` order) where a random look finds enough; None if none does."""
        for s in sections:
            ids = self.section_ids[s]
            if len(ids) < party:
                continue
            for _ in range(3):  # three looks at a section before trying the next
                start = int(rng.integers(0, len(ids) - party + 1))
                candidates = ids[start:start + party * window]
                free = [seat.seat_id for seat in self.read_seats(candidates) if seat.status is SeatStatus.AVAILABLE]
                if len(free) >= party:
                    return free[:party]
        return None

    @contextmanager
    def seat_locks(self, seat_ids: Sequence[str], timeout: float) -> Iterator[None]:
        """Per-seat locks in sorted order; a taken lock parks the caller on the clock until it frees."""
        token, taken = object(), []
        deadline = self._clock.now() + timeout
        try:
            for seat_id in sorted(seat_ids):
                while self._owners.get(seat_id) is not None:
                    if self._clock.now() >= deadline:
                        raise LockTimeout(f"seat {seat_id}", timeout)
                    self._clock.sleep(min(LOCK_POLL, deadline - self._clock.now()))
                self._owners[seat_id] = token
                taken.append(seat_id)
            yield
        finally:
            for seat_id in taken:
                if self._owners.get(seat_id) is token:
                    del self._owners[seat_id]
