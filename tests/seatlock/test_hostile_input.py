"""Hostile input to the seat-lock library: each refusal is an InputError naming the input.

Whatever a caller passes (None, a number where an id goes, nan, a list of lists, a section
named ``"A,B"``), the core either does the right thing or raises a ``ValueError``-family
:class:`~ticketlab.core.errors.InputError` that names the input and shows a valid one; it
never raises an AttributeError or TypeError from deep inside, changes no state, and leaves
no half-written file behind.
"""

from __future__ import annotations

import math
import os
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from ticketlab.core.errors import InputError, TicketlabError
from ticketlab.core.numbers import napkin_round
from ticketlab.seatlock import (
    AlreadyConfirmed,
    BookingService,
    DistributedStrategy,
    FakePaymentGateway,
    InvalidSeatRequest,
    InvalidTTL,
    MemoryLockManager,
    MemoryStore,
    Section,
    SimulatedClock,
    StoreNotFound,
    Venue,
    small_venue,
)
from ticketlab.seatlock.payments import PaymentOutcome
from ticketlab.seatlock.stores.sqlite import SqliteStore

from .common import assert_store_clean, state


def refused(error: BaseException, name: str) -> None:
    """``error`` is an InputError about ``name`` that shows what would have been valid."""
    assert isinstance(error, InputError) and isinstance(error, ValueError), repr(error)
    assert error.name == name and f"{name}=" in str(error) and "expected" in str(error), str(error)


# --- the cases the issue names ------------------------------------------------------


def test_a_section_named_with_a_comma_round_trips_through_either_store(new_store):
    seats = Venue("hall", (Section("A,B", 1, 3, 5000), Section("C", 1, 1, 5000))).seats()
    store = new_store(seats)
    service = BookingService(store, clock=SimulatedClock())
    hold = service.hold_seats("alice", ["A,B-1-1", "A,B-1-3"])
    assert store.get_hold(hold.hold_id).seat_ids == ("A,B-1-1", "A,B-1-3")
    booking = service.confirm(hold.hold_id, "alice")
    assert store.get_booking(booking.booking_id).seat_ids == ("A,B-1-1", "A,B-1-3")
    assert store.history()[-1].seat_ids == ("A,B-1-1", "A,B-1-3")
    assert {s.seat_id for s in store.snapshot().values() if s.status.value == "SOLD"} == {"A,B-1-1", "A,B-1-3"}
    assert_store_clean(store)


def test_hold_any_with_no_attempts_is_refused_naming_attempts():
    service = BookingService(MemoryStore(small_venue(2).seats()), clock=SimulatedClock())
    for attempts in (0, -1, 1.5, True, "20", None):
        with pytest.raises(InvalidSeatRequest) as caught:
            service.hold_any("alice", attempts=attempts)
        refused(caught.value, "attempts")


