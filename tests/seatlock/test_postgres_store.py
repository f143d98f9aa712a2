"""What only the PostgreSQL store has: row locks with timeouts, SKIP LOCKED, the DB layer of the
timeout cascade, events side by side in one database, and races across processes.

The contract and service suites run on it through ``STORE_FACTORIES`` (``conftest.py``); a
server is started on 127.0.0.1 for this test process (``tests/support.py``).
"""

from __future__ import annotations

import threading
import time

import pytest

from ticketlab.core.errors import InputError
from ticketlab.seatlock import (
    BookingService,
    InvalidSeatRequest,
    LockTimeout,
    NaiveStrategy,
    RealClock,
    STRATEGIES,
    SeatStatus,
    StoreNotFound,
    make_strategy,
    race,
    small_venue,
)

from .common import assert_holds_match_the_memory_store, assert_store_clean, hold_of

A, B, C = "GA-1-1", "GA-1-2", "GA-1-3"
SAFE = [name for name in STRATEGIES if name.safe]


@pytest.fixture(scope="module")
def dsn():
    from support import shared_postgres

    return shared_postgres().new_database()


@pytest.fixture
def store(dsn, request):
    from ticketlab.seatlock.stores.postgres import PostgresStore

    made = PostgresStore.create(dsn, small_venue(6).seats(), event_id=f"pg-{request.node.name[:40]}")
    yield made
    made.drop()


def test_holds_through_the_one_statement_function_leave_the_same_state_as_the_memory_store(store):
    assert_holds_match_the_memory_store(store)


def test_seat_ids_with_array_syntax_in_them_are_held_and_recorded_as_they_are(dsn):
    from ticketlab.seatlock.model import Seat
    from ticketlab.seatlock.stores.postgres import PostgresStore

    odd = ['A "1"', "B\\2", "C,3", "{D}", "E 5", "NULL", "ß-☂"]
    made = PostgresStore.create(dsn, [Seat(s, "A", 1, i, 100) for i, s in enumerate(odd)], event_id="pg-odd-ids")
    try:
        service = BookingService(made, make_strategy("conditional"), RealClock())
        hold = service.hold_seats("alice", odd)
        assert made.get_hold(hold.hold_id).seat_ids == hold.seat_ids == tuple(sorted(odd))
        assert made.history()[-1].seat_ids == tuple(sorted(odd))
        assert {s.seat_id: s.status for s in made.snapshot().values()} == {s: SeatStatus.HELD for s in odd}
    finally:
        made.drop()


def test_a_hold_inside_row_locks_joins_their_transaction_and_a_refused_one_leaves_it_usable(store):
    with store.seat_locks([A, B], timeout=5.0):
        assert store.apply(hold_of("h1", [A], 1.0)).name == "OK"
        assert store.apply(hold_of("h2", [B, A], 2.0)).name == "CONFLICT"  # A is taken: B stays free
        assert store.apply(hold_of("h3", [B], 3.0)).name == "OK"  # the transaction goes on
    assert [h.hold_id for h in sorted(store.live_holds(), key=lambda h: h.hold_id)] == ["h1", "h3"]
    assert store.counters()[SeatStatus.HELD] == 2
    assert_store_clean(store)


def _locked_elsewhere(store, seat_ids, release: threading.Event, locked: threading.Event) -> threading.Thread:
    """A thread (its own connection) that holds row locks on ``seat_ids`` until ``release`` is set."""

    def hold_locks():
        with store.seat_locks(seat_ids, timeout=5.0):
            locked.set()
            release.wait(10)

    thread = threading.Thread(target=hold_locks)
    thread.start()
    assert locked.wait(10)
    return thread


def test_a_row_lock_held_elsewhere_times_out_as_the_cores_own_error(store):
    release, locked = threading.Event(), threading.Event()
    other = _locked_elsewhere(store, [B], release, locked)
    try:
        started = time.perf_counter()
        with pytest.raises(LockTimeout) as info:
            with store.seat_locks([A, B], timeout=0.2):
                pass
        waited = time.perf_counter() - started
        assert 0.15 < waited < 3.0 and "FOR UPDATE" in str(info.value)
        with pytest.raises(LockTimeout) as info:
            with store.seat_locks([B], timeout=5.0, nowait=True):
                pass
        assert "NOWAIT" in str(info.value)
        with store.seat_locks([A], timeout=0.2):  # A was never locked by the failed attempt
            assert store.read_seats([A])[0].status is SeatStatus.AVAILABLE
    finally:
        release.set()
        other.join()
    with store.seat_locks([B], timeout=0.2, nowait=True):
        pass


def test_find_available_passes_over_seats_another_transaction_has_locked(store):
    release, locked = threading.Event(), threading.Event()
    other = _locked_elsewhere(store, [A, B], release, locked)
    try:
        assert store.find_available(2) == [C, "GA-1-4"]
    finally:
        release.set()
        other.join()
    assert store.find_available(2) == [A, B]


