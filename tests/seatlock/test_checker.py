"""The history checker must be able to fail: one corrupt history per invariant."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ticketlab.seatlock import (
    Behaviour,
    BookingService,
    DistributedStrategy,
    FakePaymentGateway,
    MemoryLockManager,
    MemoryStore,
    NaiveStrategy,
    OptimisticStrategy,
    PaymentOutcomeUnknown,
    Record,
    RecordKind,
    SeatStatus,
    SimulatedClock,
    check_history,
    small_venue,
)

from .common import once


def sale(strategy=None, behaviours=None):
    """A small clean sale: alice buys, bob's hold expires and is swept, carol cancels."""
    clock = SimulatedClock()
    store = MemoryStore(small_venue(4).seats())
    service = BookingService(store, strategy or OptimisticStrategy(), clock,
                             FakePaymentGateway(clock, behaviours=behaviours))
    alice = service.hold_seats("alice", ["GA-1-1"])
    service.confirm(alice.hold_id, "alice")
    service.hold_seats("bob", ["GA-1-2"], ttl=60)
    carol = service.hold_seats("carol", ["GA-1-3"])
    service.cancel(service.confirm(carol.hold_id, "carol").booking_id, "carol")
    clock.advance(61)
    service.sweep_expired()
    return store.history(), store, alice


def renumber(records):
    return [replace(r, seq=i) for i, r in enumerate(records, 1)]


def first(records, kind, **match):
    return next(i for i, r in enumerate(records) if r.kind is kind
                and all(getattr(r, k) == v for k, v in match.items()))


def test_clean_history_passes():
    history, store, _ = sale()
    report = check_history(history, store.snapshot())
    assert report.ok, report.summary()
    assert report.double_bookings == 0


def test_catches_a_seat_sold_twice():
    history, _, alice = sale()
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    second = replace(history[i], booking_id="b-other", hold_id="h-other")
    report = check_history(renumber(history[: i + 1] + [second] + history[i + 1:]))
    assert "SOLD_TWICE" in report.kinds() and report.seats_sold_twice == ("GA-1-1",)


def test_catches_two_live_holds_on_a_seat():
    history, _, alice = sale()
    i = first(history, RecordKind.HOLD, hold_id=alice.hold_id)
    twin = replace(history[i], hold_id="h-twin", user="mallory")
    report = check_history(renumber(history[: i + 1] + [twin] + history[i + 1:]))
    assert "TWO_LIVE_HOLDS" in report.kinds()


def test_catches_a_hold_on_a_sold_seat():
    history, _, _ = sale()
    late = Record(seq=0, kind=RecordKind.HOLD, at=1.0, seat_ids=("GA-1-1",), to_status=SeatStatus.HELD,
                  user="mallory", hold_id="h-late", expires_at=600)
    assert "HOLD_ON_UNAVAILABLE" in check_history(renumber(history + [late])).kinds()


def test_catches_a_confirm_after_expiry():
    history, _, alice = sale()
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    history[i] = replace(history[i], at=10_000.0)
    assert "CONFIRM_AFTER_EXPIRY" in check_history(history).kinds()


def test_catches_a_confirm_of_a_hold_already_released():
    history, _, _ = sale()
    i = first(history, RecordKind.EXPIRE)
    ghost = replace(history[i], kind=RecordKind.CONFIRM, booking_id="b-ghost", to_status=SeatStatus.SOLD,
                    payment_id="pay-ghost")
    assert "CONFIRM_AFTER_EXPIRY" in check_history(renumber(history + [ghost])).kinds()


def test_catches_a_write_with_a_stale_fencing_token():
    clock = SimulatedClock()
    strategy = DistributedStrategy(MemoryLockManager(clock))
    history, _, alice = sale(strategy)
    assert check_history(history).ok
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    assert history[i].fencing_tokens == (2,)  # hold got token 1, confirm token 2
    history[i] = replace(history[i], fencing_tokens=(0,))
    assert "STALE_FENCING_TOKEN" in check_history(history).kinds()


