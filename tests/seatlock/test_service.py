"""The booking service: happy paths, bad input, payments and the sweeper."""

from __future__ import annotations

import pytest

from ticketlab.core.errors import CascadeError
from ticketlab.seatlock import (
    AlreadyConfirmed,
    Behaviour,
    BookingService,
    BookingStatus,
    ConfirmFailed,
    DistributedStrategy,
    HoldExpired,
    HoldNotFound,
    InvalidSeatRequest,
    InvalidTTL,
    LockTimeout,
    LostRace,
    MemoryLockManager,
    MemoryStore,
    NotHoldOwner,
    OptimisticStrategy,
    PaymentDeclined,
    PaymentOutcome,
    PaymentOutcomeUnknown,
    PessimisticStrategy,
    SeatBlocked,
    SeatNotFound,
    SeatStatus,
    SeatUnavailable,
    SimulatedClock,
    SoldOut,
    check_history,
    small_venue,
    stadium,
)
from ticketlab.seatlock.stores.sqlite import SqliteStore

from .common import LosesConfirm, assert_clean, state


def test_stadium_has_fifty_thousand_seats_with_unique_ids():
    venue = stadium()
    seats = venue.seats()
    assert venue.capacity == len(seats) == 50_000
    assert len({s.seat_id for s in seats}) == 50_000


