"""The store contract: what every store does with ``apply``, checked on each store directly.

Every test runs once per entry of ``STORE_FACTORIES`` (``conftest.py``); a PostgreSQL or
Redis store joins by adding its factory there. The service is not involved: changes are
built by hand and handed to ``store.apply``, so a guard a store forgot cannot hide behind
a check the service made first.
"""

from __future__ import annotations

from collections import Counter

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import (
    Booking,
    BookingStatus,
    Change,
    Hold,
    PaymentIntent,
    PaymentState,
    RecordKind,
    Seat,
    SeatNotFound,
    SeatStatus,
    WriteResult,
    small_venue,
)
from ticketlab.seatlock.stores.base import TRANSITIONS, Guard, PaymentStep, required_guards

from .conftest import STORE_FACTORIES, chosen_stores
from .common import assert_store_clean, store_state

A, B, C = "GA-1-1", "GA-1-2", "GA-1-3"
PRICE = 10000  # small_venue's price per seat, in cents


# --- changes, built by hand ----------------------------------------------------------


def hold_change(hold_id: str, seat_ids=(A,), at: float = 0.0, user: str = "alice", ttl: float = 600.0,
                **guards) -> Change:
    hold = Hold(hold_id=hold_id, user=user, seat_ids=tuple(seat_ids), created_at=at, expires_at=at + ttl,
                amount_cents=PRICE * len(seat_ids))
    return Change(RecordKind.HOLD, tuple(seat_ids), at, user=user, hold_id=hold_id, hold=hold, **guards)


def confirm_change(hold: Hold, at: float, seat_ids=None, **guards) -> Change:
    booking = Booking(booking_id=f"b-{hold.hold_id}", hold_id=hold.hold_id, user=hold.user, seat_ids=hold.seat_ids,
                      amount_cents=hold.amount_cents, status=BookingStatus.CONFIRMED, created_at=hold.created_at,
                      payment_id=f"pay-{hold.hold_id}", confirmed_at=at)
    return Change(RecordKind.CONFIRM, tuple(seat_ids or hold.seat_ids), at, user=hold.user, hold_id=hold.hold_id,
                  booking=booking, captured=True, **guards)


def end_change(hold: Hold, at: float, kind: RecordKind = RecordKind.RELEASE, **guards) -> Change:
    return Change(kind, hold.seat_ids, at, user=hold.user, hold_id=hold.hold_id, **guards)


def cancel_change(booking: Booking, at: float, seat_ids=None, **guards) -> Change:
    return Change(RecordKind.CANCEL, tuple(seat_ids or booking.seat_ids), at, user=booking.user,
                  hold_id=booking.hold_id, booking=booking, **guards)


def venue_change(kind: RecordKind, seat_ids=(A,), at: float = 0.0, **guards) -> Change:
    return Change(kind, tuple(seat_ids), at, user="venue", **guards)


def ok(store, change: Change) -> Change:
    assert store.apply(change) is WriteResult.OK
    return change


def sold(store, hold_id: str, seat_ids=(A,), at: float = 1.0) -> Booking:
    """Hold ``seat_ids`` and confirm them; returns the booking."""
    hold = ok(store, hold_change(hold_id, seat_ids, at=at)).hold
    return ok(store, confirm_change(hold, at)).booking


def refund(store, booking: Booking, at: float) -> None:
    """What the service does before a cancel commits: the money goes back, and the history says so."""
    store.record(RecordKind.PAYMENT_REFUNDED, at, user=booking.user, hold_id=booking.hold_id,
                 payment_id=booking.payment_id, amount_cents=booking.amount_cents)


def statuses(store) -> dict[str, SeatStatus]:
    return {seat_id: seat.status for seat_id, seat in store.snapshot().items()}


def assert_counters_match_seats(store) -> None:
    counted = Counter(statuses(store).values())
    assert store.counters() == {status: counted[status] for status in SeatStatus}


# --- every guard, accepting ----------------------------------------------------------


