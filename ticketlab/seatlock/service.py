"""The booking service: hold seats, pay, confirm, release, cancel, block, sweep.

Invariants it keeps, whatever the strategy underneath:

- a hold takes all its seats or none, and the seats are processed in sorted order;
- bad input raises a specific error before anything is written;
- the hold or booking handed back is the one in the change the store applied (the
  strategy's :class:`~ticketlab.seatlock.strategies.WriteOutcome`), never a copy built aside;
- money the gateway captured ends up in a confirmed booking or is refunded: a payment that
  lands after the hold expired, or a confirm that fails after payment, is refunded and the
  seats released (the compensating transaction);
- the sweeper releases expired holds, but first asks the gateway whether their payment is
  still pending, and leaves those alone;
- the timeout cascade ``hold_ttl > lock_ttl > http_timeout > db_timeout`` is checked when
  the service is built (:mod:`ticketlab.core.timing`).

Whether two users can both win one seat is decided by the strategy, not here: the service
with :class:`~ticketlab.seatlock.strategies.NaiveStrategy` is the broken baseline.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ticketlab.core.errors import InputError
from ticketlab.core.timing import check_cascade
from ticketlab.seatlock.clock import Clock, RealClock, seconds
from ticketlab.seatlock.errors import (
    AlreadyConfirmed,
    BookingNotFound,
    ConfirmFailed,
    HoldExpired,
    HoldNotFound,
    InvalidSeatRequest,
    LockServiceUnavailable,
    LockTimeout,
    LostRace,
    NotHoldOwner,
    PaymentDeclined,
    PaymentOutcomeUnknown,
    SeatBlocked,
    SeatNotFound,
    SeatUnavailable,
    SoldOut,
    StaleFencingToken,
)
from ticketlab.seatlock.check.history import CheckReport, RecordKind, check_history
from ticketlab.seatlock.model import Booking, BookingStatus, Hold, Seat, SeatStatus
from ticketlab.seatlock.payments import FakePaymentGateway, PaymentGateway, PaymentOutcome
from ticketlab.seatlock.stores.base import TRANSITIONS, Change, Store, WriteResult
from ticketlab.seatlock.strategies.base import Strategy
from ticketlab.seatlock.strategies.optimistic import OptimisticStrategy
from ticketlab.seatlock.values import maker

__all__ = ["BookingService", "ServiceStats", "SweepResult", "DEFAULT_HOLD_TTL"]

#: The source's booking expiry: 10 minutes to pay.
DEFAULT_HOLD_TTL = 600.0

_CONTENTION = (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken)
_hold = maker(Hold)  # every hold is built here: positional, without the frozen __init__'s per-field lookups
# a confirm that fails after the payment for one of these refunds it (an outage is not contention)
_NOT_WRITTEN = (*_CONTENTION, LockServiceUnavailable)


class ServiceStats:
    """Thread-safe counters of what happened (for the race demo and the benchmarks)."""

    FIELDS = ("holds", "bookings", "conflicts", "retries", "lock_timeouts", "stale_tokens",
              "lost_leases", "expired", "refunds", "declined", "unknown_payments")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        for name in self.FIELDS:
            setattr(self, name, 0)

    def add(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def count_write(self, kind: str, retries: int, lost_leases: int) -> None:
        """One successful hold or booking (the hot path: no keyword unpacking)."""
        with self._lock:
            if kind == "holds":
                self.holds += 1
            else:
                self.bookings += 1
            self.retries += retries
            self.lost_leases += lost_leases

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {name: getattr(self, name) for name in self.FIELDS}


@dataclass(frozen=True)
class SweepResult:
    released: tuple[str, ...]
    skipped: tuple[str, ...]  # payment still pending, or a confirm in flight
    refunded: tuple[str, ...]


class BookingService:
    """Seat booking over a :class:`Store`, protected by a :class:`Strategy`.

    ``hold_ttl`` is how long a hold lives by default (10 min); ``http_timeout`` (one request,
    and the payment call inside it) and ``db_timeout`` (one statement) are the inner layers of
    the timeout cascade; the strategy supplies ``lock_ttl``. Durations are seconds or strings
    such as ``"10 min"``. Raises :class:`~ticketlab.core.errors.CascadeError` if the cascade is
    upside down and :class:`~ticketlab.seatlock.errors.InvalidTTL` (an ``InputError``) for a duration
    that is not positive.
    """

    def __init__(self, store: Store, strategy: Strategy | None = None, clock: Clock | None = None,
                 payments: PaymentGateway | None = None, hold_ttl: float = DEFAULT_HOLD_TTL,
                 http_timeout: float = 10.0, db_timeout: float = 5.0) -> None:
        _check_parts(store, strategy, clock, payments)
        self.store = store
        self.clock = clock or RealClock()
        self.strategy = strategy or OptimisticStrategy()
        self.payments = payments or FakePaymentGateway(self.clock)
        self.hold_ttl = seconds("hold_ttl", hold_ttl)
        self.http_timeout = seconds("http_timeout", http_timeout)
        self.db_timeout = seconds("db_timeout", db_timeout)
        check_cascade([("booking_hold", self.hold_ttl), ("lock_ttl", self.strategy.lock_ttl),
                       ("http_call", self.http_timeout), ("db_statement", self.db_timeout)])
        self.stats = ServiceStats()
        self._prefix = uuid.uuid4().hex[:8]  # ids stay unique across processes sharing a store
        self._ids = itertools.count(1)
        self._in_flight: set[str] = set()
        self._in_flight_lock = threading.Lock()

    # -- holding ---------------------------------------------------------------------

    def hold_seats(self, user: str, seat_ids: Sequence[str], ttl: float | None = None) -> Hold:
        """Hold every seat in ``seat_ids`` for ``user`` for ``ttl`` (default ``hold_ttl``), or none.

        A per-hold ``ttl`` is not checked against the timeout cascade (tests use short ones).

        Raises :class:`InvalidSeatRequest`, :class:`SeatNotFound`, :class:`InvalidTTL` for bad
        input; :class:`SeatUnavailable` (:class:`SeatBlocked`) if a seat is not AVAILABLE;
        and the strategy's :class:`LostRace`, :class:`LockTimeout`, :class:`StaleFencingToken`.
        """
        _check_user(user)
        ids = self._validate_seats(seat_ids)
        ttl = self.hold_ttl if ttl is None else seconds("ttl", ttl)
        hold_id = f"h-{self._prefix}-{next(self._ids)}"
        clock = self.clock

        def check(seats: list[Seat]) -> None:
            if any(s.status is not SeatStatus.AVAILABLE for s in seats):
                taken = {s.seat_id: s.status.value for s in seats if s.status is not SeatStatus.AVAILABLE}
                error = SeatBlocked if SeatStatus.BLOCKED.value in taken.values() else SeatUnavailable
                raise error(taken)

        def build(seats: list[Seat], tokens: tuple[int, ...], **guards) -> Change:
            now = clock.now()
            hold = _hold(hold_id, user, ids, now, now + ttl, sum(s.price_cents for s in seats), tokens)
            return Change(RecordKind.HOLD, ids, now, user=user, hold_id=hold_id, hold=hold, **guards)

        try:
            outcome = self.strategy.write(self.store, ids, check, build, clock)
        except _CONTENTION as error:
            self._count_failure(error)
            raise
        self.stats.count_write("holds", outcome.retries, outcome.lost_leases)
        return outcome.change.hold

    def hold_any(self, user: str, count: int = 1, ttl: float | None = None, attempts: int = 20) -> Hold:
        """Hold ``count`` AVAILABLE seats (first in seat-map order), trying again on contention.

        Raises :class:`InvalidSeatRequest` for a ``count`` or ``attempts`` that is not a whole
        number >= 1, :class:`SoldOut` when fewer than ``count`` seats are AVAILABLE, and the
        last contention error after ``attempts`` tries.
        """
        for name, value, example in (("count", count, "a whole number of seats >= 1, e.g. 2"),
                                     ("attempts", attempts, "a whole number of tries >= 1, e.g. 20")):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidSeatRequest(name, value, example)
        attempt = 1
        while True:
            ids = self.store.find_available(count)
            if len(ids) < count:
                raise SoldOut(count, len(ids))
            try:
                return self.hold_seats(user, ids, ttl)
            except _CONTENTION:
                if attempt == attempts:
                    raise
                attempt += 1

    # -- paying ----------------------------------------------------------------------

    def confirm(self, hold_id: str, user: str) -> Booking:
        """Charge ``user`` for hold ``hold_id`` and mark its seats SOLD.

        Raises :class:`HoldNotFound`, :class:`NotHoldOwner`, :class:`AlreadyConfirmed` (state
        untouched); :class:`HoldExpired` (refunded if money moved); :class:`PaymentDeclined`
        (hold released); :class:`PaymentOutcomeUnknown` (hold kept for the sweeper);
        :class:`ConfirmFailed` (money refunded, seats released).
        """
        _check_user(user)
        _check_id("hold_id", hold_id)
        hold = self.store.get_hold(hold_id)
        if hold is None:
            booking = self.store.booking_for_hold(hold_id)
            if booking is not None:
                raise AlreadyConfirmed(hold_id, booking.booking_id)
            raise HoldNotFound(hold_id)
        if hold.user != user:
            raise NotHoldOwner(hold_id, user, hold.user)
        now = self.clock.now()
        if hold.expired(now):
            raise HoldExpired(hold_id, hold.expires_at, now)
        with self._in_flight_lock:
            if hold_id in self._in_flight:
                raise AlreadyConfirmed(hold_id, f"b-{hold_id} (in progress)")
            self._in_flight.add(hold_id)
        try:
            return self._pay_and_confirm(hold)
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(hold_id)

    def _pay_and_confirm(self, hold: Hold) -> Booking:
        store, clock = self.store, self.clock
        payment_id = f"pay-{hold.hold_id}"
        result = self.payments.charge(payment_id, hold.user, hold.amount_cents, self.http_timeout)
        if result.outcome is PaymentOutcome.DECLINED:
            store.record(RecordKind.PAYMENT_DECLINED, clock.now(), user=hold.user, hold_id=hold.hold_id,
                         payment_id=payment_id, amount_cents=hold.amount_cents)
            self._end_hold(hold, RecordKind.RELEASE)
            self.stats.add(declined=1)
            raise PaymentDeclined(f"payment {payment_id} was declined; hold {hold.hold_id} released")
        if result.outcome is not PaymentOutcome.CAPTURED:
            store.record(RecordKind.PAYMENT_UNKNOWN, clock.now(), user=hold.user, hold_id=hold.hold_id,
                         payment_id=payment_id, amount_cents=hold.amount_cents)
            self.stats.add(unknown_payments=1)
            raise PaymentOutcomeUnknown(
                f"no answer from the gateway for {payment_id} within {self.http_timeout:g} s; the hold "
                "is kept and the sweeper will ask the gateway before releasing it")
        now = clock.now()
        if hold.expired(now):  # the money arrived too late: give it back
            self._compensate(hold, payment_id)
            raise HoldExpired(hold.hold_id, hold.expires_at, now, refunded=True)

        booking_id = f"b-{hold.hold_id}"

        def check(seats: list[Seat]) -> None:
            live = store.get_hold(hold.hold_id)
            t = clock.now()
            if live is None or live.expired(t):
                raise HoldExpired(hold.hold_id, hold.expires_at, t)

        def build(seats: list[Seat], tokens: tuple[int, ...], **guards) -> Change:
            t = clock.now()
            booking = Booking(booking_id, hold.hold_id, hold.user, hold.seat_ids, hold.amount_cents,
                              BookingStatus.CONFIRMED, hold.created_at, payment_id, t)
            # the capture is recorded in the same step as the booking that it pays for
            return Change(RecordKind.CONFIRM, hold.seat_ids, t, user=hold.user, hold_id=hold.hold_id,
                          booking=booking, captured=True, **guards)

        try:
            outcome = self.strategy.write(store, hold.seat_ids, check, build, clock)
        except HoldExpired as error:
            self._compensate(hold, payment_id)
            raise HoldExpired(hold.hold_id, hold.expires_at, error.now, refunded=True) from None
        except _NOT_WRITTEN as error:
            self._count_failure(error)
            self._compensate(hold, payment_id)
            raise ConfirmFailed(
                f"paid for hold {hold.hold_id} but could not mark its seats SOLD ({error}); "
                f"payment {payment_id} refunded and the seats released") from error
        self.stats.count_write("bookings", outcome.retries, outcome.lost_leases)
        return outcome.change.booking

    def _compensate(self, hold: Hold, payment_id: str) -> None:
        """Record the capture, refund it, and release whatever seats the hold still has."""
        self.store.record(RecordKind.PAYMENT_CAPTURED, self.clock.now(), user=hold.user, hold_id=hold.hold_id,
                          payment_id=payment_id, amount_cents=hold.amount_cents)
        if self.payments.refund(payment_id):
            self.store.record(RecordKind.PAYMENT_REFUNDED, self.clock.now(), user=hold.user,
                              hold_id=hold.hold_id, payment_id=payment_id, amount_cents=hold.amount_cents)
            self.stats.add(refunds=1)
        self._end_hold(hold, RecordKind.EXPIRE if hold.expired(self.clock.now()) else RecordKind.RELEASE)

    # -- releasing -------------------------------------------------------------------

    def release(self, hold_id: str, user: str) -> None:
        """Give a hold's seats back before it expires. Raises :class:`HoldNotFound`,
        :class:`NotHoldOwner`, and :class:`AlreadyConfirmed` if the hold was (or, racing this
        call, became) a booking: then nothing is released and the booking stands."""
        _check_user(user)
        _check_id("hold_id", hold_id)
        hold = self.store.get_hold(hold_id)
        if hold is None:
            self._raise_gone(hold_id)
        if hold.user != user:
            raise NotHoldOwner(hold_id, user, hold.user)
        if not self._end_hold(hold, RecordKind.RELEASE):
            self._raise_gone(hold_id)  # a confirm (or the sweeper) ended the hold first

    def _raise_gone(self, hold_id: str) -> None:
        booking = self.store.booking_for_hold(hold_id)
        if booking is not None:
            raise AlreadyConfirmed(hold_id, booking.booking_id)
        raise HoldNotFound(hold_id)

    def _end_hold(self, hold: Hold, kind: RecordKind) -> bool:
        """Release the seats still held by ``hold`` and drop it; False if it was already gone."""
        for _ in range(5):
            seats = self.store.read_seats(hold.seat_ids)
            mine = tuple(s.seat_id for s in seats if s.status is SeatStatus.HELD and s.hold_id == hold.hold_id)
            change = Change(kind, mine, self.clock.now(), user=hold.user, hold_id=hold.hold_id)
            if self.store.apply(change) is WriteResult.OK:
                return True
            if self.store.get_hold(hold.hold_id) is None:
                return False
        return False

    def sweep_expired(self) -> SweepResult:
        """Release every hold past its ``expires_at``, unless its payment may still land.

        A payment the gateway reports PENDING (or a confirm running in this process) keeps
        the hold; a payment that was captured without a booking is refunded first.
        """
        now = self.clock.now()
        released, skipped, refunded = [], [], []
        for hold in self.store.expired_holds(now):
            payment_id = f"pay-{hold.hold_id}"
            with self._in_flight_lock:
                busy = hold.hold_id in self._in_flight
            status = self.payments.status(payment_id)
            if busy or status is PaymentOutcome.PENDING:
                skipped.append(hold.hold_id)
                continue
            if status is PaymentOutcome.CAPTURED:  # an unknown outcome that did take the money
                self.store.record(RecordKind.PAYMENT_CAPTURED, now, user=hold.user, hold_id=hold.hold_id,
                                  payment_id=payment_id, amount_cents=hold.amount_cents)
                if self.payments.refund(payment_id):
                    self.store.record(RecordKind.PAYMENT_REFUNDED, now, user=hold.user, hold_id=hold.hold_id,
                                      payment_id=payment_id, amount_cents=hold.amount_cents)
                    refunded.append(hold.hold_id)
                    self.stats.add(refunds=1)
            elif status is PaymentOutcome.DECLINED:
                self.store.record(RecordKind.PAYMENT_DECLINED, now, user=hold.user, hold_id=hold.hold_id,
                                  payment_id=payment_id, amount_cents=hold.amount_cents)
            if self._end_hold(hold, RecordKind.EXPIRE):
                released.append(hold.hold_id)
        self.store.record(RecordKind.SWEEP, now, skipped=tuple(skipped))
        self.stats.add(expired=len(released))
        return SweepResult(tuple(released), tuple(skipped), tuple(refunded))

    # -- after the sale --------------------------------------------------------------

    def cancel(self, booking_id: str, user: str) -> Booking:
        """Cancel a confirmed booking: seats back to AVAILABLE, payment refunded."""
        _check_user(user)
        _check_id("booking_id", booking_id)
        booking = self.store.get_booking(booking_id)
        if booking is None:
            raise BookingNotFound(booking_id)
        if booking.user != user:
            raise NotHoldOwner(booking.hold_id, user, booking.user)
        if booking.status is not BookingStatus.CONFIRMED:
            raise InvalidSeatRequest("booking_id", booking_id,
                                     f"a CONFIRMED booking (this one is {booking.status.value})")
        change = Change(RecordKind.CANCEL, booking.seat_ids, self.clock.now(), user=user,
                        hold_id=booking.hold_id, booking=booking)
        if self.store.apply(change) is not WriteResult.OK:
            raise InvalidSeatRequest("booking_id", booking_id, "a booking whose seats are still SOLD to it")
        if self.payments.refund(booking.payment_id):
            self.store.record(RecordKind.PAYMENT_REFUNDED, self.clock.now(), user=user,
                              hold_id=booking.hold_id, payment_id=booking.payment_id,
                              amount_cents=booking.amount_cents)
            self.stats.add(refunds=1)
        return self.store.get_booking(booking_id)

    def block(self, seat_ids: Sequence[str]) -> None:
        """Take AVAILABLE seats off sale. Raises :class:`SeatUnavailable` if one is not AVAILABLE."""
        self._set_blocked(seat_ids, RecordKind.BLOCK)

    def unblock(self, seat_ids: Sequence[str]) -> None:
        """Put BLOCKED seats back on sale. Raises :class:`SeatUnavailable` if one is not BLOCKED."""
        self._set_blocked(seat_ids, RecordKind.UNBLOCK)

    def _set_blocked(self, seat_ids: Sequence[str], kind: RecordKind) -> None:
        ids = self._validate_seats(seat_ids)
        if self.store.apply(Change(kind, ids, self.clock.now(), user="venue")) is not WriteResult.OK:
            before = TRANSITIONS[kind].require
            seats = self.store.read_seats(ids)
            raise SeatUnavailable({s.seat_id: s.status.value for s in seats if s.status is not before})

    def availability(self) -> dict[SeatStatus, int]:
        """Seats per status, from the store's counters."""
        return self.store.counters()

    def check(self) -> CheckReport:
        """Run the history checker over everything this store has recorded."""
        return check_history(self.store.history(), self.store.snapshot())

    # -- helpers ---------------------------------------------------------------------

    def _validate_seats(self, seat_ids: Sequence[str]) -> tuple[str, ...]:
        if type(seat_ids) is not tuple and type(seat_ids) is not list and (  # the common case, without the ABC check
                isinstance(seat_ids, str) or not isinstance(seat_ids, Sequence)):
            raise InvalidSeatRequest("seat_ids", seat_ids, "a list of seat ids, e.g. ['A-1-1', 'A-1-2']")
        if len(seat_ids) == 0:
            raise InvalidSeatRequest("seat_ids", list(seat_ids), "at least one seat id")
        if not all(isinstance(s, str) for s in seat_ids):
            raise InvalidSeatRequest("seat_ids", list(seat_ids), "seat ids as strings, e.g. ['A-1-1', 'A-1-2']")
        if len(set(seat_ids)) != len(seat_ids):
            raise InvalidSeatRequest("seat_ids", list(seat_ids), "each seat id at most once")
        missing = self.store.missing_seats(seat_ids)
        if missing:
            raise SeatNotFound(missing, self.store.example_seat_id())
        return tuple(sorted(seat_ids))

    def _count_failure(self, error: Exception) -> None:
        if isinstance(error, SeatUnavailable):
            self.stats.add(retries=error.retries)
        if isinstance(error, LockTimeout):
            self.stats.add(lock_timeouts=1)
        elif isinstance(error, StaleFencingToken):
            self.stats.add(stale_tokens=1)
        else:
            self.stats.add(conflicts=1)
            if isinstance(error, LostRace):
                self.stats.add(retries=error.attempts - 1)


def _check_user(user: str) -> None:
    if not isinstance(user, str) or not user:
        raise InvalidSeatRequest("user", user, "a non-empty user id, e.g. 'alice'")


def _check_parts(store, strategy, clock, payments) -> None:
    """The service's collaborators are what it calls, or it would fail later with an AttributeError."""
    for name, value, kind, example in (("store", store, Store, "MemoryStore.for_event(event)"),
                                       ("strategy", strategy, Strategy, "make_strategy('optimistic')"),
                                       ("clock", clock, Clock, "RealClock() or SimulatedClock()"),
                                       ("payments", payments, PaymentGateway, "FakePaymentGateway(clock)")):
        optional = value is None and name != "store"  # the others have defaults
        if not optional and not isinstance(value, kind):
            raise InputError(name, value, f"a {kind.__name__}, e.g. {example}")


def _check_id(name: str, value: str) -> None:
    """A hold or booking id must be a string (a list would reach the store as a key)."""
    if not isinstance(value, str):
        raise InvalidSeatRequest(name, value, "an id string returned by hold_seats() or confirm(), e.g. 'h-1a2b3c4d-1'")