def test_hold_then_confirm_sells_the_seats_and_counts_follow(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-2", "GA-1-1"])
    assert hold.seat_ids == ("GA-1-1", "GA-1-2")  # sorted, so multi-seat holds cannot deadlock
    assert service.availability()[SeatStatus.HELD] == 2
    booking = service.confirm(hold.hold_id, "alice")
    assert booking.status is BookingStatus.CONFIRMED and booking.amount_cents == 20000
    counts = service.availability()
    assert counts[SeatStatus.SOLD] == 2 and counts[SeatStatus.AVAILABLE] == 4
    assert_clean(service)


def test_multi_seat_hold_is_all_or_nothing(make):
    service, _ = make()
    service.hold_seats("bob", ["GA-1-3"])
    before = state(service)
    with pytest.raises(SeatUnavailable) as info:
        service.hold_seats("alice", ["GA-1-1", "GA-1-2", "GA-1-3"])
    assert info.value.seat_statuses == {"GA-1-3": "HELD"} and not isinstance(info.value, SeatBlocked)
    assert state(service) == before
    assert_clean(service)


@pytest.mark.parametrize("seat_ids, error", [
    (["GA-9-9"], SeatNotFound),
    ([], InvalidSeatRequest),
    (["GA-1-1", "GA-1-1"], InvalidSeatRequest),
    ("GA-1-1", InvalidSeatRequest),
])
def test_bad_seat_requests_raise_specific_errors_and_change_nothing(make, seat_ids, error):
    service, _ = make()
    before = state(service)
    with pytest.raises(error) as info:
        service.hold_seats("alice", seat_ids)
    assert isinstance(info.value, ValueError)  # input errors are ValueErrors too
    assert "expected" in str(info.value)
    assert state(service) == before


@pytest.mark.parametrize("count", [0, -1, 2.5])
def test_zero_or_negative_seat_counts_are_rejected(make, count):
    service, _ = make()
    before = state(service)
    with pytest.raises(InvalidSeatRequest):
        service.hold_any("alice", count)
    assert state(service) == before


@pytest.mark.parametrize("attempts", [0, -1, 1.5, True])
def test_hold_any_with_no_attempts_allowed_is_bad_input_not_a_crash(make, attempts):
    service, _ = make()
    before = state(service)
    with pytest.raises(InvalidSeatRequest) as info:
        service.hold_any("alice", 1, attempts=attempts)
    assert "attempts" in str(info.value)
    assert state(service) == before


def test_hold_any_gives_up_after_its_attempts_with_the_last_contention_error(make):
    class AlwaysLoses(OptimisticStrategy):
        def write(self, store, seat_ids, check, build, clock):
            raise LostRace(seat_ids, 1)

    service, _ = make(strategy=AlwaysLoses())
    with pytest.raises(LostRace):
        service.hold_any("alice", 1, attempts=3)
    assert service.stats.conflicts == 3


@pytest.mark.parametrize("ttl", [0, -5, float("inf"), float("nan")])
def test_non_positive_ttl_is_rejected(make, ttl):
    service, _ = make()
    before = state(service)
    with pytest.raises(InvalidTTL):
        service.hold_seats("alice", ["GA-1-1"], ttl=ttl)
    assert state(service) == before


def test_hold_on_blocked_seat_says_blocked_and_changes_nothing(make):
    service, _ = make()
    service.block(["GA-1-1"])
    before = state(service)
    with pytest.raises(SeatBlocked):
        service.hold_seats("alice", ["GA-1-1"])
    assert state(service) == before
    service.unblock(["GA-1-1"])
    service.hold_seats("alice", ["GA-1-1"])
    assert_clean(service)


def test_confirming_someone_elses_hold_is_refused(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    before = state(service)
    with pytest.raises(NotHoldOwner):
        service.confirm(hold.hold_id, "mallory")
    with pytest.raises(NotHoldOwner):
        service.release(hold.hold_id, "mallory")
    assert state(service) == before
    assert service.payments.status(f"pay-{hold.hold_id}") is PaymentOutcome.NONE


def test_double_confirm_is_refused_and_charges_once(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    service.confirm(hold.hold_id, "alice")
    before = state(service)
    with pytest.raises(AlreadyConfirmed):
        service.confirm(hold.hold_id, "alice")
    assert state(service) == before
    assert service.payments.captured_cents() == hold.amount_cents
    assert_clean(service)


def test_unknown_hold_is_refused(make):
    service, _ = make()
    with pytest.raises(HoldNotFound):
        service.confirm("h-nope", "alice")


def test_hold_any_sells_out_cleanly(make):
    service, _ = make(seats=3)
    service.hold_any("a", 2)
    with pytest.raises(SoldOut):
        service.hold_any("b", 2)
    assert_clean(service)


def test_release_frees_the_seats(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    service.release(hold.hold_id, "alice")
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    with pytest.raises(HoldNotFound):
        service.confirm(hold.hold_id, "alice")
    assert_clean(service)


def test_cancel_refunds_and_frees_the_seats(make):
    service, _ = make()
    hold = service.hold_seats("alice", ["GA-1-1"])
    booking = service.confirm(hold.hold_id, "alice")
    cancelled = service.cancel(booking.booking_id, "alice")
    assert cancelled.status is BookingStatus.CANCELLED
    assert service.payments.captured_cents() == 0
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    assert_clean(service)


def test_sweeper_releases_expired_holds_after_ten_minutes(make):
    service, clock = make()
    service.hold_seats("alice", ["GA-1-1"])
    clock.advance(599)
    assert service.sweep_expired().released == ()
    clock.advance(1)
    assert len(service.sweep_expired().released) == 1
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    assert_clean(service)


def test_confirm_after_expiry_is_refused_without_charging(make):
    service, clock = make()
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=60)
    clock.advance(61)
    with pytest.raises(HoldExpired) as info:
        service.confirm(hold.hold_id, "alice")
    assert (info.value.hold_id, info.value.expired_at, info.value.now) == (hold.hold_id, hold.expires_at, clock.now())
    assert not info.value.refunded
    assert service.payments.status(f"pay-{hold.hold_id}") is PaymentOutcome.NONE


def test_payment_landing_after_expiry_is_refunded_and_seats_released(make):
    service, _ = make(behaviours={"alice": Behaviour.SLOW})  # the charge takes 15 min
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(HoldExpired) as info:
        service.confirm(hold.hold_id, "alice")
    assert info.value.refunded
    assert service.payments.captured_cents() == 0
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    assert_clean(service)


def test_declined_payment_releases_the_hold(make):
    service, _ = make(behaviours={"alice": Behaviour.DECLINE})
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentDeclined):
        service.confirm(hold.hold_id, "alice")
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    assert_clean(service)


def test_sweeper_waits_for_pending_payment_then_refunds_once_it_lands(make):
    service, clock = make(behaviours={"alice": Behaviour.TIMEOUT_PENDING})
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    clock.advance(700)
    sweep = service.sweep_expired()
    assert sweep.skipped == (hold.hold_id,)  # the money may still move: keep the seats
    assert service.availability()[SeatStatus.HELD] == 1
    report = check_history(service.store.history())
    assert report.ok and report.maybe == (f"pay-{hold.hold_id}",)
    service.payments.settle()
    sweep = service.sweep_expired()  # asked a moment ago: the next question waits for the recheck backoff
    assert (sweep.skipped, sweep.deferred, sweep.released) == ((hold.hold_id,), (hold.hold_id,), ())
    assert service.availability()[SeatStatus.HELD] == 1 and check_history(service.store.history()).ok
    clock.advance(service.recheck_after)
    sweep = service.sweep_expired()
    assert sweep.refunded == (hold.hold_id,) and sweep.released == (hold.hold_id,)
    assert service.payments.captured_cents() == 0
    assert_clean(service)


def test_timed_out_payment_that_was_captured_is_refunded_by_the_sweeper(make):
    service, clock = make(behaviours={"alice": Behaviour.TIMEOUT_CAPTURED})
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(PaymentOutcomeUnknown):
        service.confirm(hold.hold_id, "alice")
    clock.advance(601)
    assert service.sweep_expired().refunded == (hold.hold_id,)
    assert service.payments.captured_cents() == 0
    assert_clean(service)


def test_confirm_failing_after_payment_refunds_and_releases(make):
    service, _ = make(strategy=LosesConfirm())
    hold = service.hold_seats("alice", ["GA-1-1"])
    with pytest.raises(ConfirmFailed):
        service.confirm(hold.hold_id, "alice")
    assert service.payments.captured_cents() == 0
    assert service.availability()[SeatStatus.AVAILABLE] == 6
    assert_clean(service)


def test_upside_down_timeout_cascade_is_refused_when_building_the_service():
    store = MemoryStore(small_venue(2).seats())
    with pytest.raises(CascadeError):
        BookingService(store, OptimisticStrategy(lock_ttl=900), SimulatedClock(), hold_ttl=600)
    with pytest.raises(CascadeError):
        BookingService(store, PessimisticStrategy(), SimulatedClock(), http_timeout=3, db_timeout=5)


def test_service_takes_human_durations_for_the_cascade_and_holds():
    clock = SimulatedClock()
    service = BookingService(MemoryStore(small_venue(2).seats()), OptimisticStrategy(), clock,
                             hold_ttl="10 min", http_timeout="10s", db_timeout=5)
    assert (service.hold_ttl, service.http_timeout, service.db_timeout) == (600.0, 10.0, 5.0)
    assert service.hold_seats("alice", ["GA-1-1"], ttl="2 min").expires_at == 120.0


def test_pessimistic_lock_wait_timeout_raises_lock_timeout_in_memory():
    store = MemoryStore(small_venue(2).seats())
    service = BookingService(store, PessimisticStrategy(lock_wait=0.05), SimulatedClock())
    with store.seat_locks(["GA-1-1"], timeout=1):  # another request is inside its critical section
        before = store.snapshot()
        with pytest.raises(LockTimeout):
            service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
        assert store.snapshot() == before
    assert service.stats.lock_timeouts == 1
    service.hold_seats("alice", ["GA-1-1", "GA-1-2"])  # the locks were all given back


def test_pessimistic_lock_wait_timeout_raises_lock_timeout_in_sqlite(tmp_path):
    from ticketlab.seatlock.sqlitedb import connect

    path = str(tmp_path / "event.sqlite3")
    store = SqliteStore.create(path, small_venue(2).seats())
    service = BookingService(store, PessimisticStrategy(lock_wait=0.05), SimulatedClock())
    other = connect(path)
    other.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock
    try:
        with pytest.raises(LockTimeout):
            service.hold_seats("alice", ["GA-1-1"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    service.hold_seats("alice", ["GA-1-1"])
    assert check_history(store.history(), store.snapshot()).ok
    store.close()


def test_distributed_lease_wait_timeout_raises_lock_timeout():
    clock = SimulatedClock()
    locks = MemoryLockManager(clock)
    store = MemoryStore(small_venue(2).seats(), event_id="gig")
    service = BookingService(store, DistributedStrategy(locks, lock_wait=0.05), clock)
    other = locks.acquire("seat:gig:GA-1-2", ttl=30)
    with pytest.raises(LockTimeout):
        service.hold_seats("alice", ["GA-1-1", "GA-1-2"])
    assert locks.owner("seat:gig:GA-1-1") is None  # the lease it did get was given back
    locks.release(other)
    # the store issues the tokens, and the attempt that timed out never reached it
    assert service.hold_seats("alice", ["GA-1-1", "GA-1-2"]).fencing_tokens == (1, 1)


def test_a_stadium_event_on_either_store_sells_from_the_front_and_keeps_counts(tmp_path):
    from ticketlab.seatlock import Event

    event = Event("eras-night-1", "Eras Tour, night 1", stadium(), "2026-08-01T19:30")
    for store in (MemoryStore.for_event(event), SqliteStore.for_event(str(tmp_path / "eras.sqlite3"), event)):
        service = BookingService(store, OptimisticStrategy(), SimulatedClock())
        hold = service.hold_any("fan", 4)
        assert hold.seat_ids == ("F1-1-1", "F1-1-2", "F1-1-3", "F1-1-4")
        assert hold.amount_cents == 4 * 45000
        service.confirm(hold.hold_id, "fan")
        assert service.availability()[SeatStatus.AVAILABLE] == event.total_seats - 4
        assert store.event_id == "eras-night-1"
        store.close()