def test_each_kind_of_change_moves_its_seats_as_its_transition_says(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A, B))).hold
    assert store.get_hold("h1") == hold
    assert statuses(store)[A] is statuses(store)[B] is SeatStatus.HELD
    assert [s.hold_id for s in store.read_seats([A, B])] == ["h1", "h1"]
    booking = ok(store, confirm_change(hold, 5.0)).booking
    assert store.get_hold("h1") is None and store.get_booking(booking.booking_id) == booking
    assert store.booking_for_hold("h1") == booking
    assert [s.booking_id for s in store.read_seats([A, B])] == [booking.booking_id] * 2
    assert statuses(store)[A] is SeatStatus.SOLD
    refund(store, booking, 6.0)
    ok(store, cancel_change(booking, 6.0))
    assert store.get_booking(booking.booking_id).status is BookingStatus.CANCELLED
    assert store.get_booking(booking.booking_id).cancelled_at == 6.0
    assert statuses(store)[A] is statuses(store)[B] is SeatStatus.AVAILABLE
    for kind in (RecordKind.RELEASE, RecordKind.EXPIRE):
        held = ok(store, hold_change(f"h-{kind.value}", (C,), at=7.0)).hold
        ok(store, end_change(held, 8.0 if kind is RecordKind.RELEASE else held.expires_at, kind))
        assert store.get_hold(held.hold_id) is None and statuses(store)[C] is SeatStatus.AVAILABLE
    ok(store, venue_change(RecordKind.BLOCK, (A,)))
    assert statuses(store)[A] is SeatStatus.BLOCKED
    ok(store, venue_change(RecordKind.UNBLOCK, (A,)))
    assert statuses(store)[A] is SeatStatus.AVAILABLE
    assert {s.hold_id for s in store.snapshot().values()} == {None}
    assert {s.booking_id for s in store.snapshot().values()} == {None}
    assert_counters_match_seats(store)
    assert_store_clean(store)


# --- every guard, refusing, and a refusal changes nothing ----------------------------


def _held_by_other(store):
    ok(store, hold_change("h-bob", (A,), user="bob"))
    return hold_change("h1", (A,))


def _sold_seat(store):
    sold(store, "h-bob", (A,))
    return hold_change("h1", (A,))


def _blocked_seat(store):
    ok(store, venue_change(RecordKind.BLOCK, (A,)))
    return hold_change("h1", (A,))


def _block_a_held_seat(store):
    ok(store, hold_change("h1", (A,)))
    return venue_change(RecordKind.BLOCK, (A,))


def _unblock_an_available_seat(store):
    return venue_change(RecordKind.UNBLOCK, (A,))


def _confirm_seats_of_another_hold(store):
    mine = ok(store, hold_change("h1", (A,))).hold
    ok(store, hold_change("h-bob", (B,), user="bob"))
    return confirm_change(mine, 1.0, seat_ids=(B,))  # hold h1 is live, but B is HELD by h-bob


def _cancel_seats_of_another_booking(store):
    mine = sold(store, "h1", (A,))
    sold(store, "h-bob", (B,))
    return cancel_change(mine, 2.0, seat_ids=(B,))  # booking b-h1 is CONFIRMED, but B is sold to b-h-bob


def _confirm_a_released_hold(store):
    hold = ok(store, hold_change("h1", (A,))).hold
    ok(store, end_change(hold, 1.0))
    ok(store, hold_change("h-bob", (A,), user="bob", at=2.0))  # the seat is HELD again, by someone else
    return confirm_change(hold, 3.0)


def _release_an_unknown_hold(store):
    ok(store, hold_change("h1", (A,)))
    ghost = Hold(hold_id="h-ghost", user="alice", seat_ids=(A,), created_at=0.0, expires_at=600.0,
                 amount_cents=PRICE)
    return end_change(ghost, 1.0)


def _confirm_at_expiry(store):
    hold = ok(store, hold_change("h1", (A,), ttl=60.0)).hold
    return confirm_change(hold, hold.expires_at)


def _cancel_a_cancelled_booking(store):
    booking = sold(store, "h1", (A,))
    refund(store, booking, 2.0)
    ok(store, cancel_change(booking, 2.0))
    ok(store, hold_change("h-bob", (A,), user="bob", at=3.0))
    return cancel_change(booking, 4.0)


def _cancel_an_unknown_booking(store):
    booking = sold(store, "h1", (A,))
    ghost = Booking(booking_id="b-ghost", hold_id="h-ghost", user="alice", seat_ids=(A,), amount_cents=PRICE,
                    status=BookingStatus.CONFIRMED, created_at=0.0, payment_id="pay-ghost")
    assert booking.seat_ids == ghost.seat_ids
    return cancel_change(ghost, 2.0)


def _stale_version(store):
    ok(store, hold_change("h-bob", (A,), user="bob"))
    ok(store, end_change(store.get_hold("h-bob"), 1.0))  # back to AVAILABLE, two versions later
    return hold_change("h1", (A,), at=2.0, expect_versions=(0,))


def _older_fencing_token(store):
    ok(store, hold_change("h-bob", (A,), user="bob", fencing_tokens=(5,)))
    ok(store, end_change(store.get_hold("h-bob"), 1.0))
    return hold_change("h1", (A,), at=2.0, fencing_tokens=(4,))


