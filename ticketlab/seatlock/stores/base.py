"""Where seat state lives, and the one operation that changes it: :meth:`Store.apply`.

Invariant: every change goes through ``apply``, which in one critical section (a lock in
memory, a write transaction in SQLite) checks the change's guards, writes the seats, the
hold and booking rows and the availability counters, and appends the history record with
the next sequence number. A guard that fails changes nothing. So counters always equal the
seat states, and the history order is the order of the writes.

What a change does to its seats is fixed by its kind (:data:`TRANSITIONS`: a HOLD takes
AVAILABLE seats to HELD, a CONFIRM takes HELD seats to SOLD, ...). Which conditions a store
checks before writing it is derived in one place, :func:`required_guards`, from what the
strategy put on the change:

- ``guarded``: the kind's row condition (the hold is live, and unexpired for a confirm; the
  booking is CONFIRMED for a cancel), then each seat in the kind's required status and, if
  HELD, held by this hold (if SOLD, booked by this booking);
- ``expect_versions``: each seat's version is still the one the writer read (the optimistic
  compare-and-set);
- ``fencing_tokens``: each token is strictly newer than the seat's fencing bar
  (:meth:`Store.newest_fencing_token`): the newest token the store accepted for the seat,
  raised to one below the newest it issued (:meth:`Store.issue_fencing_tokens`), since a
  token issued to a newer lease holder supersedes every older one. An equal token is a
  reused one. The store, the system of record, issues the tokens, so they keep increasing
  when a lock service restarts and forgets its own counters.

A change may also carry a :class:`PaymentStep` (``payment``): the payment intent it names
must be in one of the step's expected states (:func:`payment_refused`; refused as
``CONFLICT``), and is moved to the step's new state in the same critical section, with its
payment records. That is how a confirm books money only while its charge is still open,
and how seats go back on sale only in the step that records their refund. Payment moves
without seats go through :meth:`Store.move_payment`, under the same rule.

A blind write (``guarded=False`` and nothing else) is what the naive strategy does. Every
store evaluates the same guard list: the memory store with :func:`first_refusal`, SQLite as
the ``WHERE`` of its conditional statements; a PostgreSQL or Redis store does the same and
passes the same contract tests (``tests/seatlock/test_store_contract.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

from ticketlab.core.errors import InputError
from ticketlab.seatlock.check.history import Record, RecordKind
from ticketlab.seatlock.errors import SeatNotFound
from ticketlab.seatlock.model import Booking, BookingStatus, Hold, PaymentIntent, PaymentState, Seat, SeatStatus
from ticketlab.seatlock.values import maker

__all__ = [
    "Change",
    "WriteResult",
    "Store",
    "Transition",
    "TRANSITIONS",
    "Guard",
    "required_guards",
    "guards_for",
    "OPERANDS",
    "PER_SEAT",
    "first_refusal",
    "refusal_now",
    "change_record",
    "capture_record",
    "PaymentStep",
    "PAYMENT_RECORDS",
    "payment_refused",
    "payment_kinds",
    "payment_record",
    "seat_map",
]


class WriteResult(str, Enum):
    OK = "OK"
    CONFLICT = "CONFLICT"  # a status, owner or version guard failed
    STALE_TOKEN = "STALE_TOKEN"  # the store already accepted a token at least as new


class Transition(NamedTuple):
    """The status every seat of a change must be in (when guarded), and the one it moves to."""

    require: SeatStatus
    to: SeatStatus


#: What each kind of change does to its seats; the only place these statuses are written.
TRANSITIONS: dict[RecordKind, Transition] = {
    RecordKind.HOLD: Transition(SeatStatus.AVAILABLE, SeatStatus.HELD),
    RecordKind.CONFIRM: Transition(SeatStatus.HELD, SeatStatus.SOLD),
    RecordKind.RELEASE: Transition(SeatStatus.HELD, SeatStatus.AVAILABLE),
    RecordKind.EXPIRE: Transition(SeatStatus.HELD, SeatStatus.AVAILABLE),
    RecordKind.CANCEL: Transition(SeatStatus.SOLD, SeatStatus.AVAILABLE),
    RecordKind.BLOCK: Transition(SeatStatus.AVAILABLE, SeatStatus.BLOCKED),
    RecordKind.UNBLOCK: Transition(SeatStatus.BLOCKED, SeatStatus.AVAILABLE),
}

_ENDS_HOLD = frozenset({RecordKind.CONFIRM, RecordKind.RELEASE, RecordKind.EXPIRE})


class PaymentStep(NamedTuple):
    """A guarded move of one payment intent: allowed only from a state in ``expect`` (None in
    it: no intent yet), to ``intent`` (None: the step only checks). ``captured``: record the
    gateway's capture first (once per payment)."""

    payment_id: str
    expect: frozenset
    intent: PaymentIntent | None = None
    captured: bool = False


