"""The history of a sale and the checker that proves (or disproves) it was correct.

Invariant: every state change a store makes is appended as a :class:`Record` whose ``seq``
is taken inside the same critical section as the change, so sorting by ``seq`` gives the
order in which the changes really happened, across threads and processes.
:func:`check_history` replays that log seat by seat (a small model stepped over the records)
and names every broken rule of a correct booking history. The rules, by family, with the
violation each one raises:

Ownership: only the holder of a thing changes it.
  - ``TWO_LIVE_HOLDS``: a seat held while another hold on it was still live;
  - ``HOLD_ON_UNAVAILABLE``: a hold taken on a SOLD or BLOCKED seat;
  - ``NOT_OWNER``: a confirm or release by someone other than the hold's user, a cancel by
    someone other than the booking's user;
  - ``SEAT_NOT_OWNED``: a confirm, release or expire touching a seat its hold does not hold
    (a confirm must sell exactly its hold's seats), a cancel freeing a seat not sold to it;
  - ``SOLD_TWICE``: a seat confirmed into a second live booking;
  - ``HOLD_NOT_LIVE``: a release or expire of a hold that is not live;
  - ``CANCEL_NOT_CONFIRMED``: a cancel of a booking never confirmed or already cancelled;
  - ``WRONG_STATUS``: a block of a seat that is not AVAILABLE, an unblock of one not BLOCKED.

Timing: nothing expires early, nothing confirms late, nothing expired is left behind.
  - ``CONFIRM_AFTER_EXPIRY``: a confirm at or after its hold's ``expires_at``, or of a hold
    that was already released or expired;
  - ``EXPIRED_EARLY``: an expire before the hold's ``expires_at`` (only its owner may let
    go early, with a release);
  - ``HOLD_NOT_RELEASED``: a sweep left live a hold that had expired before the sweep looked
    (holds recorded after its ``scan_seq`` are not its own, holds it reported ``skipped``
    because their payment was still open are exempt).

Fencing tokens: each write takes a fresh lease.
  - ``STALE_FENCING_TOKEN``: a write accepted with a token not newer than one already
    accepted for that seat (tokens strictly increase, even across a lock-server restart).

Money: every captured payment is held by exactly one confirmed booking, or refunded.
  - ``AMOUNT_MISMATCH``: a hold priced unlike its seats (when the final seats are given), a
    charge, capture or booking for another amount than its hold's, a refund for another
    amount than its capture;
  - ``PAYMENT_MISMATCH``: per payment, captured != held by live confirmed bookings +
    refunded (a refund of a confirmed booking's money, a booking without captured money, a
    refund of money never captured); a payment captured twice; a booking taking money whose
    refund was already decided;
  - ``PAYMENT_OPEN_AT_RELEASE``: seats back on sale (release, expire, cancel) while their
    payment was still open: a charge not settled, or a refund owed and not made;
  - ``PAYMENT_UNRESOLVED`` (``at_rest`` only): a payment still open once nothing runs, or
    one whose outcome was never learned;
  - ``GATEWAY_MISMATCH`` (``gateway_held`` only): the money the gateway holds for a payment
    is not what the confirmed bookings hold.

Final state and bookkeeping: the store is what its history says.
  - ``SOLD_MISMATCH``: a seat whose SOLD status disagrees with the live confirmed bookings;
  - ``COUNTERS_MISMATCH``: recorded availability counters that differ from the seat states;
  - ``SEQUENCE``: sequence numbers that repeat or go backwards;
  - ``FINAL_STATE_MISMATCH``: a seat of the store whose status, hold or booking differs from
    the replayed one.

A payment whose outcome was never learned (``PAYMENT_UNKNOWN`` without a later capture or
decline, or a charge still open) is a "maybe": it is listed in :attr:`CheckReport.maybe`,
not counted as a failure until the history is checked ``at_rest``; nor is a refund owed and
recorded but not yet made. What the log cannot say
is not judged: times from different processes are compared only with their own hold's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from operator import attrgetter
from types import SimpleNamespace

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import plural
from ticketlab.seatlock.model import PaymentState, Seat, SeatStatus

__all__ = ["RecordKind", "Record", "Violation", "ViolationKind", "CheckReport", "check_history", "COUNTER_ORDER",
           "VIOLATIONS"]

class ViolationKind(StrEnum):
    """What a violation is (the module docstring gives each rule); equal to its name as a string."""

    TWO_LIVE_HOLDS = "TWO_LIVE_HOLDS"
    HOLD_ON_UNAVAILABLE = "HOLD_ON_UNAVAILABLE"
    NOT_OWNER = "NOT_OWNER"
    SEAT_NOT_OWNED = "SEAT_NOT_OWNED"
    SOLD_TWICE = "SOLD_TWICE"
    HOLD_NOT_LIVE = "HOLD_NOT_LIVE"
    CANCEL_NOT_CONFIRMED = "CANCEL_NOT_CONFIRMED"
    WRONG_STATUS = "WRONG_STATUS"
    CONFIRM_AFTER_EXPIRY = "CONFIRM_AFTER_EXPIRY"
    EXPIRED_EARLY = "EXPIRED_EARLY"
    HOLD_NOT_RELEASED = "HOLD_NOT_RELEASED"
    STALE_FENCING_TOKEN = "STALE_FENCING_TOKEN"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    PAYMENT_MISMATCH = "PAYMENT_MISMATCH"
    PAYMENT_OPEN_AT_RELEASE = "PAYMENT_OPEN_AT_RELEASE"
    PAYMENT_UNRESOLVED = "PAYMENT_UNRESOLVED"
    GATEWAY_MISMATCH = "GATEWAY_MISMATCH"
    SOLD_MISMATCH = "SOLD_MISMATCH"
    COUNTERS_MISMATCH = "COUNTERS_MISMATCH"
    SEQUENCE = "SEQUENCE"
    FINAL_STATE_MISMATCH = "FINAL_STATE_MISMATCH"

    def __repr__(self) -> str:  # in a list or a dict a learner prints, the name as the string it equals
        return repr(self.value)


_V = ViolationKind

#: Every violation the checker can name, by family (the module docstring gives each rule).
VIOLATIONS: dict[str, tuple[ViolationKind, ...]] = {
    "ownership": (_V.TWO_LIVE_HOLDS, _V.HOLD_ON_UNAVAILABLE, _V.NOT_OWNER, _V.SEAT_NOT_OWNED, _V.SOLD_TWICE,
                  _V.HOLD_NOT_LIVE, _V.CANCEL_NOT_CONFIRMED, _V.WRONG_STATUS),
    "timing": (_V.CONFIRM_AFTER_EXPIRY, _V.EXPIRED_EARLY, _V.HOLD_NOT_RELEASED),
    "tokens": (_V.STALE_FENCING_TOKEN,),
    "money": (_V.AMOUNT_MISMATCH, _V.PAYMENT_MISMATCH, _V.PAYMENT_OPEN_AT_RELEASE, _V.PAYMENT_UNRESOLVED,
              _V.GATEWAY_MISMATCH),
    "final state": (_V.SOLD_MISMATCH, _V.COUNTERS_MISMATCH, _V.SEQUENCE, _V.FINAL_STATE_MISMATCH),
}

#: Order of the statuses in :attr:`Record.counters`.
COUNTER_ORDER = (SeatStatus.AVAILABLE, SeatStatus.HELD, SeatStatus.SOLD, SeatStatus.BLOCKED)


class RecordKind(str, Enum):
    INIT = "INIT"
    HOLD = "HOLD"
    CONFIRM = "CONFIRM"
    RELEASE = "RELEASE"
    EXPIRE = "EXPIRE"
    CANCEL = "CANCEL"
    BLOCK = "BLOCK"
    UNBLOCK = "UNBLOCK"
    PAYMENT_CAPTURED = "PAYMENT_CAPTURED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_UNKNOWN = "PAYMENT_UNKNOWN"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED"
    PAYMENT_INTENT = "PAYMENT_INTENT"  # a charge decided, before the gateway is called
    REFUND_INTENT = "REFUND_INTENT"  # a refund decided, before the gateway is called
    SWEEP = "SWEEP"


@dataclass(frozen=True, slots=True)
class Record:
    """One change, as the store applied it. ``counters`` are the seat counts right after it,
    in :data:`COUNTER_ORDER`; ``fencing_tokens`` line up with ``seat_ids`` when present;
    for a SWEEP, ``skipped`` lists holds left alone because their payment was pending, and
    ``scan_seq`` is the newest seq the sweep had seen before it scanned (holds recorded later
    were not in its scan; 0: unknown)."""

    seq: int
    kind: RecordKind
    at: float
    seat_ids: tuple[str, ...] = ()
    to_status: SeatStatus | None = None
    user: str | None = None
    hold_id: str | None = None
    booking_id: str | None = None
    expires_at: float | None = None
    fencing_tokens: tuple[int, ...] = ()
    amount_cents: int = 0
    payment_id: str | None = None
    counters: tuple[int, int, int, int] | None = None
    skipped: tuple[str, ...] = ()
    scan_seq: int = 0


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    seq: int
    seat_id: str | None
    message: str


@dataclass(frozen=True)
class CheckReport:
    violations: tuple[Violation, ...]
    records: int
    maybe: tuple[str, ...] = ()
    seats_sold_twice: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def double_bookings(self) -> int:
        """How many seats ended up in more than one confirmed booking."""
        return len(self.seats_sold_twice)

    def counts(self) -> dict[str, int]:
        return dict(Counter(v.kind for v in self.violations))

    def kinds(self) -> set[str]:
        return {v.kind for v in self.violations}

    def summary(self, limit: int = 5) -> str:
        if self.ok:
            maybe = f", {plural(str(len(self.maybe)), 'payments')} of unknown outcome" if self.maybe else ""
            return f"history OK: {plural(str(self.records), 'records')}, no violations{maybe}"
        lines = [f"history BROKEN: {plural(str(len(self.violations)), 'violations')} in "
                 f"{plural(str(self.records), 'records')} "
                 f"({', '.join(f'{k}={n}' for k, n in sorted(self.counts().items()))})"]
        lines += [f"  seq {v.seq}: {v.kind}: {v.message}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


# The record kinds as plain attributes: looking a member up on an Enum class goes through the
# metaclass's Python-level hook (about 3x a plain attribute), and the replay does it per record.
_KINDS = SimpleNamespace(**RecordKind.__members__)
_AVAILABLE, _HELD, _SOLD, _BLOCKED = COUNTER_ORDER
_UNAVAILABLE = (_SOLD, _BLOCKED)  # no hold may be taken on these
_CHARGING, _REFUNDING, _BOOKED = PaymentState.CHARGING, PaymentState.REFUNDING, PaymentState.BOOKED

#: The status a BLOCK or UNBLOCK requires of each seat.
_BLOCK_REQUIRES = {RecordKind.BLOCK: SeatStatus.AVAILABLE, RecordKind.UNBLOCK: SeatStatus.BLOCKED}


class _SeatState:
    """One seat as the history has left it so far (``status`` None: the history never set one)."""

    __slots__ = ("status", "hold_id", "booking_id", "holds", "bookings")

    def __init__(self) -> None:
        self.status: SeatStatus | None = None
        self.hold_id: str | None = None  # the hold a HELD seat belongs to
        self.booking_id: str | None = None  # the booking a SOLD seat belongs to
        self.holds: set[str] = set()  # the live holds on it
        self.bookings: set[str] = set()  # the live bookings of it


_UNKNOWN_SEAT = _SeatState()  # what a seat the history never touched reads as (never written)


class _Replay:
    """The small model :func:`check_history` steps over the records, and the violations it found.

    It holds what the history has built so far: each seat's state (one object per seat, so a step
    looks a seat up once, not once per fact), the live and ended holds, the bookings, each
    payment's state and money. ``steps()[kind](record)`` applies one record of that kind and flags,
    in order, every rule the record breaks; :meth:`check_counters` and
    :meth:`check_sold_matches_bookings` then judge the state the record left. Nothing is formatted
    unless a rule is broken: a correct history costs no message.
    """

    def __init__(self, final_seats: Mapping[str, Seat] | None) -> None:
        self.seats: defaultdict[str, _SeatState] = defaultdict(_SeatState)  # a seat's state, made on its first mention
        # seats per status, in COUNTER_ORDER: a plain dict (a Counter's item access costs 3x a dict's)
        self.counts: dict[SeatStatus, int] = dict.fromkeys(COUNTER_ORDER, 0)
        self.live_holds: dict[str, Record] = {}
        self.ended_holds: dict[str, Record] = {}
        self.bookings: dict[str, Record] = {}
        self.cancelled: set[str] = set()
        self.newest_token: dict[str, int] = {}
        self.captured: Counter = Counter()
        self.refunded: Counter = Counter()
        self.unknown: set[str] = set()
        self.declined: set[str] = set()
        self.payment_state: dict[str, PaymentState] = {}
        self.payment_of_hold: dict[str, str] = {}
        self.freed_unpaid: set[str] = set()  # payments whose seats went back while open
        # each final seat's price, read once, not per hold: a hold must cost the sum of its seats'
        self.price = None if final_seats is None else {sid: seat.price_cents for sid, seat in final_seats.items()}
        self.violations: list[Violation] = []
        self.sold_twice: set[str] = set()
        # seats set_status left SOLD without a live booking or booked but not SOLD, judged after the record
        self.unmatched: list[str] = []
        self.sold_mismatched: set[str] = set()  # seats already flagged SOLD_MISMATCH (once per seat)

    def steps(self) -> dict[RecordKind, Callable[[Record], None]]:
        """The step for each record kind. Built for one replay and not kept on it: a dict of its own bound
        methods would make the replay a cycle, left for the cyclic collector with every seat's state."""
        K = _KINDS  # noqa: N806
        return {
            K.INIT: self.on_init, K.HOLD: self.on_hold, K.CONFIRM: self.on_confirm,
            K.RELEASE: self.on_release_or_expire, K.EXPIRE: self.on_release_or_expire, K.CANCEL: self.on_cancel,
            K.BLOCK: self.on_block_or_unblock, K.UNBLOCK: self.on_block_or_unblock,
            K.PAYMENT_INTENT: self.on_payment_intent, K.PAYMENT_CAPTURED: self.on_payment_captured,
            K.REFUND_INTENT: self.on_refund_intent, K.PAYMENT_REFUNDED: self.on_payment_refunded,
            K.PAYMENT_UNKNOWN: self.on_payment_unknown, K.PAYMENT_DECLINED: self.on_payment_declined,
            K.SWEEP: self.on_sweep,
        }

    def flag(self, kind: str, rec: Record, seat: str | None, msg: str) -> None:
        self.violations.append(Violation(kind, rec.seq, seat, msg))

    # --- the state -------------------------------------------------------------------------------

    def set_status(self, seat_ids: tuple[str, ...], status: SeatStatus, hold_id: str | None = None,
                   booking_id: str | None = None) -> None:
        """Each of ``seat_ids`` is now ``status``, for ``hold_id`` or ``booking_id`` (the others: for no one)."""
        counts, seats, sold = self.counts, self.seats, status is _SOLD
        for seat_id in seat_ids:
            seat = seats[seat_id]
            if seat.status is not None:
                counts[seat.status] -= 1
            seat.status, seat.hold_id, seat.booking_id = status, hold_id, booking_id
            if sold != bool(seat.bookings):  # a step changes a seat's bookings before its status
                self.unmatched.append(seat_id)
        counts[status] += len(seat_ids)

    def hold_record(self, hold_id: str | None) -> Record | None:
        """The HOLD record of a hold, live or ended."""
        if hold_id is None:
            return None
        return self.live_holds.get(hold_id) or self.ended_holds.get(hold_id)

    def end_hold(self, hold_id: str | None) -> None:
        hold = self.live_holds.pop(hold_id, None) if hold_id else None
        if hold is not None:
            self.ended_holds[hold_id] = hold
            for seat in hold.seat_ids:
                self.seats[seat].holds.discard(hold_id)

    def payment_open(self, payment_id: str | None) -> bool:
        state = self.payment_state.get(payment_id) if payment_id else None
        return state is _CHARGING or state is _REFUNDING

    # --- the rules a record can break, one check each ---------------------------------------------

    def check_tokens(self, rec: Record) -> None:
        """STALE_FENCING_TOKEN unless each seat's token is newer than every one accepted before."""
        for seat, token in zip(rec.seat_ids, rec.fencing_tokens):
            newest = self.newest_token.get(seat, -1)
            if token <= newest:
                self.flag(_V.STALE_FENCING_TOKEN, rec, seat,
                          f"{rec.kind.value} on {seat} accepted with fencing token {token}, not newer than token {newest}")
            self.newest_token[seat] = max(newest, token)

    def check_owner(self, rec: Record, owner: str | None) -> None:
        """NOT_OWNER unless ``rec`` is by ``owner``: the user of the booking it cancels, or of the hold it ends."""
        if owner is not None and rec.user != owner:
            of = f"booking {rec.booking_id}" if rec.kind is _KINDS.CANCEL else f"hold {rec.hold_id}"
            self.flag(_V.NOT_OWNER, rec, None, f"{rec.kind.value} of {of} by {rec.user!r}, but it belongs to {owner!r}")

    def check_held_by(self, rec: Record) -> None:
        """SEAT_NOT_OWNED unless each seat of a confirm, release or expire is held by its hold."""
        for seat_id in rec.seat_ids:
            seat = self.seats.get(seat_id, _UNKNOWN_SEAT)
            if seat.hold_id != rec.hold_id:
                self.flag(_V.SEAT_NOT_OWNED, rec, seat_id, f"{rec.kind.value} of hold {rec.hold_id} touches {seat_id}, "
                          f"which is {(seat.status or _AVAILABLE).value} for "
                          f"{seat.hold_id or seat.booking_id or 'no one'}")

    def check_amount(self, rec: Record, expected: int) -> None:
        """AMOUNT_MISMATCH unless ``rec`` moves ``expected`` cents: a hold the price of its seats, a refund
        the capture it gives back, anything else the price of its hold."""
        if rec.amount_cents != expected:
            kind = rec.kind
            what = (f"the price of its seats {sorted(rec.seat_ids)}" if kind is _KINDS.HOLD else
                    "the capture it gives back" if kind is _KINDS.PAYMENT_REFUNDED else
                    f"the price of hold {rec.hold_id}")
            self.flag(_V.AMOUNT_MISMATCH, rec, None, f"{kind.value} of {rec.payment_id or rec.booking_id} is "
                      f"{rec.amount_cents} cents but {what} is {expected} cents")

    def check_price(self, rec: Record) -> None:
        """A hold costs the sum of its seats' prices (not judged if a seat is not among the final seats)."""
        expected = 0
        for seat_id in rec.seat_ids:
            price = self.price.get(seat_id)
            if price is None:
                return
            expected += price
        self.check_amount(rec, expected)

    def check_counters(self, rec: Record) -> None:
        """COUNTERS_MISMATCH unless the counters recorded with ``rec`` are the replayed seat states'."""
        replayed = tuple(self.counts.values())
        if replayed != tuple(rec.counters):
            self.flag(_V.COUNTERS_MISMATCH, rec, None,
                      f"counters (available, held, sold, blocked) recorded as {tuple(rec.counters)} "
                      f"but the seats say {replayed}")

    def check_sold_matches_bookings(self, rec: Record) -> None:
        """SOLD_MISMATCH (once per seat) unless each seat of ``rec`` is SOLD exactly when a live booking holds it.

        Only the seats :meth:`set_status` noted can break it: a seat's status and its live bookings change
        only in a step that sets its status, and nothing in that step changes them after.
        """
        unmatched, self.unmatched = self.unmatched, []
        for seat_id in unmatched:
            seat = self.seats[seat_id]
            sold = seat.status is _SOLD
            if sold != bool(seat.bookings) and seat_id not in self.sold_mismatched:
                self.sold_mismatched.add(seat_id)
                what = "SOLD without a live confirmed booking" if sold else (
                    f"{seat.status.value} though booking {sorted(seat.bookings)[0]} holds it")
                self.flag(_V.SOLD_MISMATCH, rec, seat_id, f"{seat_id} is {what}")

    # --- one step per record kind -----------------------------------------------------------------

    def on_init(self, rec: Record) -> None:
        self.set_status(rec.seat_ids, rec.to_status or _AVAILABLE)

    def on_hold(self, rec: Record) -> None:
        if rec.fencing_tokens:
            self.check_tokens(rec)
        hold_id = rec.hold_id
        for seat_id in rec.seat_ids:
            seat = self.seats[seat_id]
            if seat.holds:
                self.flag(_V.TWO_LIVE_HOLDS, rec, seat_id,
                          f"{seat_id} held by {hold_id} while hold {sorted(seat.holds)[0]} on it was still live")
            elif seat.status in _UNAVAILABLE:
                self.flag(_V.HOLD_ON_UNAVAILABLE, rec, seat_id,
                          f"{seat_id} held by {hold_id} while {seat.status.value}")
            seat.holds.add(hold_id)
        self.set_status(rec.seat_ids, _HELD, hold_id)
        if self.price is not None:
            self.check_price(rec)
        self.live_holds[hold_id] = rec

    def on_confirm(self, rec: Record) -> None:
        if rec.fencing_tokens:
            self.check_tokens(rec)
        hold = self.hold_record(rec.hold_id)
        if hold is None or rec.hold_id not in self.live_holds:
            self.flag(_V.CONFIRM_AFTER_EXPIRY, rec, None,
                      f"booking {rec.booking_id} confirmed hold {rec.hold_id}, which was no longer live")
        elif hold.expires_at is not None and rec.at >= hold.expires_at:
            self.flag(_V.CONFIRM_AFTER_EXPIRY, rec, None,
                      f"booking {rec.booking_id} confirmed at t={rec.at:g} s, hold expired at t={hold.expires_at:g} s")
        if hold is not None:
            self.check_owner(rec, hold.user)
            self.check_amount(rec, hold.amount_cents)
        self.check_held_by(rec)
        # a confirm sells exactly its hold's seats (the same tuple is the same set, without building either)
        if hold is not None and rec.seat_ids != hold.seat_ids and set(rec.seat_ids) != set(hold.seat_ids):
            self.flag(_V.SEAT_NOT_OWNED, rec, None, f"booking {rec.booking_id} sells {sorted(rec.seat_ids)} but "
                      f"hold {rec.hold_id} held {sorted(hold.seat_ids)}")
        state = self.payment_state.get(rec.payment_id)
        if state is not None and state is not _CHARGING:
            self.flag(_V.PAYMENT_MISMATCH, rec, None, f"booking {rec.booking_id} took payment {rec.payment_id} "
                      f"while it was {state.value}, not an open charge")
        booking_id = rec.booking_id
        for seat_id in rec.seat_ids:
            seat = self.seats[seat_id]
            if seat.bookings:
                self.sold_twice.add(seat_id)
                self.flag(_V.SOLD_TWICE, rec, seat_id,
                          f"{seat_id} sold to {booking_id} but already sold to {sorted(seat.bookings)[0]}")
            seat.bookings.add(booking_id)
        self.set_status(rec.seat_ids, _SOLD, booking_id=booking_id)
        self.end_hold(rec.hold_id)
        self.bookings[booking_id] = rec
        if rec.payment_id:
            self.payment_state[rec.payment_id] = _BOOKED

    def on_release_or_expire(self, rec: Record) -> None:
        kind = rec.kind
        hold = self.live_holds.get(rec.hold_id)
        if hold is None:
            self.flag(_V.HOLD_NOT_LIVE, rec, None, f"{kind.value} of hold {rec.hold_id}, which was not live")
        elif kind is _KINDS.RELEASE:
            self.check_owner(rec, hold.user)
        elif hold.expires_at is not None and rec.at < hold.expires_at:
            self.flag(_V.EXPIRED_EARLY, rec, None, f"hold {rec.hold_id} expired at t={rec.at:g} s, before its "
                      f"expires_at t={hold.expires_at:g} s")
        self.check_held_by(rec)
        payment_id = self.payment_of_hold.get(rec.hold_id)
        if self.payment_open(payment_id):
            self.freed_unpaid.add(payment_id)
            self.flag(_V.PAYMENT_OPEN_AT_RELEASE, rec, None, f"hold {rec.hold_id}'s seats went back on sale while "
                      f"its payment {payment_id} was {self.payment_state[payment_id].value}")
        self.set_status(rec.seat_ids, rec.to_status or _AVAILABLE)
        self.end_hold(rec.hold_id)

    def on_cancel(self, rec: Record) -> None:
        booking = self.bookings.get(rec.booking_id)
        if booking is None or rec.booking_id in self.cancelled:
            self.flag(_V.CANCEL_NOT_CONFIRMED, rec, None, f"cancel of booking {rec.booking_id}, which was "
                      f"{'already cancelled' if booking is not None else 'never confirmed'}")
        else:
            self.check_owner(rec, booking.user)
            if set(rec.seat_ids) != set(booking.seat_ids):
                self.flag(_V.SEAT_NOT_OWNED, rec, None, f"cancel of booking {rec.booking_id} frees "
                          f"{sorted(rec.seat_ids)} but it bought {sorted(booking.seat_ids)}")
            if rec.payment_id and self.refunded[rec.payment_id] == 0:
                self.freed_unpaid.add(rec.payment_id)
                self.flag(_V.PAYMENT_OPEN_AT_RELEASE, rec, None, f"booking {rec.booking_id}'s seats went back on "
                          f"sale before its payment {rec.payment_id} was refunded")
        for seat_id in rec.seat_ids:
            seat = self.seats.get(seat_id, _UNKNOWN_SEAT)
            if seat.booking_id != rec.booking_id:
                self.flag(_V.SEAT_NOT_OWNED, rec, seat_id, f"cancel of booking {rec.booking_id} frees {seat_id}, which "
                          f"is {(seat.status or _AVAILABLE).value} for {seat.booking_id or seat.hold_id or 'no one'}")
        self.cancelled.add(rec.booking_id)
        for seat_id in rec.seat_ids:
            self.seats[seat_id].bookings.discard(rec.booking_id)
        self.set_status(rec.seat_ids, rec.to_status or _AVAILABLE)

    def on_block_or_unblock(self, rec: Record) -> None:
        kind = rec.kind
        required = _BLOCK_REQUIRES[kind]
        for seat_id in rec.seat_ids:
            status = self.seats.get(seat_id, _UNKNOWN_SEAT).status
            if status is not required:
                self.flag(_V.WRONG_STATUS, rec, seat_id, f"{kind.value} of {seat_id}, which was "
                          f"{(status or _AVAILABLE).value}, not {required.value}")
            # seat by seat: a seat listed twice is judged the second time in the status the first set
            self.set_status((seat_id,), rec.to_status or (_BLOCKED if kind is _KINDS.BLOCK else _AVAILABLE))

    def on_payment_intent(self, rec: Record) -> None:
        self.payment_state[rec.payment_id] = _CHARGING
        if rec.hold_id:
            self.payment_of_hold[rec.hold_id] = rec.payment_id
        hold = self.hold_record(rec.hold_id)
        if hold is not None:
            self.check_amount(rec, hold.amount_cents)

    def on_payment_captured(self, rec: Record) -> None:
        if self.captured[rec.payment_id]:
            self.flag(_V.PAYMENT_MISMATCH, rec, None, f"payment {rec.payment_id} captured twice")
        hold = self.hold_record(rec.hold_id)
        if hold is not None:
            self.check_amount(rec, hold.amount_cents)
        self.captured[rec.payment_id] += rec.amount_cents

    def on_refund_intent(self, rec: Record) -> None:
        self.payment_state[rec.payment_id] = PaymentState.REFUNDING

    def on_payment_refunded(self, rec: Record) -> None:
        if self.captured[rec.payment_id]:
            self.check_amount(rec, self.captured[rec.payment_id])
        self.refunded[rec.payment_id] += rec.amount_cents
        self.payment_state[rec.payment_id] = PaymentState.REFUNDED

    def on_payment_unknown(self, rec: Record) -> None:
        self.unknown.add(rec.payment_id)

    def on_payment_declined(self, rec: Record) -> None:
        self.declined.add(rec.payment_id)
        self.payment_state[rec.payment_id] = PaymentState.DECLINED

    def on_sweep(self, rec: Record) -> None:
        """HOLD_NOT_RELEASED for each live hold expired when the sweep looked and not skipped by it."""
        skipped, scan_seq, at = set(rec.skipped), rec.scan_seq, rec.at
        for hold in self.live_holds.values():  # a live hold is filed under its own hold_id
            # most live holds have not expired yet: that test first, the cheapest way on
            if hold.expires_at is not None and hold.expires_at <= at:
                if scan_seq and hold.seq > scan_seq:
                    continue  # written after the sweep looked: not this sweep's to release
                if hold.hold_id not in skipped:
                    self.flag(_V.HOLD_NOT_RELEASED, rec, None, f"hold {hold.hold_id} expired at "
                              f"t={hold.expires_at:g} s but the sweep at t={at:g} s left it live")


