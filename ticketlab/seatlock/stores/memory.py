"""Seat state in dicts in one process: the store the demonstrations and most tests use.

Invariant: one ``threading.Lock`` is the critical section of :meth:`MemoryStore.apply`;
under it the guards of :func:`~ticketlab.seatlock.stores.base.first_refusal` are evaluated
against the current seats, and only if all pass are the seats, holds, bookings, counters,
fencing tokens, payment intents and history written. Nothing is written before the last
guard passes, so a refused change leaves every dict as it was.
"""

from __future__ import annotations

import threading
import time
from heapq import heappop, heappush
from itertools import filterfalse
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.errors import LockTimeout
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, PaymentIntent, Seat, SeatStatus
from ticketlab.seatlock.values import maker
from ticketlab.seatlock.stores.base import (
    TRANSITIONS,
    Change,
    PaymentStep,
    Store,
    WriteResult,
    capture_record,
    change_record,
    first_refusal,
    payment_kinds,
    payment_record,
    payment_refused,
    seat_map,
)

__all__ = ["MemoryStore"]

_AVAILABLE, _HELD, _SOLD, _BLOCKED = COUNTER_ORDER
_HOLD, _CONFIRM, _RELEASE, _EXPIRE = RecordKind.HOLD, RecordKind.CONFIRM, RecordKind.RELEASE, RecordKind.EXPIRE
_CAPTURED = RecordKind.PAYMENT_CAPTURED
_OK = WriteResult.OK
_TO_STATUS = {kind: transition.to for kind, transition in TRANSITIONS.items()}
_seat = maker(Seat)


