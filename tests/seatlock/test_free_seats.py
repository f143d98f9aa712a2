"""find_available keeps answering "the first free seats in map order" as seats are taken and freed."""

from __future__ import annotations

import random

from ticketlab.seatlock import MemoryStore, SeatStatus, small_venue
from ticketlab.seatlock.check.history import RecordKind
from ticketlab.seatlock.stores.base import Change


def _first_free(store: MemoryStore, count: int) -> list[str]:
    return [s.seat_id for s in store.snapshot().values() if s.status is SeatStatus.AVAILABLE][:count]


def test_find_available_matches_a_scan_of_the_map_through_blocks_and_unblocks():
    store, rng = MemoryStore(small_venue(60).seats()), random.Random(3)
    ids = list(store.snapshot())
    for _ in range(400):
        seat = rng.choice(ids)
        kind = RecordKind.BLOCK if store.snapshot()[seat].status is SeatStatus.AVAILABLE else RecordKind.UNBLOCK
        store.apply(Change(kind, (seat,), 0.0, user="venue"))
        count = rng.randint(1, 6)
        assert store.find_available(count) == _first_free(store, count)
        assert store.find_available(count) == _first_free(store, count)  # a read takes nothing


def test_find_available_returns_what_is_left_when_fewer_seats_are_free():
    store = MemoryStore(small_venue(5).seats())
    ids = list(store.snapshot())
    store.apply(Change(RecordKind.BLOCK, tuple(ids[:4]), 0.0, user="venue"))
    assert store.find_available(3) == [ids[4]]
    store.apply(Change(RecordKind.UNBLOCK, (ids[1],), 0.0, user="venue"))
    store.apply(Change(RecordKind.BLOCK, (ids[1],), 0.0, user="venue"))
    store.apply(Change(RecordKind.UNBLOCK, (ids[1],), 0.0, user="venue"))  # freed twice: one answer
    assert store.find_available(3) == [ids[1], ids[4]]