#: The record a payment intent's move to each state appends (BOOKED: the CONFIRM itself).
PAYMENT_RECORDS: dict[PaymentState, RecordKind | None] = {
    PaymentState.CHARGING: RecordKind.PAYMENT_INTENT,
    PaymentState.BOOKED: None,
    PaymentState.REFUNDING: RecordKind.REFUND_INTENT,
    PaymentState.REFUNDED: RecordKind.PAYMENT_REFUNDED,
    PaymentState.DECLINED: RecordKind.PAYMENT_DECLINED,
}


def payment_refused(step: PaymentStep, current: PaymentIntent | None) -> bool:
    """True if ``step`` may not run with the payment's intent as it is now (``current``)."""
    return (current.state if current is not None else None) not in step.expect


def payment_kinds(step: PaymentStep) -> tuple[RecordKind, ...]:
    """The kinds of record a payment step appends, capture first (none for a check or a booking)."""
    intent = step.intent
    if intent is None:
        return ()
    kind = PAYMENT_RECORDS[intent.state]
    if step.captured:
        return (RecordKind.PAYMENT_CAPTURED, kind) if kind is not None else (RecordKind.PAYMENT_CAPTURED,)
    return (kind,) if kind is not None else ()


_record = maker(Record)  # positional, every field: this runs once per write


def payment_record(kind: RecordKind, intent: PaymentIntent, at: float, seq: int = 0) -> Record:
    """One record of a payment step about ``intent``. A store keeps each payment record once
    per (kind, payment id), as :meth:`Store.record` does."""
    return _record(seq, kind, at, (), None, intent.user, intent.hold_id, intent.booking_id, None, (),
                   intent.amount_cents, intent.payment_id, None, ())


class Change(NamedTuple):
    """A change the service wants, immutable. The guard fields (``guarded``,
    ``expect_versions``, ``fencing_tokens``) are the strategy's: it passes them to the
    service's build function, which builds the change with them.

    ``kind`` must be a key of :data:`TRANSITIONS`. ``hold`` is the hold a HOLD inserts;
    ``booking`` the booking a CONFIRM inserts or a CANCEL cancels. ``captured``: a CONFIRM
    that also records its payment's capture, in the same step. ``payment``: a
    :class:`PaymentStep` checked and applied with the change.

    A NamedTuple rather than a frozen dataclass: every write builds one, and in CPython 3.11
    a frozen dataclass's ``__init__`` costs three times as much.
    """

    kind: RecordKind
    seat_ids: tuple[str, ...]
    at: float
    user: str | None = None
    hold_id: str | None = None
    hold: Hold | None = None
    booking: Booking | None = None
    guarded: bool = True
    expect_versions: tuple[int, ...] | None = None
    fencing_tokens: tuple[int, ...] = ()
    captured: bool = False
    payment: PaymentStep | None = None

    @property
    def require_status(self) -> SeatStatus:
        """The status each seat must be in for a guarded change."""
        return TRANSITIONS[self.kind].require

    @property
    def to_status(self) -> SeatStatus:
        """The status each seat moves to."""
        return TRANSITIONS[self.kind].to


class Guard(Enum):
    """One condition a store checks before writing a change; :data:`OPERANDS` gives
    what it compares with. The refusal is ``STALE_TOKEN`` for ``FENCING``, else ``CONFLICT``."""

    HOLD_LIVE = "the hold named by hold_id is live"
    HOLD_UNEXPIRED = "that hold's expires_at is after the change's at"
    BOOKING_CONFIRMED = "the change's booking is CONFIRMED"
    STATUS = "every seat is in the kind's required status"
    HELD_BY = "every seat's hold_id is the change's hold_id"
    BOOKED_BY = "every seat's booking_id is the change's booking's"
    VERSIONS = "each seat's version is the one in expect_versions"
    FENCING = "each seat's fencing token is above the seat's bar (newest accepted, or newest issued - 1)"

    # identity, as Enum equality is; Enum's own __hash__ is a Python call, and stores look
    # guard lists up on every write
    __hash__ = object.__hash__

    @property
    def refusal(self) -> WriteResult:
        return WriteResult.STALE_TOKEN if self is Guard.FENCING else WriteResult.CONFLICT


#: Guards compared with one operand per seat (aligned with ``seat_ids``).
PER_SEAT = frozenset({Guard.VERSIONS, Guard.FENCING})