def test_catches_a_fencing_token_used_twice():
    clock = SimulatedClock()
    history, _, alice = sale(DistributedStrategy(MemoryLockManager(clock)))
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    history[i] = replace(history[i], fencing_tokens=(1,))  # the hold's token, reused: its lease was spent
    assert "STALE_FENCING_TOKEN" in check_history(history).kinds()


def test_catches_sold_seats_that_differ_from_confirmed_bookings():
    history, _, _ = sale()
    unsold = Record(seq=0, kind=RecordKind.BLOCK, at=1.0, seat_ids=("GA-1-1",), to_status=SeatStatus.BLOCKED)  # alice's
    assert "SOLD_MISMATCH" in check_history(renumber(history + [unsold])).kinds()


def test_catches_counters_that_differ_from_seat_states():
    history, _, alice = sale()
    i = first(history, RecordKind.CONFIRM, hold_id=alice.hold_id)
    available, held, sold, blocked = history[i].counters
    history[i] = replace(history[i], counters=(available + 1, held, sold - 1, blocked))
    assert "COUNTERS_MISMATCH" in check_history(history).kinds()


def test_catches_a_hold_the_sweeper_never_released():
    history, _, _ = sale()
    del history[first(history, RecordKind.EXPIRE)]
    report = check_history(history)
    assert "HOLD_NOT_RELEASED" in report.kinds()


def test_catches_captured_money_that_was_neither_booked_nor_refunded():
    history, _, _ = sale()
    del history[first(history, RecordKind.PAYMENT_REFUNDED)]
    assert "PAYMENT_MISMATCH" in check_history(history).kinds()


def test_catches_a_booking_without_captured_money():
    history, _, _ = sale()
    del history[first(history, RecordKind.PAYMENT_CAPTURED)]
    assert "PAYMENT_MISMATCH" in check_history(history).kinds()


def test_unknown_payment_outcome_is_a_maybe_not_a_failure():
    history, _, _ = sale()
    i = first(history, RecordKind.PAYMENT_CAPTURED)
    history[i] = replace(history[i], kind=RecordKind.PAYMENT_UNKNOWN)  # the answer never came back
    report = check_history(history)
    assert report.ok and report.maybe == (history[i].payment_id,)


def test_catches_repeated_sequence_numbers():
    history, _, _ = sale()
    history[3] = replace(history[3], seq=history[2].seq)
    assert "SEQUENCE" in check_history(history).kinds()


def test_catches_a_store_that_disagrees_with_its_history():
    history, store, _ = sale()
    final = store.snapshot()
    final["GA-1-4"] = replace(final["GA-1-4"], status=SeatStatus.SOLD)
    assert "FINAL_STATE_MISMATCH" in check_history(history, final).kinds()


def test_catches_the_naive_strategy_selling_one_seat_twice():
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats())

    def bob_buys_in_between():
        hold = bob.hold_seats("bob", ["GA-1-1"])
        bob.confirm(hold.hold_id, "bob")

    alice = BookingService(store, NaiveStrategy(before_write=once(bob_buys_in_between)), clock)
    bob = BookingService(store, NaiveStrategy(), clock)
    hold = alice.hold_seats("alice", ["GA-1-1"])
    alice.confirm(hold.hold_id, "alice")
    report = check_history(store.history(), store.snapshot())
    assert report.seats_sold_twice == ("GA-1-1",)
    assert {"SOLD_TWICE", "HOLD_ON_UNAVAILABLE"} <= report.kinds()


@pytest.mark.parametrize("behaviour", [Behaviour.TIMEOUT_PENDING, Behaviour.TIMEOUT_CAPTURED])
def test_unknown_payments_keep_the_history_clean(behaviour):
    clock = SimulatedClock()
    store = MemoryStore(small_venue(2).seats())
    service = BookingService(store, OptimisticStrategy(), clock, FakePaymentGateway(clock, behaviours={"u": behaviour}))
    hold = service.hold_seats("u", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "u")
    clock.advance(700)
    service.sweep_expired()
    assert check_history(store.history(), store.snapshot()).ok
