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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from operator import attrgetter
from types import SimpleNamespace

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


@dataclass
class _Replay:
    status: dict[str, SeatStatus] = field(default_factory=dict)
    holder: dict[str, str | None] = field(default_factory=dict)  # the hold a HELD seat belongs to
    booked_by: dict[str, str | None] = field(default_factory=dict)  # the booking a SOLD seat belongs to
    counts: Counter = field(default_factory=Counter)
    holds_on_seat: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    bookings_on_seat: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    live_holds: dict[str, Record] = field(default_factory=dict)
    ended_holds: dict[str, Record] = field(default_factory=dict)
    bookings: dict[str, Record] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    newest_token: dict[str, int] = field(default_factory=dict)
    captured: Counter = field(default_factory=Counter)
    refunded: Counter = field(default_factory=Counter)
    unknown: set[str] = field(default_factory=set)
    declined: set[str] = field(default_factory=set)
    payment_state: dict[str, PaymentState] = field(default_factory=dict)
    payment_of_hold: dict[str, str] = field(default_factory=dict)
    freed_unpaid: set[str] = field(default_factory=set)  # payments whose seats went back while open

    def set_status(self, seat_id: str, status: SeatStatus, hold_id: str | None = None,
                   booking_id: str | None = None) -> None:
        old = self.status.get(seat_id)
        if old is not None:
            self.counts[old] -= 1
        self.counts[status] += 1
        self.status[seat_id] = status
        self.holder[seat_id] = hold_id
        self.booked_by[seat_id] = booking_id

    def hold(self, hold_id: str | None) -> Record | None:
        """The HOLD record of a hold, live or ended."""
        if hold_id is None:
            return None
        return self.live_holds.get(hold_id) or self.ended_holds.get(hold_id)


# The members of the two enums as plain attributes: looking a member up on an Enum class goes
# through the metaclass's Python-level hook (about 3x a plain attribute), and the replay below
# does it several times per record.
_KINDS = SimpleNamespace(**RecordKind.__members__)
_STATUSES = SimpleNamespace(**SeatStatus.__members__)
_AVAILABLE, _HELD, _SOLD, _BLOCKED = COUNTER_ORDER


_FREE = (SeatStatus.AVAILABLE, None)
#: The status a BLOCK or UNBLOCK requires of each seat.
_BLOCK_REQUIRES = {RecordKind.BLOCK: SeatStatus.AVAILABLE, RecordKind.UNBLOCK: SeatStatus.BLOCKED}