#: What each guard compares with, read from the change: a hold id, a booking id, a time, a
#: status, or (for :data:`PER_SEAT` guards) a tuple with one value per seat.
OPERANDS: dict[Guard, Callable[[Change], Any]] = {
    Guard.HOLD_LIVE: attrgetter("hold_id"),
    Guard.HOLD_UNEXPIRED: attrgetter("at"),
    Guard.BOOKING_CONFIRMED: attrgetter("booking.booking_id"),
    Guard.STATUS: attrgetter("require_status"),
    Guard.HELD_BY: attrgetter("hold_id"),
    Guard.BOOKED_BY: attrgetter("booking.booking_id"),
    Guard.VERSIONS: attrgetter("expect_versions"),
    Guard.FENCING: attrgetter("fencing_tokens"),
}


# Each guard evaluated in Python, as source: statements over (change, seats, fences, holds, bookings) and
# ``require`` (the kind's required status) that ``return REFUSED`` when the guard fails. A change's shape
# (kind and the strategy's guards) fixes its guard list, so :func:`first_refusal` compiles each shape's
# list once into one function, in order: no call per guard on the write path. Loops rather than all(...):
# these run on every write, and a generator costs more than the test.
_SOURCE: dict[Guard, str] = {
    Guard.HOLD_LIVE: """
    if change.hold_id not in holds:
        return REFUSED""",
    Guard.HOLD_UNEXPIRED: """
    hold = holds.get(change.hold_id)
    if hold is None or not change.at < hold.expires_at:
        return REFUSED""",
    Guard.BOOKING_CONFIRMED: """
    booking = bookings.get(change.booking.booking_id)
    if booking is None or booking.status is not CONFIRMED:
        return REFUSED""",
    Guard.STATUS: """
    for seat in seats:
        if seat.status is not require:
            return REFUSED""",
    Guard.HELD_BY: """
    hold_id = change.hold_id
    for seat in seats:
        if seat.hold_id != hold_id:
            return REFUSED""",
    Guard.BOOKED_BY: """
    booking_id = change.booking.booking_id
    for seat in seats:
        if seat.booking_id != booking_id:
            return REFUSED""",
    Guard.VERSIONS: """
    for seat, version in zip(seats, change.expect_versions):
        if seat.version != version:
            return REFUSED""",
    Guard.FENCING: """
    for seat, token in zip(seats, change.fencing_tokens):
        if token <= fences.get(seat.seat_id, -1):  # strictly above the bar: an equal token was already used
            return REFUSED""",
}


def _compile_refusal(guards: tuple[Guard, ...], require: SeatStatus) -> Callable[..., WriteResult]:
    """One function ``(change, seats, fences, holds, bookings) -> WriteResult`` evaluating ``guards`` in
    order: the refusal of the first that fails (each guard's :data:`_SOURCE`, with its own refusal), else OK."""
    scope: dict[str, Any] = {"require": require, "CONFIRMED": BookingStatus.CONFIRMED, "OK": WriteResult.OK}
    body = []
    for i, guard in enumerate(guards):
        scope[f"REFUSED{i}"] = guard.refusal
        body.append(f"    # {guard.name}{_SOURCE[guard].replace('REFUSED', f'REFUSED{i}')}")
    source = "def refusal(change, seats, fences, holds, bookings):\n" + "\n".join(body) + "\n    return OK\n"
    exec(source, scope)
    refusal = scope["refusal"]
    refusal.source = source  # what was compiled, for a reader (and a test) to see
    return refusal


def guards_for(kind: RecordKind, guarded: bool, versioned: bool, fenced: bool) -> tuple[Guard, ...]:
    """The guards of a change of ``kind``, in the order a store checks them, given which of the
    strategy's protections it carries: its kind's row and seat conditions (``guarded``), the
    version compare-and-set (``versioned``), fencing tokens (``fenced``)."""
    out: list[Guard] = []
    if guarded:
        if kind in _ENDS_HOLD:
            out.append(Guard.HOLD_LIVE)
            if kind is RecordKind.CONFIRM:
                out.append(Guard.HOLD_UNEXPIRED)
        elif kind is RecordKind.CANCEL:
            out.append(Guard.BOOKING_CONFIRMED)
        out.append(Guard.STATUS)
        require = TRANSITIONS[kind].require
        if require is SeatStatus.HELD:
            out.append(Guard.HELD_BY)
        elif require is SeatStatus.SOLD:
            out.append(Guard.BOOKED_BY)
    if versioned:
        out.append(Guard.VERSIONS)
    if fenced:
        out.append(Guard.FENCING)
    return tuple(out)