def _equal_fencing_token(store):
    ok(store, hold_change("h-bob", (A,), user="bob", fencing_tokens=(5,)))
    ok(store, end_change(store.get_hold("h-bob"), 1.0))
    return hold_change("h1", (A,), at=2.0, fencing_tokens=(5,))  # a reused lease


def _status_and_token_both_wrong(store):
    ok(store, hold_change("h-bob", (A,), user="bob", fencing_tokens=(5,)))
    return hold_change("h1", (A,), at=1.0, fencing_tokens=(3,))  # STATUS comes before FENCING


def _cancel_with_an_older_token(store):
    hold = ok(store, hold_change("h1", (A,), fencing_tokens=(5,))).hold
    booking = ok(store, confirm_change(hold, 1.0, fencing_tokens=(6,))).booking
    return cancel_change(booking, 2.0, fencing_tokens=(4,))  # every other guard holds: the token is the reason


def _confirm_with_an_older_token(store):
    hold = ok(store, hold_change("h1", (A,), fencing_tokens=(5,))).hold
    return confirm_change(hold, 1.0, fencing_tokens=(5,))


REFUSALS = {
    "status: hold a seat HELD by another hold": (_held_by_other, WriteResult.CONFLICT),
    "status: hold a SOLD seat": (_sold_seat, WriteResult.CONFLICT),
    "status: hold a BLOCKED seat": (_blocked_seat, WriteResult.CONFLICT),
    "status: block a HELD seat": (_block_a_held_seat, WriteResult.CONFLICT),
    "status: unblock an AVAILABLE seat": (_unblock_an_available_seat, WriteResult.CONFLICT),
    "owner hold: confirm seats another hold holds": (_confirm_seats_of_another_hold, WriteResult.CONFLICT),
    "owner booking: cancel seats another booking owns": (_cancel_seats_of_another_booking, WriteResult.CONFLICT),
    "live hold: confirm a released hold": (_confirm_a_released_hold, WriteResult.CONFLICT),
    "live hold: release a hold that never existed": (_release_an_unknown_hold, WriteResult.CONFLICT),
    "unexpired hold: confirm at exactly expires_at": (_confirm_at_expiry, WriteResult.CONFLICT),
    "confirmed booking: cancel a cancelled booking": (_cancel_a_cancelled_booking, WriteResult.CONFLICT),
    "confirmed booking: cancel a booking that never existed": (_cancel_an_unknown_booking, WriteResult.CONFLICT),
    "versions: a stale version": (_stale_version, WriteResult.CONFLICT),
    "fencing: an older token": (_older_fencing_token, WriteResult.STALE_TOKEN),
    "fencing: an equal token": (_equal_fencing_token, WriteResult.STALE_TOKEN),
    "order: the status guard is checked before the token": (_status_and_token_both_wrong, WriteResult.CONFLICT),
    "fencing: cancel a confirmed booking with an older token": (_cancel_with_an_older_token, WriteResult.STALE_TOKEN),
    "fencing: confirm a live hold with its own token again": (_confirm_with_an_older_token, WriteResult.STALE_TOKEN),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_guard_that_fails_refuses_the_change_and_changes_nothing(new_store, case):
    store = new_store()
    setup, refusal = REFUSALS[case]
    change = setup(store)
    before = store_state(store)
    assert store.apply(change) is refusal
    assert store_state(store) == before  # seats, holds, bookings, counters, history, tokens
    assert_store_clean(store)


def test_confirm_just_before_expiry_is_accepted(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,), ttl=60.0)).hold
    ok(store, confirm_change(hold, hold.expires_at - 0.001))
    assert statuses(store)[A] is SeatStatus.SOLD
    assert_store_clean(store)


def test_a_blind_write_skips_the_status_guard(new_store):
    """What the naive strategy does when its check passed a moment before: write anyway."""
    store = new_store()
    ok(store, hold_change("h1", (A,)))
    before = store_state(store)
    bob = hold_change("h-bob", (A,), user="bob")
    assert store.apply(bob) is WriteResult.CONFLICT
    assert store_state(store) == before
    ok(store, hold_change("h-bob", (A,), user="bob", guarded=False))
    assert store.read_seats([A])[0].hold_id == "h-bob"


# --- all or nothing ------------------------------------------------------------------