def test_opening_a_path_with_no_event_is_refused_and_creates_no_file(tmp_path):
    missing = tmp_path / "nothing-here.sqlite3"
    with pytest.raises(StoreNotFound) as caught:
        SqliteStore(str(missing))
    refused(caught.value, "path")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(StoreNotFound):
        SqliteStore(str(tmp_path / "notes.txt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("path", ["missing-dir/event.sqlite3", "", None, 5, "."])
def test_creating_a_store_where_no_file_can_be_made_is_refused_and_leaves_nothing(tmp_path, path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        SqliteStore.create(path, small_venue(2).seats())
    refused(caught.value, "path")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("seats", [[], [1, 2], "GA-1-1", small_venue(2).seats() * 2, None])
def test_a_malformed_seat_map_is_refused_before_any_file_is_written(tmp_path, seats):
    with pytest.raises(InputError) as caught:
        SqliteStore.create(str(tmp_path / "event.sqlite3"), seats)
    refused(caught.value, "seats")
    with pytest.raises(InputError):
        MemoryStore(seats)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("t", [math.nan, math.inf, -math.inf, "5", None, True, [1.0], 4.0])
def test_simulated_time_cannot_be_set_to_a_non_time_or_backwards(t):
    clock = SimulatedClock(5.0)
    with pytest.raises(InvalidTTL) as caught:
        clock.set(t)
    refused(caught.value, "t")
    assert clock.now() == 5.0
    with pytest.raises(InvalidTTL):
        SimulatedClock(t if t != 4.0 else math.nan)


def test_holds_expire_on_a_clock_that_was_set():
    clock = SimulatedClock()
    service = BookingService(MemoryStore(small_venue(1).seats()), clock=clock)
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=30)
    clock.set(31)
    assert service.sweep_expired().released == (hold.hold_id,)


@pytest.mark.parametrize("sig", [0, -1, 1.5, True, "2", None, 18])
def test_napkin_round_refuses_a_significant_figure_count_that_is_not_one(sig):
    with pytest.raises(InputError) as caught:
        napkin_round(5, sig=sig)
    refused(caught.value, "sig")
    assert napkin_round(5787, sig=1) == 6000 and napkin_round(5787, sig=2) == 5800


def test_release_after_a_confirm_won_the_race_says_the_hold_was_confirmed(new_store):
    """The user was charged: release must not return as if it had freed the seats."""
    store = new_store()
    clock = SimulatedClock()
    service = BookingService(store, clock=clock, payments=FakePaymentGateway(clock))
    hold = service.hold_seats("alice", ["GA-1-1"])
    read_seats, won = store.read_seats, []

    def confirm_first(seat_ids):  # the confirm commits between release's check and its write
        if not won:
            won.append(None)  # the confirm reads seats too: run it once
            won[0] = service.confirm(hold.hold_id, "alice")
        return read_seats(seat_ids)

    store.read_seats = confirm_first
    with pytest.raises(AlreadyConfirmed) as caught:
        service.release(hold.hold_id, "alice")
    store.read_seats = read_seats
    booking = won[0]
    assert caught.value.booking_id == booking.booking_id and "confirm" in str(caught.value)
    assert store.get_booking(booking.booking_id).status.value == "CONFIRMED"
    assert service.payments.status(booking.payment_id) is PaymentOutcome.CAPTURED
    assert store.snapshot()["GA-1-1"].status.value == "SOLD"
    with pytest.raises(AlreadyConfirmed):  # and again, once the race is long over
        service.release(hold.hold_id, "alice")
    assert_store_clean(store)


@pytest.mark.parametrize("build", [
    lambda clock: BookingService(None),
    lambda clock: BookingService(MemoryStore(small_venue(1).seats()), strategy="optimistic"),
    lambda clock: BookingService(MemoryStore(small_venue(1).seats()), clock=time_module()),
    lambda clock: BookingService(MemoryStore(small_venue(1).seats()), payments=object()),
    lambda clock: DistributedStrategy(None),
    lambda clock: DistributedStrategy("redis://127.0.0.1:6379/0"),
], ids=["store", "strategy", "clock", "payments", "locks", "locks-url"])
def test_a_collaborator_of_the_wrong_kind_is_refused_when_the_service_is_built(build):
    with pytest.raises(InputError) as caught:
        build(SimulatedClock())
    assert caught.value.name in ("store", "strategy", "clock", "payments", "locks")


def time_module():
    import time

    return time


def test_a_redis_url_that_is_not_one_is_refused():
    from ticketlab.seatlock.locks.redis import RedisLockManager

    for url in ("http://127.0.0.1:6379/0", "redis://127.0.0.1:99999/0", 6379, ""):
        with pytest.raises(InputError) as caught:
            RedisLockManager(url=url)
        refused(caught.value, "url")


# --- every public call, with values no caller should pass ---------------------------

# values of every kind a careless or hostile caller might pass where an id, a list, a
# count or a duration goes
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=8), st.text(max_size=12),
    st.lists(st.one_of(st.integers(), st.text(max_size=6), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)), st.frozensets(st.text(max_size=3), max_size=2),
)
NOT_A_USER = ANYTHING.filter(lambda v: not (isinstance(v, str) and v))
NOT_AN_ID = ANYTHING  # a string that names no hold or booking is refused too (HoldNotFound)
NOT_SEATS = st.one_of(
    ANYTHING,
    st.lists(st.sampled_from(["GA-1-4", "GA-1-5"]), min_size=2, max_size=3).filter(lambda v: len(set(v)) < len(v)),
    st.lists(st.sampled_from(["GA-1-4", "nope", "", "GA-1-99"]), min_size=1, max_size=3).filter(
        lambda v: any(s != "GA-1-4" for s in v)),
    st.lists(st.lists(st.just("GA-1-4"), max_size=1), min_size=1, max_size=2),
)
NOT_A_COUNT = ANYTHING.filter(lambda v: not (type(v) is int and v >= 1))
# no digit, so no string here parses as a duration; numbers only where they are not positive and finite
NOT_A_TTL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not (math.isfinite(v) and v > 0)),
    st.integers(max_value=0), st.booleans(), st.text(alphabet="abc ,.-_%", max_size=8),
    st.lists(st.floats(), max_size=2), st.binary(max_size=3))