_GUARDS: dict[tuple, tuple[Guard, ...]] = {}
_REFUSALS: dict[tuple, Callable[..., WriteResult]] = {}  # per change shape, its compiled guard list


def required_guards(change: Change) -> tuple[Guard, ...]:
    """The conditions ``change`` must meet, in the order a store checks them (:func:`guards_for`).

    The list depends only on the change's kind and which guards the strategy set, so it is
    worked out once per combination.
    """
    key = (change.kind, change.guarded, change.expect_versions is not None, bool(change.fencing_tokens))
    guards = _GUARDS.get(key)
    if guards is None:
        guards = guards_for(*key)
        # compiled first, then listed: a thread that finds the list finds the compiled guards too
        _REFUSALS[key] = _compile_refusal(guards, TRANSITIONS[change.kind].require)
        _GUARDS[key] = guards
    return guards


def first_refusal(change: Change, seats: Sequence[Seat], fences: Mapping[str, int],
                  holds: Mapping[str, Hold], bookings: Mapping[str, Booking]) -> WriteResult:
    """Evaluate :func:`required_guards` in order against the state before the change.

    ``seats`` are the change's seats as stored now, ``fences`` each seat's fencing bar
    (:meth:`Store.newest_fencing_token`; absent: none yet), ``holds`` the live holds and ``bookings`` the
    bookings by id (only the ones the change names are looked up). Returns ``OK`` or the
    refusal of the first guard that fails.
    """
    key = (change.kind, change.guarded, change.expect_versions is not None, bool(change.fencing_tokens))
    refusal = _REFUSALS.get(key)
    if refusal is None:  # a shape not seen yet: compile its guards once
        required_guards(change)
        refusal = _REFUSALS[key]
    return refusal(change, seats, fences, holds, bookings)


def refusal_now(store: "Store", change: Change) -> WriteResult:
    """Which guard refuses ``change`` against the store as it is now (read through its public
    reads). A store whose guarded statements refused a change rolls it back, then asks this
    for the reason; under a concurrent writer it may name another failing guard (``CONFLICT``
    if none fails any more), never a success."""
    ids = change.seat_ids
    seats = store.read_seats(ids) if ids else []
    fences = {seat_id: store.newest_fencing_token(seat_id) for seat_id in ids} if change.fencing_tokens else {}
    hold = store.get_hold(change.hold_id) if change.hold_id else None
    booking = store.get_booking(change.booking.booking_id) if change.booking else None
    verdict = first_refusal(change, seats, fences, {hold.hold_id: hold} if hold else {},
                            {booking.booking_id: booking} if booking else {})
    return WriteResult.CONFLICT if verdict is WriteResult.OK else verdict


_TO_STATUS = {kind: transition.to for kind, transition in TRANSITIONS.items()}
_CAPTURED = RecordKind.PAYMENT_CAPTURED


def change_record(change: Change, seq: int, counters: tuple[int, int, int, int] | None) -> Record:
    """The history record an applied change appends (``counters``: right after it)."""
    booking, hold = change.booking, change.hold
    if booking is not None:
        booking_id, amount, payment_id = booking.booking_id, booking.amount_cents, booking.payment_id
    else:
        booking_id, amount, payment_id = None, (hold.amount_cents if hold is not None else 0), None
    return _record(seq, change.kind, change.at, change.seat_ids, _TO_STATUS[change.kind], change.user,
                   change.hold_id, booking_id, hold.expires_at if hold is not None else None,
                   change.fencing_tokens, amount, payment_id, counters, ())


def capture_record(change: Change, seq: int) -> Record:
    """The PAYMENT_CAPTURED record a CONFIRM with ``captured`` appends just before its own."""
    booking = change.booking
    return _record(seq, _CAPTURED, change.at, (), None, change.user, change.hold_id, None, None, (),
                   booking.amount_cents, booking.payment_id, None, ())


def seat_map(seats: Iterable[Seat]) -> list[Seat]:
    """The seats a new store starts with. Raises :class:`InputError` when there are none, when
    one is not a :class:`Seat` with a non-empty string id, or when two share an id."""
    example = "small_venue(10).seats()"
    try:
        seats = list(seats)
    except TypeError:
        raise InputError("seats", seats, f"an iterable of Seat values, e.g. {example}") from None
    if not seats:
        raise InputError("seats", [], f"at least one seat, e.g. {example}")
    for seat in seats:
        if not isinstance(seat, Seat) or not isinstance(seat.seat_id, str) or not seat.seat_id:
            raise InputError("seats", seat, f"Seat values with non-empty string ids, e.g. {example}")
    counts = Counter(s.seat_id for s in seats)
    if len(counts) != len(seats):
        twice = sorted(seat_id for seat_id, n in counts.items() if n > 1)
        raise InputError("seats", twice, f"each seat id once, e.g. {example}")
    return seats