def check_history(history: Iterable[Record], final_seats: Mapping[str, Seat] | None = None, *,
                  at_rest: bool = False, gateway_held: Mapping[str, int] | None = None) -> CheckReport:
    """Replay ``history`` in ``seq`` order and report every violated invariant (module docstring).

    ``final_seats`` (e.g. ``store.snapshot()``) is optional; when given, the replayed state of
    each seat (status, hold, booking) must match it, and each hold's price must be the sum of
    its seats' ``price_cents``. ``at_rest``: nothing is running any more (after the reconciler),
    so no payment may be left open. ``gateway_held`` (cents the gateway holds per payment id,
    e.g. ``FakePaymentGateway.held()``, read at rest) must equal what confirmed bookings hold.
    """
    records = sorted(history, key=attrgetter("seq"))
    r = _Replay(final_seats)
    step, flag = r.steps(), r.flag
    last_seq = None
    for rec in records:
        if last_seq is not None and rec.seq <= last_seq:
            flag(_V.SEQUENCE, rec, None, f"sequence number {rec.seq} repeats or goes back (previous {last_seq})")
        last_seq = rec.seq
        try:
            step[rec.kind](rec)
        except KeyError:  # free on the usual path; a record no store writes is named, not a bare KeyError
            _refuse_unknown(rec, step)
            raise
        if rec.counters is not None:
            r.check_counters(rec)
        if r.unmatched:
            r.check_sold_matches_bookings(rec)

    end = records[-1] if records else Record(seq=0, kind=RecordKind.SWEEP, at=0.0)
    maybe = _check_payments(r, end, flag, at_rest, gateway_held)
    if final_seats is not None:
        for seat_id, seat in final_seats.items():
            state = r.seats.get(seat_id, _UNKNOWN_SEAT)
            replayed = (state.status, state.hold_id, state.booking_id)
            stored = (seat.status, seat.hold_id, seat.booking_id)
            if replayed != stored:
                flag(_V.FINAL_STATE_MISMATCH, end, seat_id,
                     f"{seat_id} is {_seat_text(*stored)} in the store but the history says {_seat_text(*replayed)}")
    return CheckReport(tuple(r.violations), len(records), tuple(sorted(maybe)), tuple(sorted(r.sold_twice)))