@pytest.mark.parametrize("guard", ["status", "versions", "fencing"])
def test_a_multi_seat_change_is_all_or_nothing(new_store, guard):
    store = new_store()
    ok(store, hold_change("h-bob", (C,), user="bob", fencing_tokens=(7,)))
    ok(store, end_change(store.get_hold("h-bob"), 1.0))  # C: version 2, token 7 accepted
    ok(store, hold_change("h-carl", (B,), user="carl", at=1.0))
    ok(store, end_change(store.get_hold("h-carl"), 1.0))  # B: version 2
    if guard == "status":
        ok(store, hold_change("h-dan", (C,), user="dan", at=1.0))
        change, refusal = hold_change("h1", (A, B, C), at=2.0), WriteResult.CONFLICT
    elif guard == "versions":
        change, refusal = hold_change("h1", (A, B, C), at=2.0, expect_versions=(0, 2, 1)), WriteResult.CONFLICT
    else:
        change, refusal = hold_change("h1", (A, B, C), at=2.0, fencing_tokens=(9, 9, 6)), WriteResult.STALE_TOKEN
    before = store_state(store)
    assert store.apply(change) is refusal
    assert store_state(store) == before  # A and B, which passed, were not written either


# --- compare-and-set versions --------------------------------------------------------


def test_every_write_bumps_each_seat_version_by_one_and_a_refusal_does_not(new_store):
    store = new_store()

    def versions() -> list[int]:
        return [s.version for s in store.read_seats([A, B])]

    assert versions() == [0, 0]
    hold = ok(store, hold_change("h1", (A, B), expect_versions=(0, 0))).hold
    assert versions() == [1, 1]
    assert store.apply(confirm_change(hold, 1.0, expect_versions=(0, 1))) is WriteResult.CONFLICT
    assert versions() == [1, 1]
    booking = ok(store, confirm_change(hold, 1.0, expect_versions=(1, 1))).booking
    assert versions() == [2, 2]
    ok(store, cancel_change(booking, 2.0))
    assert versions() == [3, 3]
    assert [s.version for s in store.read_seats([C])] == [0]


# --- fencing tokens ------------------------------------------------------------------


def test_fencing_accepts_only_a_token_newer_than_the_newest_accepted(new_store):
    store = new_store()
    assert store.newest_fencing_token(A) == -1
    hold = ok(store, hold_change("h1", (A,), fencing_tokens=(3,))).hold
    assert store.newest_fencing_token(A) == 3
    for token, result in ((2, WriteResult.STALE_TOKEN), (3, WriteResult.STALE_TOKEN)):
        before = store_state(store)
        assert store.apply(confirm_change(hold, 1.0, fencing_tokens=(token,))) is result
        assert store_state(store) == before
    ok(store, confirm_change(hold, 1.0, fencing_tokens=(4,)))
    assert store.newest_fencing_token(A) == 4
    assert store.newest_fencing_token(B) == -1  # tokens are per seat
    ok(store, hold_change("h2", (B,), fencing_tokens=(1,)))
    assert store.newest_fencing_token(B) == 1
    assert [r.fencing_tokens for r in store.history() if r.kind in (RecordKind.HOLD, RecordKind.CONFIRM)] == [
        (3,), (4,), (1,)]
    assert_store_clean(store)


def test_an_issued_token_is_newer_than_any_before_and_makes_older_ones_stale(new_store):
    store = new_store()
    assert store.issue_fencing_tokens([A, B]) == (1, 1)  # per seat, from 1
    first = store.issue_fencing_tokens([A])[0]
    assert first == 2 and store.newest_fencing_token(A) == 1  # token 1 is superseded before any write
    second = store.issue_fencing_tokens([A])[0]
    before = store_state(store)
    assert store.apply(hold_change("h1", (A,), fencing_tokens=(first,))) is WriteResult.STALE_TOKEN
    assert store_state(store) == before
    hold = ok(store, hold_change("h2", (A,), fencing_tokens=(second,))).hold
    assert store.apply(confirm_change(hold, 1.0, fencing_tokens=(second,))) is WriteResult.STALE_TOKEN  # reused
    assert store.issue_fencing_tokens([A]) == (second + 1,)
    ok(store, hold_change("h3", (C,), fencing_tokens=(50,)))  # a token from elsewhere raises the bar too
    assert store.issue_fencing_tokens([C]) == (51,)
    assert_store_clean(store)


def test_issued_tokens_outlive_the_process_that_issued_them(tmp_path):
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    path = str(tmp_path / "event.sqlite3")
    store = SqliteStore.create(path, small_venue(6).seats())
    issued = store.issue_fencing_tokens([A])
    store.close()
    reopened = SqliteStore(path)
    assert reopened.issue_fencing_tokens([A])[0] > issued[0]
    reopened.close()


