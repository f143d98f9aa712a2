"""The booking service at its edges: what it is built from, what it refuses, what it counts.

Each refusal names the argument that was wrong and the value it got, so a caller (or a learner in
a notebook) can fix the call; each counter moves by exactly what happened.
"""

from __future__ import annotations

import re

import pytest

from ticketlab.core.errors import CascadeError, InputError
from ticketlab.seatlock import (
    Behaviour,
    BookingService,
    DistributedStrategy,
    FakePaymentGateway,
    InvalidSeatRequest,
    InvalidTTL,
    LostRace,
    MemoryLockManager,
    MemoryStore,
    OptimisticStrategy,
    PaymentDeclined,
    RealClock,
    RecordKind,
    SeatNotFound,
    SeatUnavailable,
    SimulatedClock,
    StaleFencingToken,
    small_venue,
)
from ticketlab.seatlock.service import ServiceStats

from .common import records_of, state


def _store(n: int = 4) -> MemoryStore:
    return MemoryStore(small_venue(n).seats(), event_id="gig")


@pytest.mark.parametrize("part, bad, example", [
    ("store", None, "MemoryStore.for_event(event)"),
    ("store", "event.sqlite3", "MemoryStore.for_event(event)"),
    ("strategy", "optimistic", "make_strategy('optimistic')"),
    ("clock", 12.0, "RealClock() or SimulatedClock()"),
    ("payments", {}, "FakePaymentGateway(clock)"),
])
def test_each_part_of_the_service_is_checked_and_named(part, bad, example):
    parts = {"store": _store(), "strategy": None, "clock": None, "payments": None, part: bad}
    with pytest.raises(InputError) as info:
        BookingService(**parts)
    assert (info.value.name, info.value.value) == (part, bad)
    assert info.value.expected.endswith(f", e.g. {example}")


def test_the_parts_left_out_get_their_defaults():
    store = _store()
    service = BookingService(store)
    assert isinstance(service.clock, RealClock) and isinstance(service.strategy, OptimisticStrategy)
    assert isinstance(service.payments, FakePaymentGateway) and service.payments.clock is service.clock
    assert (service.hold_ttl, service.http_timeout, service.db_timeout) == (600.0, 10.0, 5.0)
    assert service.checkpoint is None and service.stats.as_dict() == dict.fromkeys(ServiceStats.FIELDS, 0)


@pytest.mark.parametrize("argument", ["hold_ttl", "http_timeout", "db_timeout"])
def test_a_bad_duration_names_its_argument(argument):
    with pytest.raises(InvalidTTL) as info:
        BookingService(_store(), clock=SimulatedClock(), **{argument: -1})
    assert (info.value.name, info.value.value) == (argument, -1)


@pytest.mark.parametrize("durations, pair", [
    (dict(hold_ttl=20), ("booking_hold", "lock_ttl")),
    (dict(http_timeout=40), ("lock_ttl", "http_call")),
    (dict(db_timeout=12), ("http_call", "db_statement")),
])
def test_an_upside_down_cascade_names_the_layers_that_are(durations, pair):
    with pytest.raises(CascadeError) as info:
        BookingService(_store(), clock=SimulatedClock(), **durations)
    parent, child = pair
    assert re.search(rf"{child} \([^)]*\) must be shorter than {parent} \(", str(info.value)), str(info.value)


def test_hold_ids_count_from_one_under_a_prefix_of_their_own_per_service():
    store = _store()
    a, b = BookingService(store, clock=SimulatedClock()), BookingService(store, clock=SimulatedClock())
    ids = [a.hold_seats("u", ["GA-1-1"]).hold_id, a.hold_seats("u", ["GA-1-2"]).hold_id,
           b.hold_seats("u", ["GA-1-3"]).hold_id]
    prefix = re.fullmatch(r"h-([0-9a-f]{8})-1", ids[0]).group(1)
    assert ids[1] == f"h-{prefix}-2"
    other = re.fullmatch(r"h-([0-9a-f]{8})-1", ids[2]).group(1)
    assert other != prefix  # two servers on one store never hand out the same id


_SEAT_LIST = "e.g. ['A-1-1', 'A-1-2']"  # the example a refused seat list is shown


@pytest.mark.parametrize("seat_ids, value, expected, example", [
    ("GA-1-1", "GA-1-1", "a list of seat ids", _SEAT_LIST),
    (iter(["GA-1-1"]), None, "a list of seat ids", _SEAT_LIST),
    ([], [], "at least one seat id", ""),
    (("GA-1-1", 7), ["GA-1-1", 7], "seat ids as strings", _SEAT_LIST),
    (["GA-1-1", "GA-1-1"], ["GA-1-1", "GA-1-1"], "each seat id at most once", ""),
])
def test_a_bad_seat_list_says_what_a_good_one_looks_like(seat_ids, value, expected, example):
    service = BookingService(_store(), clock=SimulatedClock())
    with pytest.raises(InvalidSeatRequest) as info:
        service.hold_seats("alice", seat_ids)
    assert info.value.name == "seat_ids" and info.value.expected.startswith(expected)
    assert example in info.value.expected
    if value is not None:
        assert info.value.value == value
    assert service.store.live_holds() == []