def _refuse_unknown(rec: Record, step: Mapping) -> None:
    """Raise :class:`InputError` if ``rec``'s kind is not one the replay knows (not a :class:`RecordKind`)."""
    if rec.kind not in step:
        raise InputError("history", rec, f"records whose kind is a RecordKind, e.g. {RecordKind.HOLD!r}")


def _seat_text(status: SeatStatus | None, hold_id: str | None, booking_id: str | None) -> str:
    owner = f" by hold {hold_id}" if hold_id else (f" by booking {booking_id}" if booking_id else "")
    return f"{status.value if status else None}{owner}"


def _check_payments(r: _Replay, end: Record, flag, at_rest: bool, gateway_held: Mapping[str, int] | None) -> set[str]:
    """Each captured payment must be in exactly one place: a live confirmed booking, or refunded."""
    live_paid = Counter()
    for booking_id, rec in r.bookings.items():
        if booking_id not in r.cancelled:
            live_paid[rec.payment_id] += rec.amount_cents
    maybe = {pid for pid in r.unknown if pid not in r.captured and pid not in r.declined}
    maybe |= {pid for pid, state in r.payment_state.items() if state is PaymentState.CHARGING}
    # a refund owed while its seats wait for it; once they went back, the money is judged now
    owed = {pid for pid, state in r.payment_state.items()
            if state is PaymentState.REFUNDING and pid not in r.freed_unpaid}
    for pid in set(r.captured) | set(live_paid) | set(r.refunded):
        if pid in maybe or pid in owed:  # still open: judged at rest (PAYMENT_UNRESOLVED)
            continue
        taken, kept, back = r.captured[pid], live_paid[pid], r.refunded[pid]
        if taken != kept + back:
            flag(_V.PAYMENT_MISMATCH, end, None,
                 f"payment {pid}: captured {taken} cents but confirmed bookings hold {kept} "
                 f"and refunds returned {back}")
    if at_rest:
        unresolved = maybe | owed
        for pid in sorted(unresolved):
            state = r.payment_state.get(pid)
            flag(_V.PAYMENT_UNRESOLVED, end, None, f"payment {pid} is still "
                 f"{state.value if state else 'of unknown outcome'} at rest: the reconciler must settle it")
    if gateway_held is not None:
        for pid in sorted({p for p, cents in gateway_held.items() if cents} | set(live_paid)):
            if gateway_held.get(pid, 0) != live_paid[pid]:
                flag(_V.GATEWAY_MISMATCH, end, None, f"the gateway holds {gateway_held.get(pid, 0)} cents of "
                     f"payment {pid} but confirmed bookings hold {live_paid[pid]}")
    return maybe