def test_a_write_without_tokens_leaves_the_newest_token_alone(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,), fencing_tokens=(3,))).hold
    ok(store, end_change(hold, 1.0))
    assert store.newest_fencing_token(A) == 3


# --- counters, history, payments -----------------------------------------------------


def test_counters_always_equal_the_seat_states(new_store):
    store = new_store()
    assert_counters_match_seats(store)
    steps = [
        lambda: hold_change("h1", (A, B)),
        lambda: venue_change(RecordKind.BLOCK, (C,)),
        lambda: hold_change("h2", (B,)),  # refused
        lambda: confirm_change(store.get_hold("h1"), 1.0),
        lambda: venue_change(RecordKind.UNBLOCK, (C,)),
        lambda: cancel_change(store.get_booking("b-h1"), 2.0),
        lambda: venue_change(RecordKind.UNBLOCK, (C,)),  # refused
    ]
    for step in steps:
        store.apply(step())
        assert_counters_match_seats(store)
        assert sum(store.counters().values()) == 6


def test_each_change_appends_one_record_saying_what_it_did(new_store):
    store = new_store()
    first = store.history()
    assert [(r.seq, r.kind, r.to_status) for r in first] == [(1, RecordKind.INIT, SeatStatus.AVAILABLE)]
    assert first[0].seat_ids == tuple(store.snapshot()) and first[0].counters == (6, 0, 0, 0)
    hold = ok(store, hold_change("h1", (A, B), at=1.0, fencing_tokens=(1, 1))).hold
    booking = ok(store, confirm_change(hold, 2.0)).booking
    refund(store, booking, 3.0)
    ok(store, cancel_change(booking, 3.0))
    ok(store, venue_change(RecordKind.BLOCK, (C,), at=4.0))
    records = store.history()
    seqs = [r.seq for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [(r.kind, r.seat_ids, r.to_status, r.at) for r in records[1:]] == [
        (RecordKind.HOLD, (A, B), SeatStatus.HELD, 1.0),
        (RecordKind.PAYMENT_CAPTURED, (), None, 2.0),  # in the same step as the booking it pays for
        (RecordKind.CONFIRM, (A, B), SeatStatus.SOLD, 2.0),
        (RecordKind.PAYMENT_REFUNDED, (), None, 3.0),  # the money goes back before the seats do
        (RecordKind.CANCEL, (A, B), SeatStatus.AVAILABLE, 3.0),
        (RecordKind.BLOCK, (C,), SeatStatus.BLOCKED, 4.0),
    ]
    held, captured, confirmed, refunded, cancelled, blocked = records[1:]
    assert (held.hold_id, held.user, held.expires_at, held.amount_cents, held.fencing_tokens) == (
        "h1", "alice", 601.0, 2 * PRICE, (1, 1))
    assert held.counters == (4, 2, 0, 0)
    assert (captured.payment_id, captured.amount_cents, captured.hold_id, captured.user) == (
        "pay-h1", 2 * PRICE, "h1", "alice")
    assert (confirmed.booking_id, confirmed.payment_id, confirmed.amount_cents) == ("b-h1", "pay-h1", 2 * PRICE)
    assert confirmed.counters == (4, 0, 2, 0)
    assert (cancelled.booking_id, cancelled.counters) == ("b-h1", (6, 0, 0, 0))
    assert (blocked.user, blocked.counters, blocked.amount_cents) == ("venue", (5, 0, 0, 1), 0)  # no money moves
    assert refunded.counters is None and refunded.amount_cents == 2 * PRICE
    assert_store_clean(store)


def test_a_payment_fact_is_recorded_once(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,))).hold
    assert store.record(RecordKind.PAYMENT_CAPTURED, 1.0, user="alice", hold_id="h1", payment_id="pay-h1",
                        amount_cents=PRICE) > 0
    ok(store, confirm_change(hold, 2.0))  # carries the same capture: not written again
    assert store.record(RecordKind.PAYMENT_CAPTURED, 3.0, payment_id="pay-h1", amount_cents=PRICE) == 0
    first = store.record(RecordKind.PAYMENT_REFUNDED, 4.0, payment_id="pay-x", amount_cents=5)
    assert first > 0 and store.record(RecordKind.PAYMENT_REFUNDED, 5.0, payment_id="pay-x", amount_cents=5) == 0
    kinds = Counter((r.kind, r.payment_id) for r in store.history())
    assert kinds[(RecordKind.PAYMENT_CAPTURED, "pay-h1")] == 1
    assert kinds[(RecordKind.PAYMENT_REFUNDED, "pay-x")] == 1
    sweep = store.record(RecordKind.SWEEP, 6.0, skipped=("h9",))
    assert store.history()[-1].seq == sweep and store.history()[-1].skipped == ("h9",)