def test_a_seat_list_may_be_any_sequence_of_ids():
    from collections import UserList

    service = BookingService(_store(), clock=SimulatedClock())
    assert service.hold_seats("a", UserList(["GA-1-2", "GA-1-1"])).seat_ids == ("GA-1-1", "GA-1-2")


def test_a_seat_list_may_be_a_tuple_or_a_list_in_any_order_and_is_held_sorted():
    service = BookingService(_store(), clock=SimulatedClock())
    assert service.hold_seats("a", ("GA-1-2", "GA-1-1")).seat_ids == ("GA-1-1", "GA-1-2")
    assert service.hold_seats("b", ["GA-1-4", "GA-1-3"]).seat_ids == ("GA-1-3", "GA-1-4")
    with pytest.raises(SeatNotFound) as info:
        service.hold_seats("c", ["GA-9-9", "GA-1-1"])
    assert "GA-9-9" in str(info.value) and "GA-1-1" in str(info.value)  # the missing one, and an example


@pytest.mark.parametrize("user", ["", 5, None, b"alice"])
def test_a_user_must_be_a_non_empty_string_everywhere(user):
    service = BookingService(_store(), clock=SimulatedClock())
    hold = service.hold_seats("alice", ["GA-1-1"])
    for call in (lambda: service.hold_seats(user, ["GA-1-2"]), lambda: service.confirm(hold.hold_id, user),
                 lambda: service.release(hold.hold_id, user), lambda: service.hold_any(user, 1)):
        with pytest.raises(InvalidSeatRequest) as info:
            call()
        assert (info.value.name, info.value.value) == ("user", user)
        assert info.value.expected.startswith("a non-empty user id")


@pytest.mark.parametrize("call, name, value", [
    (lambda s: s.confirm(["h-1"], "alice"), "hold_id", ["h-1"]),
    (lambda s: s.release(7, "alice"), "hold_id", 7),
    (lambda s: s.cancel(None, "alice"), "booking_id", None),
])
def test_an_id_that_is_not_a_string_is_refused_by_name(call, name, value):
    service = BookingService(_store(), clock=SimulatedClock())
    with pytest.raises(InvalidSeatRequest) as info:
        call(service)
    assert (info.value.name, info.value.value) == (name, value) and info.value.expected.startswith("an id string")


def test_the_counters_move_by_exactly_what_happened():
    clock = SimulatedClock()
    service = BookingService(_store(), clock=clock,
                             payments=FakePaymentGateway(clock, behaviours={"dee": Behaviour.DECLINE}))
    service.confirm(service.hold_seats("ann", ["GA-1-1"]).hold_id, "ann")
    with pytest.raises(PaymentDeclined):
        service.confirm(service.hold_seats("dee", ["GA-1-2"]).hold_id, "dee")
    stats = service.stats.as_dict()
    assert (stats["holds"], stats["bookings"], stats["declined"], stats["conflicts"]) == (2, 1, 1, 0)


def test_a_stale_token_and_a_lost_race_are_counted_as_what_they_are():
    clock = SimulatedClock()
    store = _store(2)
    stale = BookingService(store, DistributedStrategy(
        MemoryLockManager(clock), before_write=lambda: store.issue_fencing_tokens(["GA-1-1"])), clock)
    with pytest.raises(StaleFencingToken):
        stale.hold_seats("a", ["GA-1-1"])
    assert (stale.stats.stale_tokens, stale.stats.conflicts, stale.stats.retries) == (1, 0, 0)

    bob = BookingService(store, clock=clock)
    beaten = BookingService(store, OptimisticStrategy(
        max_attempts=3, before_write=lambda: bob.release(bob.hold_seats("bob", ["GA-1-2"]).hold_id, "bob")), clock)
    with pytest.raises(LostRace):
        beaten.hold_seats("c", ["GA-1-2"])
    assert (beaten.stats.conflicts, beaten.stats.retries, beaten.stats.stale_tokens) == (1, 2, 0)


def test_count_hold_and_count_booking_add_one_each_and_their_retries_and_lost_leases():
    stats = ServiceStats()
    stats.count_hold(2, 1)
    stats.count_hold(1, 2)
    stats.count_booking(0, 3)
    stats.count_booking(1, 0)
    assert {k: v for k, v in stats.as_dict().items() if v} == dict(holds=2, bookings=2, retries=4, lost_leases=6)


# --- refusals carry what they are about -------------------------------------------------------

