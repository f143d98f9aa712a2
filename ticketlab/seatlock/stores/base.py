"""Where seat state lives, and the one operation that changes it: :meth:`Store.apply`.

Invariant: every change goes through ``apply``, which in one critical section (a lock in
memory, a write transaction in SQLite) checks the change's guards, writes the seats, the
hold and booking rows and the availability counters, and appends the history record with
the next sequence number. A guard that fails changes nothing. So counters always equal the
seat states, and the history order is the order of the writes.

The guards are what a strategy asks for:

- ``guarded``: each seat must be in ``require_status`` and, if HELD, held by this change's
  hold (if SOLD, booked by its booking); a confirm also needs the hold live and unexpired;
- ``expect_versions``: each seat's version must still be the one the writer read (the
  optimistic compare-and-set);
- ``fencing_tokens``: no seat may have seen a newer token than the one this write carries.

A blind write (``guarded=False`` and nothing else) is what the naive strategy does. A Redis
store would implement the same methods with a Lua script per ``apply``.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from ticketlab.core.errors import InputError
from ticketlab.seatlock.errors import LockTimeout
from ticketlab.seatlock.check.history import COUNTER_ORDER, Record, RecordKind
from ticketlab.seatlock.model import Booking, BookingStatus, Event, Hold, Seat, SeatStatus

__all__ = ["Change", "WriteResult", "Store", "MemoryStore"]


class WriteResult(str, Enum):
    OK = "OK"
    CONFLICT = "CONFLICT"  # a status, owner or version guard failed
    STALE_TOKEN = "STALE_TOKEN"  # a newer fencing token was already accepted


@dataclass(slots=True)
class Change:
    """A change a service wants; a strategy adds guards before handing it to ``apply``."""

    kind: RecordKind
    seat_ids: tuple[str, ...]
    to_status: SeatStatus
    at: float
    user: str | None = None
    hold_id: str | None = None
    hold: Hold | None = None  # inserted by a HOLD
    booking: Booking | None = None  # inserted by a CONFIRM, cancelled by a CANCEL
    require_status: SeatStatus | None = None
    guarded: bool = True
    expect_versions: tuple[int, ...] | None = None
    fencing_tokens: tuple[int, ...] = ()
    captured: bool = False  # a CONFIRM that also records its payment's capture, in the same step


def _owner_ok(seat: Seat, change: Change) -> bool:
    if seat.status is not change.require_status:
        return False
    if change.require_status is SeatStatus.HELD:
        return seat.hold_id == change.hold_id
    if change.require_status is SeatStatus.SOLD:
        return change.booking is not None and seat.booking_id == change.booking.booking_id
    return True


class Store(ABC):
    """The interface the booking service and the strategies use."""

    event_id: str

    @abstractmethod
    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        """The ids in ``seat_ids`` that are not in the seat map."""

    @abstractmethod
    def example_seat_id(self) -> str:
        """Any valid seat id (used in error messages)."""

    @abstractmethod
    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        """The current seats, in the order asked."""

    @abstractmethod
    def find_available(self, count: int) -> list[str]:
        """Up to ``count`` AVAILABLE seat ids, first in seat-map order."""

    @abstractmethod
    def get_hold(self, hold_id: str) -> Hold | None:
        """The live hold with that id, or None."""

    @abstractmethod
    def get_booking(self, booking_id: str) -> Booking | None: ...

    @abstractmethod
    def booking_for_hold(self, hold_id: str) -> Booking | None: ...

    @abstractmethod
    def expired_holds(self, now: float) -> list[Hold]:
        """Live holds whose ``expires_at`` <= ``now``."""

    @abstractmethod
    def live_holds(self) -> list[Hold]: ...

    @abstractmethod
    def bookings(self) -> list[Booking]: ...

    @abstractmethod
    def newest_fencing_token(self, seat_id: str) -> int:
        """The newest fencing token a write to this seat carried (-1 if none)."""

    @abstractmethod
    def counters(self) -> dict[SeatStatus, int]:
        """How many seats are in each status (maintained by ``apply``, not recounted)."""

    @abstractmethod
    def apply(self, change: Change) -> WriteResult:
        """Check the guards and write the change atomically, with its history record."""

    @abstractmethod
    def record(self, kind: RecordKind, at: float, **fields) -> int:
        """Append a record that changes no seat (payments, sweeps); returns its seq.

        A payment record is kept once per (kind, payment_id); a repeat returns 0.
        """

    @abstractmethod
    def history(self) -> list[Record]: ...

    @abstractmethod
    def snapshot(self) -> dict[str, Seat]:
        """Every seat, by id."""

    @abstractmethod
    def seat_locks(self, seat_ids: Sequence[str], timeout: float):
        """Context manager: exclusive access to ``seat_ids`` for a read-check-write.

        Raises :class:`~ticketlab.seatlock.errors.LockTimeout` after ``timeout`` seconds.
        """

    def close(self) -> None:
        """Release resources (connections); the default has none."""


class MemoryStore(Store):
    """All state in dicts behind one ``threading.Lock``; thread-safe, one process.

    Seats are stored as frozen :class:`Seat` values, so :meth:`read_seats` hands them out
    without copying and a write replaces them.
    """

    def __init__(self, seats: Iterable[Seat], event_id: str = "event", at: float = 0.0) -> None:
        self.event_id = event_id
        self._lock = threading.Lock()
        self._seats: dict[str, Seat] = {s.seat_id: s for s in seats}
        if not self._seats:
            raise InputError("seats", [], "at least one seat, e.g. small_venue(10).seats()")
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
        self._counts = {s: 0 for s in COUNTER_ORDER}
        for seat in self._seats.values():
            self._counts[seat.status] += 1
        self._history: list[Record] = []
        self._seq = 0
        self._append(Record(0, RecordKind.INIT, at, tuple(self._seats), SeatStatus.AVAILABLE,
                            counters=self._counter_tuple()))

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

    # -- writes ----------------------------------------------------------------------

    def _counter_tuple(self) -> tuple[int, int, int, int]:
        c = self._counts
        return (c[SeatStatus.AVAILABLE], c[SeatStatus.HELD], c[SeatStatus.SOLD], c[SeatStatus.BLOCKED])

    def _append(self, record: Record) -> int:
        self._seq += 1
        self._history.append(Record(self._seq, *_fields_after_seq(record)))
        return self._seq

    def apply(self, change: Change) -> WriteResult:
        ids = change.seat_ids
        with self._lock:
            seats = [self._seats[s] for s in ids]
            verdict = self._check(change, seats)
            if verdict is not WriteResult.OK:
                return verdict
            self._write(change, seats)
            return WriteResult.OK

    def _check(self, change: Change, seats: list[Seat]) -> WriteResult:
        if change.guarded:
            kind = change.kind
            if kind is RecordKind.CONFIRM or kind is RecordKind.RELEASE or kind is RecordKind.EXPIRE:
                hold = self._holds.get(change.hold_id)
                if hold is None or (kind is RecordKind.CONFIRM and change.at >= hold.expires_at):
                    return WriteResult.CONFLICT
            elif kind is RecordKind.CANCEL:
                booking = self._bookings.get(change.booking.booking_id)
                if booking is None or booking.status is not BookingStatus.CONFIRMED:
                    return WriteResult.CONFLICT
            for seat in seats:
                if not _owner_ok(seat, change):
                    return WriteResult.CONFLICT
        if change.expect_versions is not None:
            for seat, version in zip(seats, change.expect_versions):
                if seat.version != version:
                    return WriteResult.CONFLICT
        if change.fencing_tokens:
            fences = self._fences
            for seat, token in zip(seats, change.fencing_tokens):
                if token < fences.get(seat.seat_id, -1):
                    return WriteResult.STALE_TOKEN
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
            store[seat.seat_id] = Seat(seat.seat_id, seat.section, seat.row, seat.number, seat.price_cents,
                                       to, seat.version + 1, hold_id, booking_id)
        if to is SeatStatus.AVAILABLE:
            first = min(self._position[s.seat_id] for s in seats) if seats else self._first_free
            self._first_free = min(self._first_free, first)
        if change.fencing_tokens:
            fences = self._fences
            for seat, token in zip(seats, change.fencing_tokens):
                if token > fences.get(seat.seat_id, -1):
                    fences[seat.seat_id] = token
        kind = change.kind
        hold = change.hold
        booking = change.booking
        expires_at = None
        if kind is RecordKind.HOLD:
            self._holds[hold.hold_id] = hold
            expires_at = hold.expires_at
        elif kind is RecordKind.CONFIRM:
            self._holds.pop(change.hold_id, None)
            self._bookings[booking.booking_id] = booking
            self._booking_of_hold[change.hold_id] = booking.booking_id
            if change.captured and (RecordKind.PAYMENT_CAPTURED, booking.payment_id) not in self._payment_facts:
                self._payment_facts.add((RecordKind.PAYMENT_CAPTURED, booking.payment_id))
                self._seq += 1
                self._history.append(Record(self._seq, RecordKind.PAYMENT_CAPTURED, change.at, user=change.user,
                                            hold_id=change.hold_id, amount_cents=booking.amount_cents,
                                            payment_id=booking.payment_id))
        elif kind is RecordKind.RELEASE or kind is RecordKind.EXPIRE:
            self._holds.pop(change.hold_id, None)
        elif kind is RecordKind.CANCEL:
            old = self._bookings[booking.booking_id]
            self._bookings[booking.booking_id] = Booking(
                old.booking_id, old.hold_id, old.user, old.seat_ids, old.amount_cents,
                BookingStatus.CANCELLED, old.created_at, old.payment_id, old.confirmed_at, change.at)
        self._seq += 1
        self._history.append(Record(
            self._seq, kind, change.at, change.seat_ids, to, change.user, change.hold_id,
            booking.booking_id if booking else None, expires_at, change.fencing_tokens,
            booking.amount_cents if booking else (hold.amount_cents if hold else 0),
            booking.payment_id if booking else None, self._counter_tuple()))

    def record(self, kind: RecordKind, at: float, **fields) -> int:
        payment_id = fields.get("payment_id")
        with self._lock:
            if payment_id is not None:  # a payment fact is recorded once, whoever learns it
                if (kind, payment_id) in self._payment_facts:
                    return 0
                self._payment_facts.add((kind, payment_id))
            return self._append(Record(0, kind, at, **fields))

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


def _fields_after_seq(record: Record) -> tuple:
    return (record.kind, record.at, record.seat_ids, record.to_status, record.user, record.hold_id,
            record.booking_id, record.expires_at, record.fencing_tokens, record.amount_cents,
            record.payment_id, record.counters, record.skipped)