# --- reads ---------------------------------------------------------------------------


def test_find_available_sees_seats_that_come_back(new_store):
    store = new_store()
    assert store.find_available(2) == [A, B]
    hold = ok(store, hold_change("h1", (A, B))).hold
    assert store.find_available(2) == [C, "GA-1-4"]
    ok(store, end_change(hold, 1.0))
    assert store.find_available(1) == [A]
    everything = tuple(store.snapshot())
    booking = sold(store, "h2", everything, at=2.0)
    assert store.find_available(1) == []
    ok(store, cancel_change(booking, 3.0))
    assert store.find_available(6) == list(everything)


def test_prices_come_from_the_seat_map_as_the_seats_change(new_store):
    store = new_store([Seat(f"GA-1-{n}", "GA", 1, n, 100 * n) for n in range(1, 7)])
    assert store.prices == {f"GA-1-{n}": 100 * n for n in range(1, 7)}
    assert store.price_cents([A, C]) == 400 and store.price_cents([]) == 0
    ok(store, hold_change("h1", (A,)))
    assert store.price_cents([A, C]) == 400  # a held seat costs what it did
    with pytest.raises(SeatNotFound) as info:
        store.price_cents([A, "GA-9-9"])
    assert info.value.seat_ids == ("GA-9-9",)


def test_expired_holds_are_those_at_or_past_their_expiry(new_store):
    store = new_store()
    ok(store, hold_change("h1", (A,), ttl=60.0))
    ok(store, hold_change("h2", (B,), ttl=120.0))
    assert [h.hold_id for h in store.expired_holds(59.9)] == []
    assert [h.hold_id for h in store.expired_holds(60.0)] == ["h1"]
    assert sorted(h.hold_id for h in store.live_holds()) == ["h1", "h2"]


def test_changes_inside_the_seat_locks_are_kept_and_a_refused_one_undoes_itself(new_store):
    store = new_store()
    with store.seat_locks([A, B], timeout=1.0):
        ok(store, hold_change("h1", (A,)))
        before = store_state(store)
        assert store.apply(hold_change("h2", (A,))) is WriteResult.CONFLICT
        assert store_state(store) == before
        ok(store, hold_change("h3", (B,)))
    assert statuses(store)[A] is statuses(store)[B] is SeatStatus.HELD
    assert sorted(h.hold_id for h in store.live_holds()) == ["h1", "h3"]
    assert_store_clean(store)


# --- the guard list itself -----------------------------------------------------------


def test_required_guards_follow_the_kind_and_what_the_strategy_set():
    hold = hold_change("h1", (A,)).hold
    booking = confirm_change(hold, 1.0).booking
    assert required_guards(hold_change("h1")) == (Guard.STATUS,)
    assert required_guards(confirm_change(hold, 1.0)) == (
        Guard.HOLD_LIVE, Guard.HOLD_UNEXPIRED, Guard.STATUS, Guard.HELD_BY)
    assert required_guards(end_change(hold, 1.0, RecordKind.EXPIRE)) == (Guard.HOLD_LIVE, Guard.STATUS, Guard.HELD_BY)
    assert required_guards(cancel_change(booking, 2.0)) == (Guard.BOOKING_CONFIRMED, Guard.STATUS, Guard.BOOKED_BY)
    assert required_guards(venue_change(RecordKind.UNBLOCK)) == (Guard.STATUS,)
    assert required_guards(hold_change("h1", expect_versions=(0,), fencing_tokens=(1,))) == (
        Guard.STATUS, Guard.VERSIONS, Guard.FENCING)
    assert required_guards(hold_change("h1", guarded=False)) == ()
    assert required_guards(hold_change("h1", guarded=False, fencing_tokens=(1,))) == (Guard.FENCING,)
    assert {Guard.FENCING.refusal} == {WriteResult.STALE_TOKEN}
    assert {g.refusal for g in Guard if g is not Guard.FENCING} == {WriteResult.CONFLICT}
    assert set(TRANSITIONS) == {RecordKind.HOLD, RecordKind.CONFIRM, RecordKind.RELEASE, RecordKind.EXPIRE,
                                RecordKind.CANCEL, RecordKind.BLOCK, RecordKind.UNBLOCK}


def test_a_change_is_immutable():
    change = hold_change("h1")
    with pytest.raises(AttributeError):
        change.guarded = False  # type: ignore[misc]