# (the call, the argument that gets the hostile value, its strategy); the others are valid
CALLS = [
    ("hold_seats", "user", NOT_A_USER), ("hold_seats", "seat_ids", NOT_SEATS), ("hold_seats", "ttl", NOT_A_TTL),
    ("hold_any", "user", NOT_A_USER), ("hold_any", "count", NOT_A_COUNT), ("hold_any", "ttl", NOT_A_TTL),
    ("hold_any", "attempts", NOT_A_COUNT),
    ("confirm", "hold_id", NOT_AN_ID), ("confirm", "user", NOT_A_USER),
    ("release", "hold_id", NOT_AN_ID), ("release", "user", NOT_A_USER),
    ("cancel", "booking_id", NOT_AN_ID), ("cancel", "user", NOT_A_USER),
    ("block", "seat_ids", NOT_SEATS), ("unblock", "seat_ids", NOT_SEATS),
]


def _services() -> dict[str, BookingService]:
    """One service per store, each with a live hold, a booking and a blocked seat to aim at."""
    directory = tempfile.mkdtemp(prefix="ticketlab-hostile-")
    out = {}
    for name, store in (("memory", MemoryStore(small_venue(6).seats())),
                        ("sqlite", SqliteStore.create(os.path.join(directory, "e.sqlite3"), small_venue(6).seats(),
                                                      synchronous="NORMAL"))):
        clock = SimulatedClock()
        service = BookingService(store, DistributedStrategy(MemoryLockManager(clock)), clock)
        booked = service.hold_seats("alice", ["GA-1-2"])
        service.valid = {"user": "alice", "hold_id": service.hold_seats("alice", ["GA-1-1"]).hold_id,
                         "booking_id": service.confirm(booked.hold_id, "alice").booking_id,
                         "seat_ids": ["GA-1-4"], "ttl": 60, "count": 1, "attempts": 3}
        service.block(["GA-1-3"])
        out[name] = service
    return out


SERVICES: dict[str, BookingService] = {}  # built on first use, and left unchanged by every example


ARGUMENTS = {"hold_seats": ("user", "seat_ids", "ttl"), "hold_any": ("user", "count", "ttl", "attempts"),
             "confirm": ("hold_id", "user"), "release": ("hold_id", "user"), "cancel": ("booking_id", "user"),
             "block": ("seat_ids",), "unblock": ("seat_ids",)}


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(max_examples=1000, deadline=None)
@given(data=st.data())
def test_hostile_values_at_the_seat_lock_api_raise_input_errors_and_change_nothing(backend, data):
    if not SERVICES:
        SERVICES.update(_services())
    service = SERVICES[backend]
    call, argument, hostile = data.draw(st.sampled_from(CALLS), label="call")
    value = data.draw(hostile, label=argument)
    arguments = {name: service.valid[name] for name in ARGUMENTS[call]}
    arguments[argument] = value
    before = state(service)
    with pytest.raises(TicketlabError) as caught:
        getattr(service, call)(**arguments)
    assert isinstance(caught.value, InputError) and isinstance(caught.value, ValueError), repr(caught.value)
    assert "expected" in str(caught.value) and len(str(caught.value)) < 400
    assert state(service) == before


@pytest.mark.parametrize("backend", ["memory", "redis", "postgres"])
def test_a_race_refuses_a_file_path_unless_it_runs_on_sqlite(backend):
    from ticketlab.seatlock import race

    with pytest.raises(InputError) as info:
        race("naive", users=2, seats=1, backend=backend, path="race.sqlite3")
    assert (info.value.name, info.value.value) == ("path", "race.sqlite3") and "sqlite" in str(info.value)