class MemoryStore(Store):
    """All state in dicts behind one ``threading.Lock``; thread-safe, one process.

    Seats are stored as frozen :class:`Seat` values, so :meth:`read_seats` hands them out
    without copying and a write replaces them.
    """

    def __init__(self, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0) -> None:
        self.event_id = event_id
        self._lock = threading.Lock()
        self._seats: dict[str, Seat] = {s.seat_id: s for s in seat_map(seats)}
        self.prices = {seat_id: seat.price_cents for seat_id, seat in self._seats.items()}
        # find_available reads a heap of seat-map positions that may be AVAILABLE: a seat that frees
        # up is pushed, a taken one is dropped when it surfaces (lazy deletion), so a lookup costs
        # O(count log n) instead of a scan over the sold part of the map
        self._order = list(self._seats)
        self._position = {seat_id: i for i, seat_id in enumerate(self._order)}
        self._free = [i for i, seat_id in enumerate(self._order)
                      if self._seats[seat_id].status is SeatStatus.AVAILABLE]  # ascending: already a heap
        self._seat_locks = {sid: threading.Lock() for sid in self._seats}
        self._holds: dict[str, Hold] = {}
        self._bookings: dict[str, Booking] = {}
        self._booking_of_hold: dict[str, str] = {}
        self._fences: dict[str, int] = {}  # each seat's fencing bar: newest accepted, or newest issued - 1
        self._issued: dict[str, int] = {}  # newest fencing token issued per seat
        self._payment_facts: set[tuple[RecordKind, str]] = set()
        self._payments: dict[str, PaymentIntent] = {}
        self._counts = {s: 0 for s in COUNTER_ORDER}
        for seat in self._seats.values():
            self._counts[seat.status] += 1
        self._history: list[Record] = [
            Record(seq=1, kind=RecordKind.INIT, at=at, seat_ids=tuple(self._seats),
                   to_status=SeatStatus.AVAILABLE, counters=self._counter_tuple())]
        self._seq = 1

    @classmethod
    def for_event(cls, event: Event, at: float = 0.0) -> "MemoryStore":
        """A store holding ``event``'s seat map, every seat AVAILABLE."""
        return cls(event.seats(), event_id=event.event_id, at=at)

    # -- reads -----------------------------------------------------------------------

    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        return list(filterfalse(self._seats.__contains__, seat_ids))  # in C: no frame per hold

    def example_seat_id(self) -> str:
        return next(iter(self._seats))

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        return list(map(self._seats.__getitem__, seat_ids))  # each Seat is immutable; the dict read is atomic

    def find_available(self, count: int) -> list[str]:
        found: list[int] = []
        with self._lock:
            free, order, seats, available = self._free, self._order, self._seats, SeatStatus.AVAILABLE
            while free and len(found) < count:
                i = heappop(free)
                if found and found[-1] == i:
                    continue  # a seat freed twice has two entries; they pop together
                if seats[order[i]].status is available:
                    found.append(i)
            for i in found:  # a read: what was found stays free until a write takes it
                heappush(free, i)
        return [order[i] for i in found]

    def get_hold(self, hold_id: str) -> Hold | None:
        return self._holds.get(hold_id)

    def get_booking(self, booking_id: str) -> Booking | None:
        return self._bookings.get(booking_id)

    def booking_for_hold(self, hold_id: str) -> Booking | None:
        booking_id = self._booking_of_hold.get(hold_id)
        return self._bookings.get(booking_id) if booking_id else None

    def expired_holds(self, now: float) -> list[Hold]:
        with self._lock:
            return [h for h in self._holds.values() if h.expires_at <= now]

    def live_holds(self) -> list[Hold]:
        with self._lock:
            return list(self._holds.values())

    def bookings(self) -> list[Booking]:
        with self._lock:
            return list(self._bookings.values())

    def newest_fencing_token(self, seat_id: str) -> int:
        return self._fences.get(seat_id, -1)

    def issue_fencing_tokens(self, seat_ids: Sequence[str]) -> tuple[int, ...]:
        tokens = []
        with self._lock:
            fences, issued = self._fences, self._issued
            for seat_id in seat_ids:
                bar = max(issued.get(seat_id, 0), fences.get(seat_id, -1))
                issued[seat_id] = bar + 1
                fences[seat_id] = bar  # every older token is now stale
                tokens.append(bar + 1)
        return tuple(tokens)

    def counters(self) -> dict[SeatStatus, int]:
        with self._lock:
            return dict(self._counts)

    def history(self) -> list[Record]:
        with self._lock:
            return list(self._history)

    def snapshot(self) -> dict[str, Seat]:
        with self._lock:
            return dict(self._seats)

    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def get_payment(self, payment_id: str) -> PaymentIntent | None:
        return self._payments.get(payment_id)

    def open_payments(self) -> list[PaymentIntent]:
        with self._lock:
            return [p for p in self._payments.values() if p.state.open]

    # -- writes ----------------------------------------------------------------------

    def _counter_tuple(self) -> tuple[int, int, int, int]:
        c = self._counts
        return (c[_AVAILABLE], c[_HELD], c[_SOLD], c[_BLOCKED])

    def apply(self, change: Change) -> WriteResult:
        ids = change.seat_ids
        with self._lock:
            seats = list(map(self._seats.__getitem__, ids))
            verdict = first_refusal(change, seats, self._fences, self._holds, self._bookings)
            if verdict is not _OK:
                return verdict
            payment = change.payment
            if payment is not None and payment_refused(payment, self._payments.get(payment.payment_id)):
                return WriteResult.CONFLICT
            self._write(change, seats)
            return _OK

    def _write(self, change: Change, seats: list[Seat]) -> None:
        # statuses and kinds are read from module constants: an Enum member looked up on its class
        # is a descriptor call, and this runs once per write
        kind = change.kind
        to = _TO_STATUS[kind]
        hold_id = change.hold_id if to is _HELD else None
        booking_id = change.booking.booking_id if (to is _SOLD and change.booking) else None
        counts = self._counts
        store = self._seats
        for seat in seats:
            counts[seat.status] -= 1
            counts[to] += 1
            store[seat.seat_id] = _seat(seat.seat_id, seat.section, seat.row, seat.number, seat.price_cents,
                                        to, seat.version + 1, hold_id, booking_id)
        if to is _AVAILABLE:
            position, free = self._position, self._free
            for seat in seats:
                heappush(free, position[seat.seat_id])
        if change.fencing_tokens:  # the FENCING guard passed: each token is the newest
            fences = self._fences
            for seat, token in zip(seats, change.fencing_tokens):
                fences[seat.seat_id] = token
        if kind is _HOLD:
            self._holds[change.hold.hold_id] = change.hold
        elif kind is _CONFIRM:
            booking = change.booking
            self._holds.pop(change.hold_id, None)
            self._bookings[booking.booking_id] = booking
            self._booking_of_hold[change.hold_id] = booking.booking_id
            fact = (_CAPTURED, booking.payment_id)
            if change.captured and fact not in self._payment_facts:
                self._payment_facts.add(fact)
                self._seq += 1
                self._history.append(capture_record(change, self._seq))
        elif kind is _RELEASE or kind is _EXPIRE:
            self._holds.pop(change.hold_id, None)
        elif kind is RecordKind.CANCEL:
            booking_id = change.booking.booking_id
            self._bookings[booking_id] = replace(self._bookings[booking_id], status=BookingStatus.CANCELLED,
                                                 cancelled_at=change.at)
        if change.payment is not None:
            self._move(change.payment, change.at)
        self._seq += 1
        self._history.append(change_record(change, self._seq, (counts[_AVAILABLE], counts[_HELD], counts[_SOLD],
                                                               counts[_BLOCKED])))

    def _move(self, step: PaymentStep, at: float) -> None:
        """Write a payment step whose guard passed, with its records (each fact once)."""
        intent = step.intent
        if intent is None:
            return
        self._payments[step.payment_id] = intent
        for kind in payment_kinds(step):
            fact = (kind, intent.payment_id)
            if fact not in self._payment_facts:
                self._payment_facts.add(fact)
                self._seq += 1
                self._history.append(payment_record(kind, intent, at, self._seq))

    def move_payment(self, step: PaymentStep, at: float, live_hold: str | None = None) -> bool:
        with self._lock:
            if payment_refused(step, self._payments.get(step.payment_id)):
                return False
            if live_hold is not None:
                hold = self._holds.get(live_hold)
                if hold is None or at >= hold.expires_at:
                    return False
            self._move(step, at)
            return True

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        payment_id = fields.get("payment_id")
        with self._lock:
            if payment_id is not None:  # a payment fact is recorded once, whoever learns it
                if (kind, payment_id) in self._payment_facts:
                    return 0
                self._payment_facts.add((kind, payment_id))
            self._seq += 1
            self._history.append(Record(seq=self._seq, kind=kind, at=at, **fields))
            return self._seq

    # -- pessimistic locking ---------------------------------------------------------

    @contextmanager
    def seat_locks(self, seat_ids: Sequence[str], timeout: float) -> Iterator[None]:
        """Per-seat ``threading.Lock``s, taken in sorted order so two callers cannot deadlock.

        The wait is real time (threads really block), whatever clock the service uses.
        """
        taken: list[threading.Lock] = []
        deadline = time.monotonic() + timeout
        try:
            for seat_id in sorted(seat_ids):
                lock = self._seat_locks[seat_id]
                if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    raise LockTimeout(f"seat {seat_id}", timeout)
                taken.append(lock)
            yield
        finally:
            for lock in reversed(taken):
                lock.release()