@pytest.mark.parametrize("kind", chosen_stores())
def test_a_store_needs_at_least_one_seat(kind, tmp_path):
    with pytest.raises(InputError):
        STORE_FACTORIES[kind]([], tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    store = STORE_FACTORIES[kind](small_venue(1).seats(), tmp_path)
    assert store.example_seat_id() == A
    store.close()


# --- payment intents: guarded moves, alone or with a change ---------------------------


def intent(hold: Hold, state: PaymentState, at: float = 1.0, booking_id=None) -> PaymentIntent:
    return PaymentIntent(f"pay-{hold.hold_id}", hold.hold_id, hold.user, hold.amount_cents, state, at, booking_id)


def step(hold: Hold, expect, state: PaymentState | None, captured: bool = False, **fields) -> PaymentStep:
    return PaymentStep(f"pay-{hold.hold_id}", frozenset(expect),
                       intent(hold, state, **fields) if state else None, captured)


def test_a_payment_moves_only_from_a_state_its_step_expects_with_its_records(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,))).hold
    assert store.move_payment(step(hold, {None}, PaymentState.CHARGING), 1.0, live_hold="h1")
    assert not store.move_payment(step(hold, {None}, PaymentState.CHARGING), 1.0)  # it exists now
    assert store.get_payment("pay-h1").state is PaymentState.CHARGING
    assert [p.payment_id for p in store.open_payments()] == ["pay-h1"]
    assert store.move_payment(step(hold, {PaymentState.CHARGING}, PaymentState.REFUNDING, captured=True), 2.0)
    assert [(r.kind, r.payment_id, r.amount_cents) for r in store.history()[-3:]] == [
        (RecordKind.PAYMENT_INTENT, "pay-h1", PRICE),
        (RecordKind.PAYMENT_CAPTURED, "pay-h1", PRICE),  # what the gateway said, before the refund decided
        (RecordKind.REFUND_INTENT, "pay-h1", PRICE),
    ]
    assert store.last_seq() == store.history()[-1].seq
    ok(store, end_change(hold, 3.0)._replace(
        payment=step(hold, {PaymentState.REFUNDING}, PaymentState.REFUNDED)))
    assert store.get_payment("pay-h1").state is PaymentState.REFUNDED and store.open_payments() == []
    assert [r.kind for r in store.history()[-2:]] == [RecordKind.PAYMENT_REFUNDED, RecordKind.RELEASE]
    assert_store_clean(store)


def test_a_charge_opens_only_for_a_hold_that_is_live_and_unexpired(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,), ttl=60.0)).hold
    assert not store.move_payment(step(hold, {None}, PaymentState.CHARGING), 60.0, live_hold="h1")
    assert not store.move_payment(step(hold, {None}, PaymentState.CHARGING), 1.0, live_hold="h-gone")
    assert store.get_payment("pay-h1") is None


def test_a_change_whose_payment_moved_meanwhile_is_refused_and_changes_nothing(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,))).hold
    assert store.move_payment(step(hold, {None}, PaymentState.REFUNDING), 1.0)  # a refund was decided
    before = store_state(store)
    paid = step(hold, {PaymentState.CHARGING}, PaymentState.BOOKED, booking_id="b-h1")
    assert store.apply(confirm_change(hold, 2.0)._replace(payment=paid)) is WriteResult.CONFLICT
    assert store.apply(end_change(hold, 2.0)._replace(payment=step(hold, {None}, None))) is WriteResult.CONFLICT
    assert store_state(store) == before
    assert store.get_payment("pay-h1").state is PaymentState.REFUNDING


# --- what a write keeps, and what the history numbers --------------------------------


def test_a_write_keeps_each_seats_place_and_price(new_store):
    store = new_store()
    before = store.read_seats([A, B])
    sold(store, "h1", (A, B))
    after = store.read_seats([A, B])
    assert [(s.seat_id, s.section, s.row, s.number, s.price_cents) for s in after] == [
        (s.seat_id, s.section, s.row, s.number, s.price_cents) for s in before]
    assert [s.status for s in after] == [SeatStatus.SOLD, SeatStatus.SOLD]


def test_a_seat_no_token_was_ever_accepted_for_has_no_bar(new_store):
    store = new_store()
    booking = sold(store, "h1", (A,))  # unfenced writes: the bar stays where it was
    refund(store, booking, 2.0)
    ok(store, cancel_change(booking, 2.0))
    assert store.newest_fencing_token(A) == -1 and store.newest_fencing_token(B) == -1
    assert store.newest_fencing_token("no-such-seat") == -1
    ok(store, hold_change("h2", (A,), at=3.0, fencing_tokens=(0,)))  # so the first token, 0, passes