from ticketlab.seatlock import (  # noqa: E402
    AlreadyConfirmed,
    BookingNotFound,
    HoldNotFound,
    NotHoldOwner,
    PaymentGatewayError,
    RefundPending,
    SoldOut,
)
from ticketlab.seatlock.model import BookingStatus, SeatStatus  # noqa: E402


def _sold(clock=None, **gateway):
    clock = clock or SimulatedClock()
    payments = FakePaymentGateway(clock, **gateway)
    service = BookingService(_store(), clock=clock, payments=payments)
    booking = service.confirm(service.hold_seats("ann", ["GA-1-1", "GA-1-2"]).hold_id, "ann")
    return service, booking, payments


def test_cancel_refusals_name_the_booking_the_user_and_the_owner():
    service, booking, _ = _sold()
    with pytest.raises(BookingNotFound) as info:
        service.cancel("b-nobody", "ann")
    assert info.value.booking_id == "b-nobody"
    with pytest.raises(NotHoldOwner) as info:
        service.cancel(booking.booking_id, "bob")
    assert (info.value.hold_id, info.value.user, info.value.owner) == (booking.hold_id, "bob", "ann")
    assert service.cancel(booking.booking_id, "ann").status is BookingStatus.CANCELLED
    with pytest.raises(InvalidSeatRequest) as info:
        service.cancel(booking.booking_id, "ann")
    assert (info.value.name, info.value.value) == ("booking_id", booking.booking_id)
    assert "a CONFIRMED booking (this one is CANCELLED)" in str(info.value)


def test_cancel_refuses_a_booking_whose_seats_are_no_longer_sold_to_it():
    service, booking, payments = _sold()
    # one of its seats was taken from it behind the service's back (a blocked seat, a repair by hand)
    from ticketlab.seatlock.check.history import RecordKind
    from ticketlab.seatlock.stores.base import Change

    store = service.store
    assert store.apply(Change(RecordKind.RELEASE, ("GA-1-2",), 1.0, guarded=False)).value == "OK"  # a blind write
    with pytest.raises(InvalidSeatRequest) as info:
        service.cancel(booking.booking_id, "ann")
    assert (info.value.name, info.value.value) == ("booking_id", booking.booking_id)
    assert info.value.expected.startswith("a booking whose seats are still SOLD to it")
    # now the seat is SOLD again, to bob: still not ann's to give back
    bobs = service.confirm(service.hold_seats("bob", ["GA-1-2"]).hold_id, "bob")
    with pytest.raises(InvalidSeatRequest, match="still SOLD to it"):
        service.cancel(booking.booking_id, "ann")
    assert store.read_seats(["GA-1-2"])[0].booking_id == bobs.booking_id
    assert payments.held() == {booking.payment_id: booking.amount_cents, bobs.payment_id: bobs.amount_cents}


def test_cancel_with_the_gateway_failing_says_the_refund_is_pending_and_keeps_the_booking():
    service, booking, payments = _sold()
    payments.fail_next("refund")
    with pytest.raises(RefundPending) as info:
        service.cancel(booking.booking_id, "ann")
    assert info.value.payment_id == booking.payment_id
    assert f"booking {booking.booking_id} is being cancelled (still CONFIRMED)" in str(info.value)
    assert "refund" in str(info.value)  # the gateway's own words come along as the cause
    assert service.store.get_booking(booking.booking_id).status is BookingStatus.CONFIRMED
    assert service.cancel(booking.booking_id, "ann").status is BookingStatus.CANCELLED  # a retry finishes it
    assert payments.held() == {}


@pytest.mark.parametrize("operation, after", [("confirm", SeatStatus.SOLD), ("release", SeatStatus.AVAILABLE)])
def test_confirm_and_release_refusals_name_the_hold_the_user_and_the_owner(operation, after):
    service, booking, _ = _sold()
    act = getattr(service, operation)
    hold = service.hold_seats("bob", ["GA-1-3"])
    with pytest.raises(NotHoldOwner) as info:
        act(hold.hold_id, "ann")
    assert (info.value.hold_id, info.value.user, info.value.owner) == (hold.hold_id, "ann", "bob")
    with pytest.raises(AlreadyConfirmed) as info:
        act(booking.hold_id, "ann")
    assert (info.value.hold_id, info.value.booking_id) == (booking.hold_id, booking.booking_id)
    with pytest.raises(HoldNotFound) as info:
        act("h-nobody", "ann")
    assert info.value.hold_id == "h-nobody"
    act(hold.hold_id, "bob")
    assert service.store.read_seats(["GA-1-3"])[0].status is after