class Store(ABC):
    """The interface the booking service and the strategies use."""

    event_id: str
    #: Each seat's price in cents, by seat id: the seat map's, fixed when the event was made, so a
    #: store fills it once when it opens and a price never costs a read (:meth:`price_cents`).
    prices: Mapping[str, int]

    @abstractmethod
    def missing_seats(self, seat_ids: Iterable[str]) -> list[str]:
        """The ids in ``seat_ids`` that are not in the seat map."""

    @abstractmethod
    def example_seat_id(self) -> str:
        """Any valid seat id (used in error messages)."""

    @abstractmethod
    def read_seats(self, seat_ids: Sequence[str]) -> list[Seat]:
        """The current seats, in the order asked."""

    def price_cents(self, seat_ids: Sequence[str]) -> int:
        """What the seats cost together, in cents, from :attr:`prices`: nothing is read, so a
        hold can be built before (or without) a read of its seats. Raises
        :class:`~ticketlab.seatlock.errors.SeatNotFound` for an id not in the seat map."""
        prices, total = self.prices, 0
        for seat_id in seat_ids:
            price = prices.get(seat_id)
            if price is None:
                raise SeatNotFound(self.missing_seats(seat_ids), self.example_seat_id())
            total += price
        return total

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
        """The seat's fencing bar: a fenced write needs a token above it (-1 if none yet).

        It is the newest token the store accepted for the seat, or one below the newest it
        issued if that is higher.
        """

    @abstractmethod
    def issue_fencing_tokens(self, seat_ids: Sequence[str]) -> tuple[int, ...]:
        """A new fencing token per seat, in the order given, each larger than any token the
        store issued or accepted for that seat; durable as the store is.

        Issuing raises the seat's bar to just below the new token, so a write still carrying
        an older token (its lease expired, or the lock service lost it) is refused.
        """

    @abstractmethod
    def counters(self) -> dict[SeatStatus, int]:
        """How many seats are in each status (maintained by ``apply``, not recounted)."""

    @abstractmethod
    def apply(self, change: Change) -> WriteResult:
        """Check :func:`required_guards` and write the change atomically, with its history record.

        Returns ``OK``, or the refusal of the first guard that failed (then nothing changed).
        """

    @abstractmethod
    def record(self, kind: RecordKind, at: float, **fields) -> int:
        """Append a record that changes no seat (payments, sweeps); returns its seq.

        ``fields`` are :class:`Record` fields. A payment record is kept once per
        (kind, payment_id); a repeat returns 0.
        """

    @abstractmethod
    def history(self) -> list[Record]: ...

    @abstractmethod
    def last_seq(self) -> int:
        """The seq of the newest record (a sweep reads it before it scans)."""

    @abstractmethod
    def get_payment(self, payment_id: str) -> PaymentIntent | None:
        """The payment intent with that id (its charge's idempotency key), or None."""

    @abstractmethod
    def open_payments(self) -> list[PaymentIntent]:
        """Every intent whose money may still move (CHARGING or REFUNDING): the reconciler's work."""

    @abstractmethod
    def move_payment(self, step: PaymentStep, at: float, live_hold: str | None = None) -> bool:
        """Apply ``step`` alone, atomically with its records (:func:`payment_kinds`).

        ``live_hold``: also require that hold to be live with ``expires_at`` after ``at`` (a
        charge is opened only for a hold still ours). Returns False, changing nothing, if a
        condition fails.
        """

    @abstractmethod
    def snapshot(self) -> dict[str, Seat]:
        """Every seat, by id."""

    @abstractmethod
    def seat_locks(self, seat_ids: Sequence[str], timeout: float):
        """Context manager: exclusive access to ``seat_ids`` for a read-check-write.

        Raises :class:`~ticketlab.seatlock.errors.LockTimeout` after ``timeout`` seconds.
        """

    def set_db_timeout(self, seconds: float) -> None:
        """The longest one database statement may run (the service's ``db_timeout``, the
        innermost layer of the timeout cascade). A store on a database server enforces it
        (PostgreSQL: ``statement_timeout``; a statement cut short raises
        :class:`~ticketlab.seatlock.errors.LockTimeout`); the default does nothing, as the
        memory and SQLite stores have no statement to time out. The last service built on a
        store sets it."""

    def close(self) -> None:
        """Release resources (connections); the default has none."""
