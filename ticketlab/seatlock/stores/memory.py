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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.errors import LockTimeout
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, PaymentIntent, Seat, SeatStatus
from ticketlab.seatlock.stores.base import (
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


class MemoryStore(Store):
    """All state in dicts behind one ``threading.Lock``; thread-safe, one process.

    Seats are stored as frozen :class:`Seat` values, so :meth:`read_seats` hands them out
    without copying and a write replaces them.
    """

    def __init__(self, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0) -> None:
        self.event_id = event_id
        self._lock = threading.Lock()
        self._seats: dict[str, Seat] = {s.seat_id: s for s in seat_map(seats)}
        # find_available scans from the first seat that may be AVAILABLE; seats sell roughly
        # front to back, so the scan skips the sold part of the map instead of re-reading it
        self._order = list(self._seats)
        self._position = {seat_id: i for i, seat_id in enumerate(self._order)}
        self._first_free = 0
        self._seat_locks = {sid: threading.Lock() for sid in self._seats}
        self._holds: dict[str, Hold] = {}
        self._bookings: dict[str, Booking] = {}
        self._booking_of_hold: dict[str, str] = {}
        self._fences: dict[str, int] = {}  # newest fencing token accepted per seat
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
        return [s for s in seat_ids if s not in self._seats]

    def example_seat_id(self) -> str:
        return next(iter(self._seats))

    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        seats = self._seats
        return [seats[s] for s in seat_ids]  # each Seat is immutable; the dict read is atomic

    def find_available(self, count: int) -> list[str]:
        found: list[str] = []
        with self._lock:
            order, seats, available = self._order, self._seats, SeatStatus.AVAILABLE
            i = self._first_free
            while i < len(order) and seats[order[i]].status is not available:
                i += 1
            self._first_free = i
            while i < len(order) and len(found) < count:
                if seats[order[i]].status is available:
                    found.append(order[i])
                i += 1
        return found

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
        return (c[SeatStatus.AVAILABLE], c[SeatStatus.HELD], c[SeatStatus.SOLD], c[SeatStatus.BLOCKED])

    def apply(self, change: Change) -> WriteResult:
        ids = change.seat_ids
        with self._lock:
            seats = [self._seats[s] for s in ids]
            verdict = first_refusal(change, seats, self._fences, self._holds, self._bookings)
            if verdict is not WriteResult.OK:
                return verdict
            payment = change.payment
            if payment is not None and payment_refused(payment, self._payments.get(payment.payment_id)):
                return WriteResult.CONFLICT
            self._write(change, seats)
            return WriteResult.OK

    def _write(self, change: Change, seats: list[Seat]) -> None:
        to = change.to_status
        hold_id = change.hold_id if to is SeatStatus.HELD else None
        booking_id = change.booking.booking_id if (to is SeatStatus.SOLD and change.booking) else None
        counts = self._counts
        store = self._seats
        for seat in seats:
            counts[seat.status] -= 1
            counts[to] += 1
            # positional: this is the hot path, and binding nine keywords costs more
            store[seat.seat_id] = Seat(seat.seat_id, seat.section, seat.row, seat.number, seat.price_cents,
                                       to, seat.version + 1, hold_id, booking_id)
        if to is SeatStatus.AVAILABLE:
            first = min(self._position[s.seat_id] for s in seats) if seats else self._first_free
            self._first_free = min(self._first_free, first)
        if change.fencing_tokens:  # the FENCING guard passed: each token is the newest
            fences = self._fences
            for seat, token in zip(seats, change.fencing_tokens):
                fences[seat.seat_id] = token
        kind = change.kind
        if kind is RecordKind.HOLD:
            self._holds[change.hold.hold_id] = change.hold
        elif kind is RecordKind.CONFIRM:
            booking = change.booking
            self._holds.pop(change.hold_id, None)
            self._bookings[booking.booking_id] = booking
            self._booking_of_hold[change.hold_id] = booking.booking_id
            if change.captured and (RecordKind.PAYMENT_CAPTURED, booking.payment_id) not in self._payment_facts:
                self._payment_facts.add((RecordKind.PAYMENT_CAPTURED, booking.payment_id))
                self._seq += 1
                self._history.append(capture_record(change, self._seq))
        elif kind is RecordKind.RELEASE or kind is RecordKind.EXPIRE:
            self._holds.pop(change.hold_id, None)
        elif kind is RecordKind.CANCEL:
            booking_id = change.booking.booking_id
            self._bookings[booking_id] = replace(self._bookings[booking_id], status=BookingStatus.CANCELLED,
                                                 cancelled_at=change.at)
        if change.payment is not None:
            self._move(change.payment, change.at)
        self._seq += 1
        self._history.append(change_record(change, self._seq, self._counter_tuple()))

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