def test_a_statement_blocked_longer_than_db_timeout_raises_lock_timeout_and_writes_nothing(store):
    """The innermost layer of the timeout cascade: the service's db_timeout is the store's statement_timeout."""
    clock = RealClock()
    service = BookingService(store, NaiveStrategy(lock_ttl=2.0), clock, hold_ttl=10, http_timeout=1,
                             db_timeout=0.2)
    release, locked = threading.Event(), threading.Event()
    other = _locked_elsewhere(store, [A], release, locked)
    try:
        started = time.perf_counter()
        with pytest.raises(LockTimeout) as info:
            service.hold_seats("alice", [A])  # a blind write: it waits for the row lock, not a lock_timeout
        waited = time.perf_counter() - started
        assert 0.15 < waited < 3.0 and "statement_timeout" in str(info.value)
    finally:
        release.set()
        other.join()
    assert store.live_holds() == [] and store.read_seats([A])[0].status is SeatStatus.AVAILABLE
    assert service.hold_seats("alice", [A]).seat_ids == (A,)
    assert_store_clean(store)


def test_events_share_a_database_each_in_its_own_schema(dsn):
    from ticketlab.seatlock.stores.postgres import PostgresStore

    first = PostgresStore.create(dsn, small_venue(2).seats(), event_id="first-night")
    second = PostgresStore.create(dsn, small_venue(3).seats(), event_id="second-night")
    try:
        BookingService(first, NaiveStrategy()).hold_seats("alice", [A])
        again = PostgresStore(dsn, "first-night")  # as another process opens it
        assert again.event_id == "first-night" and again.read_seats([A])[0].status is SeatStatus.HELD
        assert second.read_seats([A])[0].status is SeatStatus.AVAILABLE and len(second.snapshot()) == 3
        again.close()
    finally:
        first.drop()
        second.drop()
    with pytest.raises(StoreNotFound):
        PostgresStore(dsn, "first-night")


def test_event_ids_that_spell_alike_still_get_schemas_of_their_own(dsn):
    from ticketlab.seatlock.stores.postgres import PostgresStore, schema_for

    ids = ["gig", "Gig", "GIG", "gig-1", "gig_1", "x" * 70 + "1", "x" * 70 + "2"]
    assert len({schema_for(e) for e in ids}) == len(ids)
    assert schema_for("gig") == "ticketlab_gig" and all(len(schema_for(e)) <= 63 for e in ids)
    upper = PostgresStore.create(dsn, small_venue(2).seats(), event_id="A")
    lower = PostgresStore.create(dsn, small_venue(3).seats(), event_id="a")  # must not replace "A"
    try:
        BookingService(upper, NaiveStrategy()).hold_seats("alice", [A])
        assert PostgresStore(dsn, "A").read_seats([A])[0].status is SeatStatus.HELD
        assert len(PostgresStore(dsn, "a").snapshot()) == 3 and len(PostgresStore(dsn, "A").snapshot()) == 2
    finally:
        upper.drop()
        lower.drop()


@pytest.mark.parametrize("dsn_text", ["", "not a dsn at all", "host='unterminated", 42])
def test_a_dsn_libpq_cannot_parse_is_an_input_error_naming_it(dsn_text):
    from ticketlab.seatlock.stores.postgres import PostgresStore

    with pytest.raises(InputError) as info:
        PostgresStore.create(dsn_text, small_venue(2).seats())
    assert info.value.name == "dsn" and "postgresql://" in str(info.value)


@pytest.mark.parametrize("seat_ids", [[], "GA-1-1", [1, 2]])
def test_seat_locks_on_a_bad_seat_list_is_an_input_error(store, seat_ids):
    with pytest.raises(InvalidSeatRequest) as info:
        with store.seat_locks(seat_ids, timeout=1.0):
            pass
    assert info.value.name == "seat_ids"


def test_race_on_postgres_without_a_dsn_says_what_to_pass():
    with pytest.raises(InputError) as info:
        race("optimistic", users=2, seats=1, backend="postgres")
    assert info.value.name == "dsn" and "--dsn postgresql://" in str(info.value)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_race_refuses_a_dsn_for_another_backend(backend):
    with pytest.raises(InputError) as info:
        race("optimistic", users=2, seats=1, backend=backend, dsn="postgresql://me@127.0.0.1/x")
    assert info.value.name == "dsn"


def test_naive_strategy_double_sells_across_processes_on_postgres(dsn):
    result = race("naive", users=8, seats=2, backend="postgres", latency_ms=10, processes=2, dsn=dsn)
    assert result.double_bookings > 0, result.summary()


@pytest.mark.parametrize("strategy", SAFE)
def test_safe_strategies_sell_each_seat_once_across_processes_on_postgres(dsn, strategy):
    result = race(strategy, users=8, seats=2, backend="postgres", latency_ms=2, processes=2, dsn=dsn)
    assert result.ok, result.summary()
    assert result.seats_sold == result.bookings == 2
