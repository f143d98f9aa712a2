"""What the Redis store adds to the contract every store passes (``test_store_contract.py``):
Redis's own expiry of holds, several processes on one event, and the server's failures.

Each test uses a ``redis-server`` it starts on 127.0.0.1 and a free port (``tests/support.py``).
"""

from __future__ import annotations

import time

import pytest
import redis
from support import RedisServer

from ticketlab.seatlock import (
    STRATEGIES,
    BookingService,
    FakePaymentGateway,
    OptimisticStrategy,
    PaymentIntent,
    PaymentState,
    RealClock,
    RecordKind,
    SeatStatus,
    StoreUnavailable,
    WriteResult,
    check_history,
    race,
    small_venue,
)
from ticketlab.core.errors import InputError
from ticketlab.seatlock.stores.base import PaymentStep
from ticketlab.seatlock.stores.redis import RedisStore

from .common import assert_holds_match_the_memory_store, assert_store_clean, hold_of

pytestmark = pytest.mark.server

SAFE = [name for name in STRATEGIES if name.safe]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield srv
    srv.stop()


@pytest.fixture
def store(server, request):
    made = RedisStore.create(server.url, small_venue(6).seats(), event_id="gig",
                             namespace=f"{request.node.name[:40]}-{time.monotonic_ns()}")
    yield made
    made.drop()
    made.close()


def real_service(store) -> BookingService:
    clock = RealClock()
    return BookingService(store, OptimisticStrategy(), clock, FakePaymentGateway(clock), hold_ttl=60,
                          http_timeout=2, db_timeout=1)


# --- holds that Redis expires by itself ------------------------------------------------


def test_a_hold_is_a_key_with_a_px_ttl_under_the_events_hash_tag(store, server):
    hold = real_service(store).hold_seats("alice", ["GA-1-1"], ttl=30)
    client = server.client()
    ttl_key = f"ticketlab:{{{store.namespace}}}:ttl{hold.hold_id}"
    assert 29_000 < client.pttl(ttl_key) <= 30_000
    keys = {k.decode() for k in client.scan_iter(match=f"ticketlab:{{{store.namespace}}}:*")}
    assert ttl_key in keys and len(keys) > 10  # every key of the event shares the hash tag
    client.close()


def test_seats_come_back_when_redis_drops_the_hold_key_with_no_sweeper(store):
    service = real_service(store)
    hold = service.hold_seats("alice", ["GA-1-1", "GA-1-2"], ttl=0.2)
    assert [s.status for s in store.read_seats(hold.seat_ids)] == [SeatStatus.HELD] * 2
    time.sleep(0.3)
    assert [s.status for s in store.read_seats(hold.seat_ids)] == [SeatStatus.AVAILABLE] * 2
    assert store.live_holds() == [] and store.expired_holds(time.monotonic()) == []
    assert store.counters()[SeatStatus.HELD] == 0
    expired = [r for r in store.history() if r.kind is RecordKind.EXPIRE]
    assert [(r.hold_id, r.seat_ids, r.at) for r in expired] == [(hold.hold_id, hold.seat_ids, hold.expires_at)]
    service.hold_seats("bob", ["GA-1-1"])  # free for the next buyer
    service.sweep_expired()  # finds nothing left to do, and the checker agrees
    assert_store_clean(store)


def test_a_hold_whose_payment_is_open_is_not_freed_by_redis_until_the_money_is_settled(store):
    service = real_service(store)
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=0.2)
    charging = PaymentIntent(f"pay-{hold.hold_id}", hold.hold_id, "alice", hold.amount_cents,
                             PaymentState.CHARGING, time.monotonic())
    assert store.move_payment(PaymentStep(charging.payment_id, frozenset({None}), charging), time.monotonic(),
                              live_hold=hold.hold_id)
    time.sleep(0.3)
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.HELD  # money in flight: the seat waits
    assert [h.hold_id for h in store.live_holds()] == [hold.hold_id]
    declined = charging._replace(state=PaymentState.DECLINED)
    assert store.move_payment(PaymentStep(charging.payment_id, frozenset({PaymentState.CHARGING}), declined),
                              time.monotonic())
    time.sleep(1.1)  # the store looks at such a hold again a second later
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.AVAILABLE
    assert store.live_holds() == []
    assert_store_clean(store)