def test_hold_any_takes_the_first_free_seats_for_the_default_ttl_or_the_one_given():
    clock = SimulatedClock()
    service = BookingService(_store(), clock=clock)
    first = service.hold_any("ann")  # one seat by default
    assert first.seat_ids == ("GA-1-1",) and first.expires_at == 600.0
    second = service.hold_any("bob", 2, ttl=90)
    assert second.seat_ids == ("GA-1-2", "GA-1-3") and second.expires_at == 90.0
    with pytest.raises(SoldOut) as info:
        service.hold_any("cat", 2)
    assert (info.value.wanted, info.value.available) == (2, 1)


@pytest.mark.parametrize("argument, value, things", [("count", 0, "seats"), ("attempts", 0, "tries"),
                                                     ("count", 1.5, "seats")])
def test_hold_any_names_a_bad_count_or_attempts_and_what_it_counts(argument, value, things):
    service = BookingService(_store(), clock=SimulatedClock())
    with pytest.raises(InvalidSeatRequest) as info:
        service.hold_any("ann", **{argument: value})
    assert (info.value.name, info.value.value) == (argument, value)
    assert info.value.expected.startswith(f"a whole number of {things} ")


def test_hold_any_tries_twenty_times_by_default_before_giving_up():
    def bob_cuts_in():
        bob.release(bob.hold_seats("bob", ["GA-1-1"]).hold_id, "bob")

    store, clock = _store(1), SimulatedClock()
    bob = BookingService(store, clock=clock)
    ann = BookingService(store, OptimisticStrategy(max_attempts=1, before_write=bob_cuts_in), clock)
    with pytest.raises(LostRace):
        ann.hold_any("ann")
    assert (ann.stats.conflicts, ann.stats.holds, bob.stats.holds) == (20, 0, 20)


def test_a_bad_ttl_for_one_hold_is_named_ttl():
    service = BookingService(_store(), clock=SimulatedClock())
    with pytest.raises(InvalidTTL) as info:
        service.hold_seats("ann", ["GA-1-1"], ttl=0)
    assert (info.value.name, info.value.value) == ("ttl", 0)


def test_the_store_is_given_the_db_timeout_the_innermost_layer_of_the_cascade():
    store, given = _store(), []
    store.set_db_timeout = given.append
    service = BookingService(store, clock=SimulatedClock(), db_timeout="3 s")
    assert given == [service.db_timeout] == [3.0]


def test_block_and_unblock_name_each_seat_not_in_the_status_they_need_and_change_nothing():
    service = BookingService(_store(), clock=SimulatedClock())
    service.hold_seats("bob", ["GA-1-2"])
    before = state(service)
    with pytest.raises(SeatUnavailable) as info:
        service.block(["GA-1-1", "GA-1-2"])
    assert info.value.seat_statuses == {"GA-1-2": "HELD"}
    with pytest.raises(SeatUnavailable) as info:
        service.unblock(["GA-1-3", "GA-1-1"])
    assert info.value.seat_statuses == {"GA-1-1": "AVAILABLE", "GA-1-3": "AVAILABLE"}
    assert state(service) == before
    service.block(["GA-1-1", "GA-1-3"])
    blocked, = records_of(service.store, RecordKind.BLOCK)
    assert (blocked.user, blocked.seat_ids) == ("venue", ("GA-1-1", "GA-1-3"))  # the venue, not a buyer


# --- hold_any: its own input first, then the seats the store finds, in sorted order -------------

from ticketlab.seatlock import SoldOut  # noqa: E402


@pytest.mark.parametrize("user, ttl, error, name", [
    ("", None, InvalidSeatRequest, "user"),
    (None, None, InvalidSeatRequest, "user"),
    ("bob", 0, InvalidTTL, "ttl"),
    ("bob", "ten minutes", InvalidTTL, "ttl"),
])
def test_hold_any_refuses_a_bad_user_or_ttl_before_it_looks_for_seats_even_when_sold_out(user, ttl, error, name):
    for seats_left in (4, 0):
        store = _store(4)
        service = BookingService(store, OptimisticStrategy(), SimulatedClock())
        for i in range(4 - seats_left):
            service.hold_seats("alice", [f"GA-1-{i + 1}"])
        before = store.history()
        with pytest.raises(error) as info:
            service.hold_any(user, 1, ttl=ttl)
        assert info.value.name == name
        assert store.history() == before  # nothing written
    with pytest.raises(SoldOut):
        service.hold_any("bob", 1)


def test_hold_any_holds_the_seats_it_found_in_sorted_order():
    store = _store(20)
    service = BookingService(store, OptimisticStrategy(), SimulatedClock())
    hold = service.hold_any("bob", 10)  # GA-1-1 .. GA-1-10: seat-map order is not the sorted order
    assert set(hold.seat_ids) == {f"GA-1-{i}" for i in range(1, 11)}
    assert list(hold.seat_ids) == sorted(hold.seat_ids) and hold.seat_ids[1] == "GA-1-10"
    assert records_of(store, RecordKind.HOLD)[-1].seat_ids == hold.seat_ids