def check_history(history: Iterable[Record], final_seats: Mapping[str, Seat] | None = None, *,
                  at_rest: bool = False, gateway_held: Mapping[str, int] | None = None) -> CheckReport:
    """Replay ``history`` in ``seq`` order and report every violated invariant (module docstring).

    ``final_seats`` (e.g. ``store.snapshot()``) is optional; when given, the replayed state of
    each seat (status, hold, booking) must match it, and each hold's price must be the sum of
    its seats' ``price_cents``. ``at_rest``: nothing is running any more (after the reconciler),
    so no payment may be left open. ``gateway_held`` (cents the gateway holds per payment id,
    e.g. ``FakePaymentGateway.held()``, read at rest) must equal what confirmed bookings hold.
    """
    RecordKind, SeatStatus = _KINDS, _STATUSES  # noqa: N806 -- the same members, faster to reach
    records = sorted(history, key=attrgetter("seq"))
    out: list[Violation] = []
    seen_mismatch: set[tuple[str, str]] = set()
    sold_twice: set[str] = set()
    r = _Replay()

    def flag(kind: str, rec: Record, seat: str | None, msg: str) -> None:
        out.append(Violation(kind, rec.seq, seat, msg))

    def check_tokens(rec: Record) -> None:
        for seat, token in zip(rec.seat_ids, rec.fencing_tokens):
            newest = r.newest_token.get(seat, -1)
            if token <= newest:
                flag(_V.STALE_FENCING_TOKEN, rec, seat,
                     f"{rec.kind.value} on {seat} accepted with fencing token {token}, not newer than token {newest}")
            r.newest_token[seat] = max(newest, token)

    def end_hold(hold_id: str | None) -> None:
        hold = r.live_holds.pop(hold_id, None) if hold_id else None
        if hold is not None:
            r.ended_holds[hold_id] = hold
            for seat in hold.seat_ids:
                r.holds_on_seat[seat].discard(hold_id)

    def check_owner(rec: Record, owner: str | None, of: str) -> None:
        if owner is not None and rec.user != owner:
            flag(_V.NOT_OWNER, rec, None, f"{rec.kind.value} of {of} by {rec.user!r}, but it belongs to {owner!r}")

    def check_held_by(rec: Record, hold: Record | None) -> None:
        """Each seat of a confirm, release or expire is held by its hold (a confirm: all of them)."""
        for seat in rec.seat_ids:
            if r.holder.get(seat) != rec.hold_id:
                flag(_V.SEAT_NOT_OWNED, rec, seat, f"{rec.kind.value} of hold {rec.hold_id} touches {seat}, "
                     f"which is {r.status.get(seat, SeatStatus.AVAILABLE).value} for "
                     f"{r.holder.get(seat) or r.booked_by.get(seat) or 'no one'}")
        if rec.kind is RecordKind.CONFIRM and hold is not None and set(rec.seat_ids) != set(hold.seat_ids):
            flag(_V.SEAT_NOT_OWNED, rec, None, f"booking {rec.booking_id} sells {sorted(rec.seat_ids)} but hold "
                 f"{rec.hold_id} held {sorted(hold.seat_ids)}")

    def check_amount(rec: Record, expected: int, what: str) -> None:
        if rec.amount_cents != expected:
            flag(_V.AMOUNT_MISMATCH, rec, None, f"{rec.kind.value} of {rec.payment_id or rec.booking_id} is "
                 f"{rec.amount_cents} cents but {what} is {expected} cents")

    def payment_open(payment_id: str | None) -> bool:
        state = r.payment_state.get(payment_id) if payment_id else None
        return state is PaymentState.CHARGING or state is PaymentState.REFUNDING

    last_seq = None
    for rec in records:
        if last_seq is not None and rec.seq <= last_seq:
            flag(_V.SEQUENCE, rec, None, f"sequence number {rec.seq} repeats or goes back (previous {last_seq})")
        last_seq = rec.seq
        kind = rec.kind
        if kind is RecordKind.INIT:
            for seat in rec.seat_ids:
                r.set_status(seat, rec.to_status or SeatStatus.AVAILABLE)
        elif kind is RecordKind.HOLD:
            check_tokens(rec)
            for seat in rec.seat_ids:
                others = r.holds_on_seat[seat]
                if others:
                    flag(_V.TWO_LIVE_HOLDS, rec, seat,
                         f"{seat} held by {rec.hold_id} while hold {sorted(others)[0]} on it was still live")
                elif r.status.get(seat) in (SeatStatus.SOLD, SeatStatus.BLOCKED):
                    flag(_V.HOLD_ON_UNAVAILABLE, rec, seat, f"{seat} held by {rec.hold_id} while {r.status[seat].value}")
                others.add(rec.hold_id)
                r.set_status(seat, SeatStatus.HELD, hold_id=rec.hold_id)
            if final_seats is not None and all(s in final_seats for s in rec.seat_ids):
                check_amount(rec, sum(final_seats[s].price_cents for s in rec.seat_ids),
                             f"the price of its seats {sorted(rec.seat_ids)}")
            r.live_holds[rec.hold_id] = rec
        elif kind is RecordKind.CONFIRM:
            check_tokens(rec)
            hold = r.hold(rec.hold_id)
            if hold is None or rec.hold_id not in r.live_holds:
                flag(_V.CONFIRM_AFTER_EXPIRY, rec, None,
                     f"booking {rec.booking_id} confirmed hold {rec.hold_id}, which was no longer live")
            elif hold.expires_at is not None and rec.at >= hold.expires_at:
                flag(_V.CONFIRM_AFTER_EXPIRY, rec, None,
                     f"booking {rec.booking_id} confirmed at t={rec.at:g} s, hold expired at t={hold.expires_at:g} s")
            if hold is not None:
                check_owner(rec, hold.user, f"hold {rec.hold_id}")
                check_amount(rec, hold.amount_cents, f"the price of hold {rec.hold_id}")
            check_held_by(rec, hold)
            state = r.payment_state.get(rec.payment_id)
            if state is not None and state is not PaymentState.CHARGING:
                flag(_V.PAYMENT_MISMATCH, rec, None, f"booking {rec.booking_id} took payment {rec.payment_id} "
                     f"while it was {state.value}, not an open charge")
            for seat in rec.seat_ids:
                if r.bookings_on_seat[seat]:
                    sold_twice.add(seat)
                    flag(_V.SOLD_TWICE, rec, seat,
                         f"{seat} sold to {rec.booking_id} but already sold to {sorted(r.bookings_on_seat[seat])[0]}")
                r.bookings_on_seat[seat].add(rec.booking_id)
                r.set_status(seat, SeatStatus.SOLD, booking_id=rec.booking_id)
            end_hold(rec.hold_id)
            r.bookings[rec.booking_id] = rec
            if rec.payment_id:
                r.payment_state[rec.payment_id] = PaymentState.BOOKED
        elif kind in (RecordKind.RELEASE, RecordKind.EXPIRE):
            hold = r.live_holds.get(rec.hold_id)
            if hold is None:
                flag(_V.HOLD_NOT_LIVE, rec, None, f"{kind.value} of hold {rec.hold_id}, which was not live")
            else:
                if kind is RecordKind.RELEASE:
                    check_owner(rec, hold.user, f"hold {rec.hold_id}")
                elif hold.expires_at is not None and rec.at < hold.expires_at:
                    flag(_V.EXPIRED_EARLY, rec, None, f"hold {rec.hold_id} expired at t={rec.at:g} s, before its "
                         f"expires_at t={hold.expires_at:g} s")
            check_held_by(rec, hold)
            payment_id = r.payment_of_hold.get(rec.hold_id)
            if payment_open(payment_id):
                r.freed_unpaid.add(payment_id)
                flag(_V.PAYMENT_OPEN_AT_RELEASE, rec, None, f"hold {rec.hold_id}'s seats went back on sale while "
                     f"its payment {payment_id} was {r.payment_state[payment_id].value}")
            for seat in rec.seat_ids:
                r.set_status(seat, rec.to_status or SeatStatus.AVAILABLE)
            end_hold(rec.hold_id)
        elif kind is RecordKind.CANCEL:
            booking = r.bookings.get(rec.booking_id)
            if booking is None or rec.booking_id in r.cancelled:
                flag(_V.CANCEL_NOT_CONFIRMED, rec, None, f"cancel of booking {rec.booking_id}, which was "
                     f"{'already cancelled' if booking is not None else 'never confirmed'}")
            else:
                check_owner(rec, booking.user, f"booking {rec.booking_id}")
                if set(rec.seat_ids) != set(booking.seat_ids):
                    flag(_V.SEAT_NOT_OWNED, rec, None, f"cancel of booking {rec.booking_id} frees "
                         f"{sorted(rec.seat_ids)} but it bought {sorted(booking.seat_ids)}")
                if rec.payment_id and r.refunded[rec.payment_id] == 0:
                    r.freed_unpaid.add(rec.payment_id)
                    flag(_V.PAYMENT_OPEN_AT_RELEASE, rec, None, f"booking {rec.booking_id}'s seats went back on "
                         f"sale before its payment {rec.payment_id} was refunded")
            for seat in rec.seat_ids:
                if r.booked_by.get(seat) != rec.booking_id:
                    flag(_V.SEAT_NOT_OWNED, rec, seat, f"cancel of booking {rec.booking_id} frees {seat}, which "
                         f"is {r.status.get(seat, SeatStatus.AVAILABLE).value} for "
                         f"{r.booked_by.get(seat) or r.holder.get(seat) or 'no one'}")
            r.cancelled.add(rec.booking_id)
            for seat in rec.seat_ids:
                r.bookings_on_seat[seat].discard(rec.booking_id)
                r.set_status(seat, rec.to_status or SeatStatus.AVAILABLE)
        elif kind in _BLOCK_REQUIRES:
            for seat in rec.seat_ids:
                if r.status.get(seat) is not _BLOCK_REQUIRES[kind]:
                    flag(_V.WRONG_STATUS, rec, seat, f"{kind.value} of {seat}, which was "
                         f"{r.status.get(seat, SeatStatus.AVAILABLE).value}, not {_BLOCK_REQUIRES[kind].value}")
                r.set_status(seat, rec.to_status or (SeatStatus.BLOCKED if kind is RecordKind.BLOCK
                                                     else SeatStatus.AVAILABLE))
        elif kind is RecordKind.PAYMENT_INTENT:
            r.payment_state[rec.payment_id] = PaymentState.CHARGING
            if rec.hold_id:
                r.payment_of_hold[rec.hold_id] = rec.payment_id
            hold = r.hold(rec.hold_id)
            if hold is not None:
                check_amount(rec, hold.amount_cents, f"the price of hold {rec.hold_id}")
        elif kind is RecordKind.PAYMENT_CAPTURED:
            if r.captured[rec.payment_id]:
                flag(_V.PAYMENT_MISMATCH, rec, None, f"payment {rec.payment_id} captured twice")
            hold = r.hold(rec.hold_id)
            if hold is not None:
                check_amount(rec, hold.amount_cents, f"the price of hold {rec.hold_id}")
            r.captured[rec.payment_id] += rec.amount_cents
        elif kind is RecordKind.REFUND_INTENT:
            r.payment_state[rec.payment_id] = PaymentState.REFUNDING
        elif kind is RecordKind.PAYMENT_REFUNDED:
            if r.captured[rec.payment_id]:
                check_amount(rec, r.captured[rec.payment_id], "the capture it gives back")
            r.refunded[rec.payment_id] += rec.amount_cents
            r.payment_state[rec.payment_id] = PaymentState.REFUNDED
        elif kind is RecordKind.PAYMENT_UNKNOWN:
            r.unknown.add(rec.payment_id)
        elif kind is RecordKind.PAYMENT_DECLINED:
            r.declined.add(rec.payment_id)
            r.payment_state[rec.payment_id] = PaymentState.DECLINED
        elif kind is RecordKind.SWEEP:
            skipped = set(rec.skipped)
            for hold_id, hold in r.live_holds.items():
                if rec.scan_seq and hold.seq > rec.scan_seq:
                    continue  # written after the sweep looked: not this sweep's to release
                if hold.expires_at is not None and hold.expires_at <= rec.at and hold_id not in skipped:
                    flag(_V.HOLD_NOT_RELEASED, rec, None,
                         f"hold {hold_id} expired at t={hold.expires_at:g} s but the sweep at t={rec.at:g} s left it live")

        if rec.counters is not None:
            counts = r.counts
            replayed = (counts[_AVAILABLE], counts[_HELD], counts[_SOLD], counts[_BLOCKED])
            if replayed != tuple(rec.counters):
                flag(_V.COUNTERS_MISMATCH, rec, None,
                     f"counters (available, held, sold, blocked) recorded as {tuple(rec.counters)} "
                     f"but the seats say {replayed}")
        for seat in rec.seat_ids:
            sold = r.status.get(seat) is SeatStatus.SOLD
            booked = bool(r.bookings_on_seat[seat])
            if sold != booked and (seat, _V.SOLD_MISMATCH) not in seen_mismatch:
                seen_mismatch.add((seat, _V.SOLD_MISMATCH))
                what = "SOLD without a live confirmed booking" if sold else (
                    f"{r.status.get(seat).value} though booking {sorted(r.bookings_on_seat[seat])[0]} holds it")
                flag(_V.SOLD_MISMATCH, rec, seat, f"{seat} is {what}")

    end = records[-1] if records else Record(seq=0, kind=RecordKind.SWEEP, at=0.0)
    maybe = _check_payments(r, end, flag, at_rest, gateway_held)
    if final_seats is not None:
        for seat_id, seat in final_seats.items():
            replayed = (r.status.get(seat_id), r.holder.get(seat_id), r.booked_by.get(seat_id))
            stored = (seat.status, seat.hold_id, seat.booking_id)
            if replayed != stored:
                flag(_V.FINAL_STATE_MISMATCH, end, seat_id,
                     f"{seat_id} is {_seat_text(*stored)} in the store but the history says {_seat_text(*replayed)}")
    return CheckReport(tuple(out), len(records), tuple(sorted(maybe)), tuple(sorted(sold_twice)))


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
