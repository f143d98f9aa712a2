"""The booking service: hold seats, pay, confirm, release, cancel, block, sweep.

Invariants it keeps, whatever the strategy underneath:

- a hold takes all its seats or none, and the seats are processed in sorted order;
- bad input raises a specific error before anything is written;
- the hold or booking handed back is the one in the change the store applied (the
  strategy's :class:`~ticketlab.seatlock.strategies.WriteOutcome`), never a copy built aside;
- money the gateway captured ends up in exactly one confirmed booking or is refunded. Each
  gateway call is preceded by an intent in the store (:class:`~ticketlab.seatlock.model.PaymentIntent`,
  keyed by the charge's idempotency key ``pay-<hold id>``); the intent row, not this process,
  decides between a booking and a refund (a CONFIRM needs the charge still open, a refund
  first closes it), so two requests or two servers never both win; seats go back on sale
  only in the step that records their payment declined or refunded;
- a payment left open (a lost answer, a crash, a failed refund) is settled by asking the
  gateway: by the sweeper for expired holds (no more often than its recheck backoff allows),
  by :meth:`BookingService.release`, by a retry, and by :meth:`BookingService.reconcile`
  for everything, at once;
- the timeout cascade ``hold_ttl > lock_ttl > http_timeout > db_timeout`` is checked when
  the service is built (:mod:`ticketlab.core.timing`).

Whether two users can both win one seat is decided by the strategy, not here: the service
with :class:`~ticketlab.seatlock.strategies.NaiveStrategy` is the broken baseline.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import whole_number
from ticketlab.core.timing import check_cascade
from ticketlab.seatlock.clock import Clock, RealClock, seconds
from ticketlab.seatlock.errors import (
    AlreadyConfirmed,
    BookingNotFound,
    ConfirmFailed,
    ConfirmInProgress,
    HoldExpired,
    HoldNotFound,
    InvalidSeatRequest,
    LockServiceUnavailable,
    LockTimeout,
    LostRace,
    NotHoldOwner,
    PaymentDeclined,
    PaymentGatewayError,
    PaymentOutcomeUnknown,
    RefundPending,
    SeatBlocked,
    SeatNotFound,
    SeatUnavailable,
    SoldOut,
    StaleFencingToken,
)
from ticketlab.seatlock.check.history import CheckReport, RecordKind, check_history
from ticketlab.seatlock.model import (Booking, BookingStatus, Hold, PaymentIntent, PaymentState, Seat, SeatStatus,
                                      payment_id_for)
from ticketlab.seatlock.payments import FakePaymentGateway, PaymentGateway, PaymentOutcome, refund_key
from ticketlab.seatlock.stores.base import TRANSITIONS, Change, PaymentStep, Store, WriteResult, payment_refused
from ticketlab.seatlock.strategies.base import Strategy
from ticketlab.seatlock.strategies.optimistic import OptimisticStrategy
from ticketlab.seatlock.values import maker

__all__ = ["BookingService", "ServiceStats", "SweepResult", "ReconcileResult", "CHECKPOINTS", "DEFAULT_HOLD_TTL",
           "DEFAULT_RECHECK_AFTER", "DEFAULT_RECHECK_MAX"]

#: The source's booking expiry: 10 minutes to pay.
DEFAULT_HOLD_TTL = 600.0
#: How long the sweeper waits before it asks the gateway again about a payment still in flight
#: (one sweeper period), and the ceiling that wait doubles up to (15 minutes).
DEFAULT_RECHECK_AFTER, DEFAULT_RECHECK_MAX = 60.0, 900.0

_CONTENTION = (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken)
_AVAILABLE = SeatStatus.AVAILABLE
_hold = maker(Hold)  # every hold is built here: positional, without the frozen __init__'s per-field lookups
_booking = maker(Booking)  # every booking a confirm writes, the same way
# a confirm that fails after the payment for one of these refunds it (an outage is not contention)
_NOT_WRITTEN = (*_CONTENTION, LockServiceUnavailable)

#: The steps a confirm, cancel, sweep or reconcile passes, in order, each named to the
#: ``checkpoint`` hook as it is passed (fault-injection tests crash the process there).
CHECKPOINTS = ("charge-intent", "charged", "booked", "refund-intent", "refunded", "settled", "swept-scan")

# the states a payment step may start from
_NEW = frozenset({None})
_CHARGING = frozenset({PaymentState.CHARGING})
_BOOKED_OR_NEW = frozenset({None, PaymentState.BOOKED})
_NO_MONEY = frozenset({None, PaymentState.DECLINED, PaymentState.REFUNDED})  # a hold may end: no money in play
# what the gateway says of a charge whose money may still move (NONE: not sent yet, hold kept for a retry)
_IN_FLIGHT = frozenset({PaymentOutcome.PENDING, PaymentOutcome.UNKNOWN, PaymentOutcome.NONE})
# how many moves by other requests one settle follows before it reports where the payment stands
_SETTLE_ROUNDS = 8
# how many refused writes ending a hold are tried again while the hold lives and its payment allows it
_END_HOLD_ATTEMPTS = 5


class _Settled(NamedTuple):
    """Where one payment stands after :meth:`BookingService._settle` (None: no intent)."""

    state: PaymentState | None
    booking: Booking | None = None
    error: Exception | None = None  # the gateway's, when a refund failed


class _Recheck(NamedTuple):
    """When the sweeper may next ask the gateway about one open payment: not before ``due``
    (service clock, s), while the payment is still in ``state``; ``wait`` is the backoff that
    set ``due`` (the next one doubles it)."""

    state: PaymentState
    due: float
    wait: float


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

    def count_hold(self, retries: int, lost_leases: int) -> None:
        """One hold written, after ``retries`` retries (the hot path: no keyword unpacking, no getattr)."""
        with self._lock:
            self.holds += 1
            self.retries += retries
            self.lost_leases += lost_leases

    def count_booking(self, retries: int, lost_leases: int) -> None:
        """One booking written, after ``retries`` retries."""
        with self._lock:
            self.bookings += 1
            self.retries += retries
            self.lost_leases += lost_leases

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {name: getattr(self, name) for name in self.FIELDS}


@dataclass(frozen=True)
class SweepResult:
    """Hold ids by what :meth:`BookingService.sweep_expired` did with them."""

    released: tuple[str, ...]  # seats back on sale (refunded ones included)
    skipped: tuple[str, ...]  # kept: payment still pending, or a confirm in flight
    refunded: tuple[str, ...]  # captured money given back before the seats were released
    deferred: tuple[str, ...] = ()  # kept without asking the gateway: its recheck was not due (also in skipped)


@dataclass(frozen=True)
class ReconcileResult:
    """Payment ids by where :meth:`BookingService.reconcile` left them."""

    booked: tuple[str, ...]  # captured money turned into the booking it paid for
    refunded: tuple[str, ...]  # captured money given back, seats freed in the same step
    declined: tuple[str, ...]  # nothing moved (declined, or never sent and voided)
    pending: tuple[str, ...]  # still open: in flight at the gateway, or a refund it failed again


class BookingService:
    """Seat booking over a :class:`Store`, protected by a :class:`Strategy`.

    ``hold_ttl`` is how long a hold lives by default (10 min); ``http_timeout`` (one request,
    and the payment call inside it) and ``db_timeout`` (one statement) are the inner layers of
    the timeout cascade; the strategy supplies ``lock_ttl``. Durations are seconds or strings
    such as ``"10 min"``. Raises :class:`~ticketlab.core.errors.CascadeError` if the cascade is
    upside down and :class:`~ticketlab.seatlock.errors.InvalidTTL` (an ``InputError``) for a duration
    that is not positive. ``checkpoint`` (optional) is called with the name of each step in
    :data:`CHECKPOINTS` as it is passed.

    ``recheck_after`` and ``recheck_max`` (seconds, 0 or more) pace the sweeper's questions
    about payments the gateway reports still in flight (or does not answer about): after
    such an answer the sweeper waits ``recheck_after`` before asking about that payment
    again, then twice as long after each further such answer, up to ``recheck_max``
    (``recheck_after=0``: ask on every sweep). Raises
    :class:`~ticketlab.seatlock.errors.InvalidTTL` naming the argument for a negative or
    non-finite one, and :class:`~ticketlab.core.errors.InputError` naming ``recheck_max``
    when it is below ``recheck_after``.
    """

    def __init__(self, store: Store, strategy: Strategy | None = None, clock: Clock | None = None,
                 payments: PaymentGateway | None = None, hold_ttl: float = DEFAULT_HOLD_TTL,
                 http_timeout: float = 10.0, db_timeout: float = 5.0,
                 checkpoint: Callable[[str], None] | None = None, recheck_after: float = DEFAULT_RECHECK_AFTER,
                 recheck_max: float = DEFAULT_RECHECK_MAX) -> None:
        _check_parts(store, strategy, clock, payments)
        self.store = store
        self.clock = clock or RealClock()
        self.strategy = strategy or OptimisticStrategy()
        self.payments = payments or FakePaymentGateway(self.clock)
        self.hold_ttl = seconds("hold_ttl", hold_ttl)
        self.http_timeout = seconds("http_timeout", http_timeout)
        self.db_timeout = seconds("db_timeout", db_timeout)
        self.recheck_after = seconds("recheck_after", recheck_after, allow_zero=True)
        self.recheck_max = seconds("recheck_max", recheck_max, allow_zero=True)
        if self.recheck_max < self.recheck_after:
            raise InputError("recheck_max", recheck_max,
                             f"at least recheck_after ({self.recheck_after:g} s), e.g. {DEFAULT_RECHECK_MAX:g}")
        check_cascade([("booking_hold", self.hold_ttl), ("lock_ttl", self.strategy.lock_ttl),
                       ("http_call", self.http_timeout), ("db_statement", self.db_timeout)])
        store.set_db_timeout(self.db_timeout)  # the cascade's innermost layer, enforced where there is a database
        self.stats = ServiceStats()
        self._prefix = uuid.uuid4().hex[:8]  # ids stay unique across processes sharing a store
        self._ids = itertools.count(1)
        self.checkpoint = checkpoint
        # payment id -> when this service's sweeper may ask about it again; only paces questions
        self._rechecks: dict[str, _Recheck] = {}

    def _checkpoint(self, step: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(step)

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
        return self._hold(user, ids, ttl)

    def _hold(self, user: str, ids: tuple[str, ...], ttl: float) -> Hold:
        """Hold ``ids`` (seat-map ids, sorted, each once) for ``user`` for ``ttl`` seconds: :meth:`hold_seats`
        after its checks of the input, and :meth:`hold_any` with the seats the store just found."""
        hold_id = f"h-{self._prefix}-{next(self._ids)}"
        clock = self.clock
        price = self.store.price_cents(ids)  # from the seat map: a write that reads nothing first still knows it

        def check(seats: list[Seat]) -> None:
            for seat in seats:  # a loop, not any(...): no generator on every hold
                if seat.status is not _AVAILABLE:
                    taken = {s.seat_id: s.status.value for s in seats if s.status is not _AVAILABLE}
                    error = SeatBlocked if SeatStatus.BLOCKED.value in taken.values() else SeatUnavailable
                    raise error(taken)

        def build(seats: list[Seat] | None, tokens: tuple[int, ...], **guards) -> Change:
            now = clock.now()
            hold = _hold(hold_id, user, ids, now, now + ttl, price, tokens)
            return Change(RecordKind.HOLD, ids, now, user=user, hold_id=hold_id, hold=hold, **guards)

        try:
            outcome = self.strategy.write(self.store, ids, check, build, clock)
        except _CONTENTION as error:
            self._count_failure(error)
            raise
        self.stats.count_hold(outcome.retries, outcome.lost_leases)
        return outcome.change.hold

    def hold_any(self, user: str, count: int = 1, ttl: float | None = None, attempts: int = 20) -> Hold:
        """Hold ``count`` AVAILABLE seats (first in seat-map order), trying again on contention.

        Raises :class:`InvalidSeatRequest` for a ``count`` or ``attempts`` that is not a whole
        number >= 1, :class:`SoldOut` when fewer than ``count`` seats are AVAILABLE, and the
        last contention error after ``attempts`` tries.
        """
        if type(count) is not int or count < 1:  # the usual int skips the general check
            whole_number("count", count, what="seats", error=InvalidSeatRequest)
        if type(attempts) is not int or attempts < 1:
            whole_number("attempts", attempts, what="tries", error=InvalidSeatRequest)
        _check_user(user)
        ttl = self.hold_ttl if ttl is None else seconds("ttl", ttl)
        attempt = 1
        while True:
            ids = self.store.find_available(count)  # seat-map ids, each once: nothing to validate
            if len(ids) < count:
                raise SoldOut(count, len(ids))
            try:
                return self._hold(user, tuple(sorted(ids)), ttl)
            except _CONTENTION:
                if attempt == attempts:
                    raise
                attempt += 1

    # -- paying ----------------------------------------------------------------------

    def confirm(self, hold_id: str, user: str) -> Booking:
        """Charge ``user`` for hold ``hold_id`` and mark its seats SOLD.

        The charge is recorded as an intent in the store first (:class:`PaymentIntent`, its
        ``payment_id`` the charge's idempotency key), so a second request for the same hold
        (a double click, a retry, another server) reuses the same charge: the gateway takes
        the money once, one CONFIRM wins, and the other request returns that same booking.

        Raises :class:`HoldNotFound`, :class:`NotHoldOwner`, :class:`AlreadyConfirmed` (state
        untouched); :class:`HoldExpired` (refunded if money moved); :class:`PaymentDeclined`
        (hold released); :class:`PaymentOutcomeUnknown` (hold kept until the gateway answers;
        :class:`ConfirmInProgress` when another request's charge is still in flight);
        :class:`ConfirmFailed` (money refunded, seats released); :class:`RefundPending` (money
        owed back and recorded; the seats stay held until :meth:`reconcile` returns it).
        """
        _check_user(user)
        _check_id("hold_id", hold_id)
        store = self.store
        hold = store.get_hold(hold_id)
        if hold is None:
            booking = store.booking_for_hold(hold_id)
            if booking is not None:
                raise AlreadyConfirmed(hold_id, booking.booking_id)
            raise HoldNotFound(hold_id)
        if hold.user != user:
            raise NotHoldOwner(hold_id, user, hold.user)
        now = self.clock.now()
        if hold.expired(now):
            raise HoldExpired(hold_id, hold.expires_at, now)
        payment_id = payment_id_for(hold_id)
        intent = PaymentIntent(payment_id, hold_id, user, hold.amount_cents, PaymentState.CHARGING, now)
        joined = not store.move_payment(PaymentStep(payment_id, _NEW, intent), now, live_hold=hold_id)
        if joined:  # another request opened this charge first, or the hold ended meanwhile
            current = store.get_payment(payment_id)
            if current is None or current.state is not PaymentState.CHARGING:
                return self._confirm_outcome(hold, self._settle(current))
            intent = current
        if self.checkpoint is not None:
            self.checkpoint("charge-intent")
        try:
            result = self.payments.charge(payment_id, user, hold.amount_cents, self.http_timeout)
            outcome = result.outcome
        except PaymentGatewayError:
            outcome = PaymentOutcome.UNKNOWN
        if self.checkpoint is not None:
            self.checkpoint("charged")
        if outcome is PaymentOutcome.UNKNOWN or outcome is PaymentOutcome.PENDING:
            self.store.record(RecordKind.PAYMENT_UNKNOWN, self.clock.now(), user=user, hold_id=hold_id,
                              payment_id=payment_id, amount_cents=hold.amount_cents)
            self.stats.add(unknown_payments=1)
            if joined or outcome is PaymentOutcome.PENDING:  # the gateway has this key in flight already
                raise ConfirmInProgress(f"hold {hold_id} is being confirmed by another request and its charge "
                                        f"{payment_id} is still in flight; ask again later")
            raise PaymentOutcomeUnknown(
                f"no answer from the gateway for {payment_id} within {self.http_timeout:g} s; the hold "
                "is kept until the gateway answers (the sweeper and reconcile() ask it)")
        if outcome is PaymentOutcome.CAPTURED and not hold.expired(self.clock.now()):
            booking, why = self._write_confirm(hold)  # the usual path; anything else is settled below
            if booking is not None:
                return booking
        else:
            why = None
        return self._confirm_outcome(hold, self._settle(intent, outcome), why)

    def _confirm_outcome(self, hold: Hold, settled: _Settled, why: Exception | None = None) -> Booking:
        """What a confirm of ``hold`` tells its caller, given where its payment ended up (``why``:
        what refused the seat write, if it was refused)."""
        if settled.booking is not None:  # only a BOOKED payment carries one
            return settled.booking
        state, now = settled.state, self.clock.now()
        payment_id = payment_id_for(hold.hold_id)
        if state is PaymentState.DECLINED:
            if hold.expired(now):  # voided by the sweeper before the charge went out: nothing moved
                raise HoldExpired(hold.hold_id, hold.expires_at, now)
            self.stats.add(declined=1)
            raise PaymentDeclined(f"payment {payment_id} was declined; hold {hold.hold_id} released")
        if state is PaymentState.REFUNDED:
            if hold.expired(now):
                raise HoldExpired(hold.hold_id, hold.expires_at, now, refunded=True)
            reason = f" ({why})" if why is not None else ""
            raise ConfirmFailed(f"paid for hold {hold.hold_id} but could not mark its seats SOLD{reason}; "
                                f"payment {payment_id} refunded and the seats released") from why
        if state is PaymentState.REFUNDING:
            raise RefundPending(payment_id, f"hold {hold.hold_id} could not be confirmed", settled.error)
        if state is PaymentState.CHARGING:
            raise ConfirmInProgress(f"the charge {payment_id} for hold {hold.hold_id} is still in flight; "
                                    "ask again later")
        if hold.expired(now):
            raise HoldExpired(hold.hold_id, hold.expires_at, now)
        raise HoldNotFound(hold.hold_id)

    def _write_confirm(self, hold: Hold) -> tuple[Booking | None, Exception | None]:
        """Mark the hold's seats SOLD, its payment BOOKED, in one guarded write: (the booking,
        None), or (None, why) if refused (None: the hold had expired or ended)."""
        store, clock = self.store, self.clock
        payment_id = payment_id_for(hold.hold_id)
        booking_id = f"b-{hold.hold_id}"

        def check(seats: list[Seat]) -> None:
            live = store.get_hold(hold.hold_id)
            t = clock.now()
            if live is None or live.expired(t):
                raise HoldExpired(hold.hold_id, hold.expires_at, t)

        def build(seats: list[Seat] | None, tokens: tuple[int, ...], **guards) -> Change:
            t = clock.now()
            booking = _booking(booking_id, hold.hold_id, hold.user, hold.seat_ids, hold.amount_cents,
                               BookingStatus.CONFIRMED, hold.created_at, payment_id, t)
            paid = PaymentIntent(payment_id, hold.hold_id, hold.user, hold.amount_cents, PaymentState.BOOKED, t,
                                 booking_id)
            # the capture is recorded in the same step as the booking that it pays for, and only
            # while the charge is still open: a refund decided elsewhere wins over this booking
            return Change(RecordKind.CONFIRM, hold.seat_ids, t, user=hold.user, hold_id=hold.hold_id,
                          booking=booking, captured=True, payment=PaymentStep(payment_id, _CHARGING, paid), **guards)

        try:
            outcome = self.strategy.write(store, hold.seat_ids, check, build, clock)
        except HoldExpired:
            return None, None
        except _NOT_WRITTEN as error:
            self._count_failure(error)
            return None, error
        self.stats.count_booking(outcome.retries, outcome.lost_leases)
        if self.checkpoint is not None:
            self.checkpoint("booked")
        return outcome.change.booking, None

    def _settle(self, intent: PaymentIntent | None, outcome: PaymentOutcome | None = None,
                void_unsent: bool = False) -> _Settled:
        """Drive one payment toward a final state, asking the gateway (unless ``outcome`` is
        what it just said) and following any move another request or server made meanwhile.

        CHARGING: captured money becomes the booking while the hold is live and unexpired, or
        is refunded (money the gateway already gave back is recorded as refunded); a declined or voided charge releases the hold; a charge the gateway never
        saw is voided if the hold expired (or ``void_unsent``: its owner released it), else
        left for a retry of confirm; a pending one is left alone. REFUNDING: refund (idempotent
        key), then give the seats back (hold released, or booking cancelled) in the same step
        that records the refund. Returns where the payment stands (None: there is no intent).
        """
        if intent is None:
            return _Settled(None)
        store, payment_id = self.store, intent.payment_id
        for _ in range(_SETTLE_ROUNDS):
            state = intent.state
            if state is PaymentState.BOOKED:
                return _Settled(state, store.booking_for_hold(intent.hold_id))
            if state is PaymentState.REFUNDED or state is PaymentState.DECLINED:
                return _Settled(state)
            if state is PaymentState.CHARGING:
                hold = store.get_hold(intent.hold_id)
                now = self.clock.now()
                live = hold is not None and not hold.expired(now)
                try:
                    if outcome is None:
                        outcome = self.payments.status(payment_id)
                    if outcome is PaymentOutcome.NONE and not (live and not void_unsent):
                        outcome = self.payments.void(payment_id)  # no charge can land after this
                except PaymentGatewayError:
                    return _Settled(state)  # unknown until the gateway answers again
                if outcome in _IN_FLIGHT:
                    return _Settled(state)
                if outcome is PaymentOutcome.DECLINED or outcome is PaymentOutcome.VOIDED:
                    if self._finish(intent, PaymentState.DECLINED):
                        return _Settled(PaymentState.DECLINED)
                else:  # captured, or already refunded by hand at the gateway (then never booked)
                    if live and outcome is PaymentOutcome.CAPTURED:  # book it: the seats are still ours
                        booking, _why = self._write_confirm(hold)
                        if booking is not None:
                            return _Settled(PaymentState.BOOKED, booking)
                    refunding = intent._replace(state=PaymentState.REFUNDING, updated_at=self.clock.now())
                    if store.move_payment(PaymentStep(payment_id, _CHARGING, refunding, captured=True),
                                          refunding.updated_at):
                        self._checkpoint("refund-intent")
                        intent, outcome = refunding, None
                        continue
            else:  # REFUNDING: the money goes back before the seats do
                try:
                    if self.payments.refund(payment_id, refund_key(payment_id)):
                        self.stats.add(refunds=1)
                except PaymentGatewayError as error:
                    return _Settled(state, error=error)
                self._checkpoint("refunded")
                if self._finish(intent, PaymentState.REFUNDED):
                    self._checkpoint("settled")
                    return _Settled(PaymentState.REFUNDED)
            current = store.get_payment(payment_id)  # someone else moved it: look again
            if current is None:
                return _Settled(None)
            intent, outcome = current, None
        return _Settled(intent.state)

    def _finish(self, intent: PaymentIntent, to: PaymentState) -> bool:
        """Move ``intent`` to ``to`` in the same step that gives its seats back (the booking
        cancelled, or the hold released or expired), or alone if they are already back.
        True once the payment is in ``to``, whoever moved it."""
        store, now = self.store, self.clock.now()
        step = PaymentStep(intent.payment_id, frozenset({intent.state}), intent._replace(state=to, updated_at=now))
        booking = store.booking_for_hold(intent.hold_id)
        if booking is not None and booking.status is BookingStatus.CONFIRMED and to is PaymentState.REFUNDED:
            done = store.apply(Change(RecordKind.CANCEL, booking.seat_ids, now, user=booking.user,
                                      hold_id=booking.hold_id, booking=booking, payment=step)) is WriteResult.OK
        else:
            hold = store.get_hold(intent.hold_id)
            done = hold is not None and self._end_hold(
                hold, RecordKind.EXPIRE if hold.expired(now) else RecordKind.RELEASE, step)
            if not done and store.get_hold(intent.hold_id) is None:
                done = store.move_payment(step, now)
        if done:
            return True
        current = store.get_payment(intent.payment_id)
        return current is not None and current.state is to

    # -- releasing -------------------------------------------------------------------

    def release(self, hold_id: str, user: str) -> None:
        """Give a hold's seats back before it expires.

        If a charge for the hold was started, the gateway is asked first: money it captured
        becomes the booking (the seats are still ours), a charge it never saw is voided, a
        declined one releases the hold. Seats are never freed while money stays captured.

        Raises :class:`HoldNotFound`, :class:`NotHoldOwner`; :class:`AlreadyConfirmed` when the
        hold became a booking (a confirm won, or the captured payment was booked);
        :class:`PaymentOutcomeUnknown` while the charge is still in flight (hold kept);
        :class:`RefundPending` if money is owed back and the gateway failed the refund.
        """
        _check_user(user)
        _check_id("hold_id", hold_id)
        store = self.store
        hold = store.get_hold(hold_id)
        if hold is None:
            self._raise_gone(hold_id)
        if hold.user != user:
            raise NotHoldOwner(hold_id, user, hold.user)
        payment_id = payment_id_for(hold_id)
        if self._end_hold(hold, RecordKind.RELEASE, PaymentStep(payment_id, _NO_MONEY)):
            return  # no money was in play
        settled = self._settle(store.get_payment(payment_id), void_unsent=True)
        state = settled.state
        booking = store.booking_for_hold(hold_id)
        if booking is not None:
            raise AlreadyConfirmed(hold_id, booking.booking_id)
        if state is PaymentState.CHARGING:
            raise PaymentOutcomeUnknown(f"the charge {payment_id} for hold {hold_id} is still in flight; "
                                        "the hold is kept until the gateway answers")
        if state is PaymentState.REFUNDING:
            raise RefundPending(payment_id, f"hold {hold_id} is being released", settled.error)
        if state is PaymentState.DECLINED or state is PaymentState.REFUNDED:
            return  # the seats went back in the step that closed the payment
        raise HoldNotFound(hold_id)  # it ended meanwhile (swept)

    def _raise_gone(self, hold_id: str) -> None:
        booking = self.store.booking_for_hold(hold_id)
        if booking is not None:
            raise AlreadyConfirmed(hold_id, booking.booking_id)
        raise HoldNotFound(hold_id)

    def _end_hold(self, hold: Hold, kind: RecordKind, step: PaymentStep | None = None) -> bool:
        """Release the seats still held by ``hold`` and drop it, with ``step`` (its payment's
        guard or move) in the same write; False if the hold was gone or the payment moved."""
        store = self.store
        for _ in range(_END_HOLD_ATTEMPTS):
            seats = store.read_seats(hold.seat_ids)
            mine = tuple(s.seat_id for s in seats if s.status is SeatStatus.HELD and s.hold_id == hold.hold_id)
            change = Change(kind, mine, self.clock.now(), user=hold.user, hold_id=hold.hold_id, payment=step)
            if store.apply(change) is WriteResult.OK:
                return True
            if store.get_hold(hold.hold_id) is None:
                return False
            if step is not None and payment_refused(step, store.get_payment(step.payment_id)):
                return False
        return False

    def sweep_expired(self) -> SweepResult:
        """Release every hold past its ``expires_at``, asking the gateway first about any
        charge started for it.

        A hold with no open payment expires. Otherwise the payment is settled (:meth:`_settle`):
        captured money is refunded before the seats go back, a charge never sent is voided, a
        charge the gateway reports PENDING (or a refund it failed) keeps the hold (``skipped``).
        The SWEEP record names the newest record seen before the scan, so the history checker
        does not blame this sweep for holds written after it looked.

        Recheck backoff: once the gateway has said that a payment is still in flight, or has
        not answered (a failed refund included), this sweeper does not ask about it again
        until ``recheck_after`` has passed on the service's clock, then twice as long after
        each further such answer, up to ``recheck_max``; meanwhile its hold is kept without
        a question (``skipped`` and ``deferred``). The backoff only ever skips a question,
        never a safety check: the payment is read from the store on every sweep, a hold whose
        payment is open is kept whether it was asked about or not, and a payment another
        request moved (to REFUNDING, say) is asked about at once. That is why it may live in
        this service's memory, rebuilt by each sweep from the holds it scanned: services
        sharing a store each pace their own questions, a restarted one starts by asking, and
        :meth:`reconcile`, :meth:`release` and a retried confirm ask at once.
        """
        store = self.store
        now = self.clock.now()
        scan_seq = store.last_seq()
        expired = store.expired_holds(now)
        self._checkpoint("swept-scan")
        released, skipped, refunded, deferred = [], [], [], []
        before, rechecks = self._rechecks, {}
        for hold in expired:
            payment_id = payment_id_for(hold.hold_id)
            # read the payment first: a sweep meets a pending charge every minute, and a write
            # refused by the payment's guard would cost a read of the seats each time
            intent = store.get_payment(payment_id)
            if intent is None or not intent.state.open:  # no money in play: the hold just expires
                if self._end_hold(hold, RecordKind.EXPIRE, PaymentStep(payment_id, _NO_MONEY)):
                    released.append(hold.hold_id)
                    continue
                intent = store.get_payment(payment_id)  # refused: a charge opened after the scan, or it ended
                if intent is None or not intent.state.open:
                    continue
            known = before.get(payment_id)
            if known is not None and known.state is intent.state and known.due > now:
                rechecks[payment_id] = known  # asked lately and nothing moved: keep the hold, do not ask
                skipped.append(hold.hold_id)
                deferred.append(hold.hold_id)
                continue
            state = self._settle(intent).state
            if state is PaymentState.REFUNDED or state is PaymentState.DECLINED:
                released.append(hold.hold_id)
                if state is PaymentState.REFUNDED:
                    refunded.append(hold.hold_id)
            elif state is not PaymentState.BOOKED:
                skipped.append(hold.hold_id)  # still open: the next question waits, twice as long as the last
                wait = self.recheck_after if known is None or known.state is not state else min(
                    2 * known.wait, self.recheck_max)
                rechecks[payment_id] = _Recheck(state, now + wait, wait)
        self._rechecks = rechecks  # one assignment: a concurrent sweep's entries may be lost, costing a question
        store.record(RecordKind.SWEEP, now, skipped=tuple(skipped), scan_seq=scan_seq)
        self.stats.add(expired=len(released))
        return SweepResult(tuple(released), tuple(skipped), tuple(refunded), tuple(deferred))

    def reconcile(self) -> ReconcileResult:
        """Finish or compensate every payment a crash (or a failed gateway call) left open.

        For each CHARGING or REFUNDING intent in the store, ask the gateway and settle it
        (:meth:`_settle`): captured money becomes its booking if the hold is live and
        unexpired, or is refunded; refunds owed are made (same idempotency key, so never
        twice) before the seats go back. Safe to run at any time, on any instance, as often
        as wanted. Charges still in flight, charges never sent whose hold is still live (a
        retry of confirm sends them), and refunds the gateway failed again are left open
        (``pending``).
        """
        booked, refunded, declined, pending = [], [], [], []
        for intent in self.store.open_payments():
            state = self._settle(intent).state
            {PaymentState.BOOKED: booked, PaymentState.REFUNDED: refunded,
             PaymentState.DECLINED: declined}.get(state, pending).append(intent.payment_id)
        return ReconcileResult(tuple(booked), tuple(refunded), tuple(declined), tuple(pending))

    # -- after the sale --------------------------------------------------------------

    def cancel(self, booking_id: str, user: str) -> Booking:
        """Cancel a confirmed booking: payment refunded, then seats back to AVAILABLE.

        A cancel intent is recorded first (the payment moves to REFUNDING), the refund goes
        out under an idempotency key, and only then does one write cancel the booking, free
        its seats and record the refund. A crash or a gateway error in between leaves the
        booking CONFIRMED and its seats SOLD with the refund owed: calling ``cancel`` again,
        or :meth:`reconcile`, finishes it, and the money moves once.

        Raises :class:`BookingNotFound`, :class:`NotHoldOwner`, :class:`InvalidSeatRequest`
        (not CONFIRMED, or its seats are no longer SOLD to it), :class:`RefundPending`.
        """
        _check_user(user)
        _check_id("booking_id", booking_id)
        store = self.store
        booking = store.get_booking(booking_id)
        if booking is None:
            raise BookingNotFound(booking_id)
        if booking.user != user:
            raise NotHoldOwner(booking.hold_id, user, booking.user)
        if booking.status is not BookingStatus.CONFIRMED:
            raise InvalidSeatRequest("booking_id", booking_id,
                                     f"a CONFIRMED booking (this one is {booking.status.value})")
        if any(s.booking_id != booking_id or s.status is not SeatStatus.SOLD
               for s in store.read_seats(booking.seat_ids)):
            raise InvalidSeatRequest("booking_id", booking_id, "a booking whose seats are still SOLD to it")
        payment_id, now = booking.payment_id, self.clock.now()
        refunding = PaymentIntent(payment_id, booking.hold_id, booking.user, booking.amount_cents,
                                  PaymentState.REFUNDING, now, booking_id)
        # refused if a cancel is already under way (REFUNDING): then this call finishes that one
        if store.move_payment(PaymentStep(payment_id, _BOOKED_OR_NEW, refunding), now):
            self._checkpoint("refund-intent")
        settled = self._settle(store.get_payment(payment_id))
        if settled.state is PaymentState.REFUNDED:
            return store.get_booking(booking_id)
        if settled.state is PaymentState.REFUNDING:
            raise RefundPending(payment_id, f"booking {booking_id} is being cancelled (still CONFIRMED)",
                                settled.error)
        raise InvalidSeatRequest("booking_id", booking_id,
                                 f"a booking whose payment is held by it (this one is {settled.state})")

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

    def check(self, at_rest: bool = False) -> CheckReport:
        """Run the history checker over everything this store has recorded.

        ``at_rest``: nothing is running, so every payment must be settled, and (if the gateway
        can tell, as the fake can) the money it holds must be exactly what bookings hold.
        """
        held = getattr(self.payments, "held", None) if at_rest else None
        return check_history(self.store.history(), self.store.snapshot(), at_rest=at_rest,
                             gateway_held=held() if held is not None else None)

    # -- helpers ---------------------------------------------------------------------

    def _validate_seats(self, seat_ids: Sequence[str]) -> tuple[str, ...]:
        if type(seat_ids) is not tuple and type(seat_ids) is not list and (  # the common case, without the ABC check
                isinstance(seat_ids, str) or not isinstance(seat_ids, Sequence)):
            raise InvalidSeatRequest("seat_ids", seat_ids, "a list of seat ids, e.g. ['A-1-1', 'A-1-2']")
        if len(seat_ids) == 0:
            raise InvalidSeatRequest("seat_ids", list(seat_ids), "at least one seat id")
        for seat_id in seat_ids:
            if type(seat_id) is not str and not isinstance(seat_id, str):
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