def test_a_confirm_after_redis_dropped_the_hold_is_refused_and_charges_nothing(store):
    from ticketlab.seatlock import HoldNotFound

    service = real_service(store)
    hold = service.hold_seats("alice", ["GA-1-1"], ttl=0.2)
    time.sleep(0.3)
    with pytest.raises(HoldNotFound):
        service.confirm(hold.hold_id, "alice")
    assert service.payments.held() == {} and store.bookings() == []
    assert_store_clean(store)


def test_a_hold_of_a_seat_whose_hold_key_redis_dropped_ends_that_hold_first_in_the_same_apply(store):
    assert store.apply(hold_of("h-alice", ["GA-1-1"], time.monotonic(), ttl=0.2)) is WriteResult.OK
    time.sleep(0.3)
    assert store.apply(hold_of("h-bob", ["GA-1-1"], time.monotonic(), user="bob")) is WriteResult.OK
    assert [(r.kind, r.hold_id) for r in store.history()[1:]] == [
        (RecordKind.HOLD, "h-alice"), (RecordKind.EXPIRE, "h-alice"), (RecordKind.HOLD, "h-bob")]
    assert_store_clean(store)


def test_a_hold_of_free_seats_leaves_a_dropped_hold_to_the_next_script_that_reads(store):
    assert store.apply(hold_of("h-alice", ["GA-1-1"], time.monotonic(), ttl=0.2)) is WriteResult.OK
    time.sleep(0.3)
    assert store.apply(hold_of("h-bob", ["GA-1-2"], time.monotonic(), user="bob")) is WriteResult.OK
    assert store.read_seats(["GA-1-1"])[0].status is SeatStatus.AVAILABLE  # this read reaped it
    assert [(r.kind, r.hold_id) for r in store.history()[1:]] == [
        (RecordKind.HOLD, "h-alice"), (RecordKind.HOLD, "h-bob"), (RecordKind.EXPIRE, "h-alice")]
    assert_store_clean(store)


def test_holds_through_the_lean_script_leave_the_same_state_as_the_memory_store(store):
    """The lean HOLD script against the memory store, change for change."""
    assert_holds_match_the_memory_store(store)


# --- one event, several clients ---------------------------------------------------------


def test_another_client_opens_the_same_event_and_sees_its_writes(store, server):
    service = real_service(store)
    hold = service.hold_seats("alice", ["GA-1-3"])
    other = RedisStore(server.url, store.namespace)
    assert other.event_id == "gig" and other.get_hold(hold.hold_id) == hold
    assert other.snapshot() == store.snapshot() and other.history() == store.history()
    other.close()


def test_opening_an_event_that_is_not_there_is_refused(server):
    with pytest.raises(InputError, match="namespace"):
        RedisStore(server.url, "no-such-event")
    with pytest.raises(InputError, match="namespace"):
        RedisStore(server.url, "a{b}")
    with pytest.raises(InputError, match="url"):
        RedisStore.create("http://127.0.0.1/", small_venue(2).seats())


def test_naive_double_sells_across_processes_on_redis(server):
    result = race("naive", users=8, seats=2, backend="redis", latency_ms=10, processes=2, redis_url=server.url)
    assert result.double_bookings > 0, result.summary()


@pytest.mark.parametrize("strategy", SAFE)
def test_safe_strategies_sell_each_seat_once_across_processes_on_redis(server, strategy):
    result = race(strategy, users=8, seats=2, backend="redis", latency_ms=2, processes=2, redis_url=server.url)
    assert result.ok, result.summary()
    assert result.seats_sold == result.bookings == 2
    assert not list(server.client().scan_iter(match="ticketlab:{race-*"))  # the race dropped its event


def test_the_redis_race_needs_a_server(server):
    with pytest.raises(InputError, match="redis_url"):
        race("optimistic", backend="redis")


# --- the server fails ---------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["kill", "pause"])
def test_a_store_whose_server_is_gone_raises_store_unavailable(tmp_path, fault):
    srv = RedisServer(tmp_path).start()
    try:
        store = RedisStore.create(srv.url, small_venue(2).seats(), socket_timeout=0.3)
        service = real_service(store)
        getattr(srv, fault)()
        with pytest.raises(StoreUnavailable) as caught:
            service.hold_seats("alice", ["GA-1-1"])
        assert not isinstance(caught.value, redis.RedisError)
        assert f"127.0.0.1:{srv.port}" in str(caught.value)
        if fault == "pause":
            srv.resume()
            assert service.hold_seats("alice", ["GA-1-1"]).seat_ids == ("GA-1-1",)  # back: it works again
            assert check_history(store.history(), store.snapshot()).ok
        store.close()
    finally:
        srv.stop()