def test_a_blind_end_of_a_hold_already_gone_still_writes_its_seats(new_store):
    """The naive strategy's release can land after the hold ended: nothing guards it, and the store
    must write it (this is how a naive service loses a seat), not fail on the missing hold."""
    store = new_store()
    hold = ok(store, hold_change("h1", (A,))).hold
    ok(store, end_change(hold, 1.0))
    for kind in (RecordKind.RELEASE, RecordKind.EXPIRE):
        ok(store, hold_change(f"h-{kind}", (A,), at=2.0, guarded=False))
        ok(store, end_change(hold, 3.0, kind, guarded=False))
        assert statuses(store)[A] is SeatStatus.AVAILABLE
    again = ok(store, hold_change("h3", (B,), at=4.0)).hold
    ok(store, end_change(again, 5.0))
    assert ok(store, confirm_change(again, 6.0, guarded=False)).booking.booking_id == "b-h3"
    assert statuses(store)[B] is SeatStatus.SOLD


def test_payment_records_carry_the_time_of_the_step_that_wrote_them(new_store):
    store = new_store()
    hold = ok(store, hold_change("h1", (A,))).hold
    assert store.move_payment(step(hold, {None}, PaymentState.CHARGING), 1.5, live_hold="h1")
    declined = step(hold, {PaymentState.CHARGING}, PaymentState.DECLINED)
    ok(store, end_change(hold, 2.5)._replace(payment=declined))
    payments = [(r.kind, r.at) for r in store.history() if r.payment_id == "pay-h1"]
    assert payments == [(RecordKind.PAYMENT_INTENT, 1.5), (RecordKind.PAYMENT_DECLINED, 2.5)]


def test_a_recorded_fact_reads_back_with_every_field_it_was_given(new_store):
    store = new_store()
    fields = dict(user="alice", hold_id="h7", seat_ids=(A, B), amount_cents=1234, payment_id=None,
                  skipped=("h8", "h9"), scan_seq=1, counters=(4, 2, 0, 0))
    seq = store.record(RecordKind.SWEEP, 9.5, **fields)
    last = store.history()[-1]
    assert (last.seq, last.kind, last.at) == (seq, RecordKind.SWEEP, 9.5) and seq == store.last_seq() > 1
    assert {name: getattr(last, name) for name in fields} == fields


def test_the_memory_stores_records_are_numbered_1_2_3_in_the_order_written(tmp_path):
    """The memory store (the one the chapters print) numbers its history without gaps: a refused
    change and a fact recorded twice take no number, so a record's seq is its place in the history.
    (Other stores promise increasing numbers only: SQLite's AUTOINCREMENT spends one on an ignored
    insert, PostgreSQL's sequence one on a rolled-back transaction.)"""
    store = STORE_FACTORIES["memory"](small_venue(6).seats(), tmp_path)
    hold = ok(store, hold_change("h1", (A, B), at=1.0)).hold
    assert store.apply(hold_change("h2", (B,), at=1.0)) is not WriteResult.OK
    assert store.move_payment(step(hold, {None}, PaymentState.CHARGING), 1.5, live_hold="h1")
    paid = step(hold, {PaymentState.CHARGING}, PaymentState.BOOKED, booking_id="b-h1")
    booking = ok(store, confirm_change(hold, 2.0)._replace(payment=paid)).booking
    assert store.record(RecordKind.PAYMENT_CAPTURED, 2.5, payment_id=booking.payment_id, amount_cents=1) == 0
    swept = store.record(RecordKind.SWEEP, 3.0)
    ok(store, venue_change(RecordKind.BLOCK, (C,), at=4.0))
    seqs = [r.seq for r in store.history()]
    assert seqs == list(range(1, len(seqs) + 1)) and store.last_seq() == len(seqs) == swept + 1
    store.close()


def test_a_memory_store_starts_with_one_init_record_at_the_time_given():
    from ticketlab.seatlock import Event, MemoryStore

    plain = MemoryStore(small_venue(2).seats())
    assert plain.event_id == "event" and [(r.seq, r.at) for r in plain.history()] == [(1, 0.0)]
    event = Event("gig-9", "a small gig", small_venue(3))
    for store, at in ((MemoryStore.for_event(event), 0.0), (MemoryStore.for_event(event, at=7.5), 7.5)):
        (init,) = store.history()
        assert (store.event_id, init.kind, init.at, init.seat_ids) == (
            event.event_id, RecordKind.INIT, at, tuple(s.seat_id for s in event.seats()))
