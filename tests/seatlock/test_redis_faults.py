"""The distributed strategy on a real Redis that crashes, stops answering and restarts.

Each test starts its own ``redis-server`` on 127.0.0.1 and a free port (``tests/support.py``),
and kills it (SIGKILL), stops it (SIGSTOP) or restarts it, with and without persistence, at
the moment named in the test. What must hold whatever Redis does:

- callers get the core's errors (:class:`LockServiceUnavailable`), never redis-py's;
- a write the store committed stands, even when its lease cannot be given back;
- a payment taken for a confirm that an outage cut off is refunded;
- fencing tokens keep increasing across restarts (the store issues them), so no seat is
  locked out, a stale client's late write is refused, and no seat is sold twice, in
  fencing-only mode too.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis
from support import RedisServer

from ticketlab.seatlock import (
    BookingService,
    ConfirmFailed,
    DistributedStrategy,
    FakePaymentGateway,
    LockServiceUnavailable,
    LostRace,
    RealClock,
    RecordKind,
    StaleFencingToken,
)
from ticketlab.seatlock.locks.redis import RedisLockManager
from ticketlab.seatlock.payments import PaymentOutcome

from .common import assert_store_clean, state

pytestmark = pytest.mark.server


@pytest.fixture(params=[False, True], ids=["no-persistence", "append-only-file"])
def server(request, tmp_path):
    srv = RedisServer(tmp_path, persistent=request.param).start()
    yield srv
    srv.stop()


@pytest.fixture
def plain_server(tmp_path):
    srv = RedisServer(tmp_path).start()
    yield srv
    srv.stop()


def service_on(server: RedisServer, store, lock_ttl: float = 5, **options) -> BookingService:
    """A service whose leases (``lock_ttl`` s) are on ``server``, with a client that gives up after 0.3 s."""
    clock = RealClock()
    locks = RedisLockManager(server.client(timeout=0.3), clock=clock)
    strategy = DistributedStrategy(locks, lock_ttl=lock_ttl, lock_wait=1, **options)
    return BookingService(store, strategy, clock, FakePaymentGateway(clock), hold_ttl=60,
                          http_timeout=lock_ttl / 2, db_timeout=lock_ttl / 4)


def restart_and_outlive(server: RedisServer, lease: float) -> None:
    """Restart ``server`` and wait out a ``lease``: with persistence the lease survives the restart."""
    server.restart()
    time.sleep(lease + 0.1)


def trip_after_apply(store, action, kinds=(RecordKind.HOLD, RecordKind.CONFIRM)):
    """Run ``action`` once, right after the store commits a change of one of ``kinds``."""
    apply, fired = store.apply, []

    def wrapped(change):
        result = apply(change)
        if change.kind in kinds and not fired:
            fired.append(change.kind)
            action()
        return result

    store.apply = wrapped
    return fired


def tokens_by_seat(store) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for record in store.history():
        for seat, token in zip(record.seat_ids, record.fencing_tokens):
            out.setdefault(seat, []).append(token)
    return out


# --- item 4: an outage reaches callers as the core's own error ----------------------


@pytest.mark.parametrize("fault", ["kill", "pause"])
def test_an_outage_before_the_write_is_lock_service_unavailable_and_changes_nothing(plain_server, new_store, fault):
    service = service_on(plain_server, new_store())
    before = state(service)
    getattr(plain_server, fault)()
    try:
        with pytest.raises(LockServiceUnavailable) as caught:
            service.hold_seats("alice", ["GA-1-1"])
    finally:
        if fault == "pause":
            plain_server.resume()
    assert not isinstance(caught.value, redis.RedisError)
    assert f"127.0.0.1:{plain_server.port}" in str(caught.value) and "unavailable" in str(caught.value)
    assert state(service) == before
    if fault == "kill":
        plain_server.start()
    assert service.hold_seats("alice", ["GA-1-1"]).seat_ids == ("GA-1-1",)  # back: it works again


def test_a_server_still_loading_its_data_is_lock_service_unavailable(plain_server, new_store, monkeypatch):
    service = service_on(plain_server, new_store())

    def loading(*args, **kwargs):
        raise redis.BusyLoadingError("Redis is loading the dataset in memory")

    monkeypatch.setattr(service.strategy.locks, "_acquire", loading)
    with pytest.raises(LockServiceUnavailable, match="loading"):
        service.hold_seats("alice", ["GA-1-1"])


def test_redis_dying_after_the_store_commits_leaves_the_hold_and_the_booking_standing(plain_server, new_store):
    store = new_store()
    service = service_on(plain_server, store)
    trip_after_apply(store, plain_server.kill)
    hold = service.hold_seats("alice", ["GA-1-1", "GA-1-2"])  # returns: the hold committed
    assert store.get_hold(hold.hold_id) == hold
    assert service.stats.lost_leases == 2  # neither lease could be given back; both end by TTL

    plain_server.start()
    trip_after_apply(store, plain_server.kill, kinds=(RecordKind.CONFIRM,))
    booking = service.confirm(hold.hold_id, "alice")
    assert store.get_booking(booking.booking_id).status.value == "CONFIRMED"
    assert service.payments.status(booking.payment_id) is PaymentOutcome.CAPTURED  # kept: the sale stands
    assert_store_clean(store)


def test_a_confirm_cut_off_by_an_outage_refunds_the_payment(plain_server, new_store):
    store = new_store()
    service = service_on(plain_server, store)
    hold = service.hold_seats("alice", ["GA-1-1"])
    plain_server.kill()
    with pytest.raises(ConfirmFailed) as caught:
        service.confirm(hold.hold_id, "alice")
    assert isinstance(caught.value.__cause__, LockServiceUnavailable)
    assert service.payments.status(f"pay-{hold.hold_id}") is PaymentOutcome.REFUNDED
    assert store.get_hold(hold.hold_id) is None and not store.bookings()
    assert_store_clean(store)


# --- items 5 and 6: fencing tokens across restarts -----------------------------------


@pytest.mark.parametrize("conditional", [True, False], ids=["conditional", "fencing-only"])
def test_a_restart_neither_locks_seats_out_nor_reissues_a_token(server, new_store, conditional):
    store = new_store()
    service = service_on(server, store, conditional=conditional)
    booking = service.confirm(service.hold_seats("alice", ["GA-1-1"]).hold_id, "alice")
    service.cancel(booking.booking_id, "alice")
    for _ in range(2):
        server.restart()
        hold = service.hold_seats("bob", ["GA-1-1", "GA-1-2"])  # after the restart: sells again
        booking = service.confirm(hold.hold_id, "bob")
        service.cancel(booking.booking_id, "bob")
    for seat, tokens in tokens_by_seat(store).items():
        assert tokens == sorted(set(tokens)), (seat, tokens)  # strictly increasing, none reused
    assert service.stats.stale_tokens == 0
    assert_store_clean(store)


@pytest.mark.parametrize("conditional", [True, False], ids=["conditional", "fencing-only"])
def test_a_client_paused_across_a_restart_cannot_write_late(server, new_store, conditional):
    store = new_store()
    bob = service_on(server, store, conditional=conditional)

    def restart_then_bob_buys():
        restart_and_outlive(server, 0.3)  # alice's lease is gone, with the server's memory or by its TTL
        bob.confirm(bob.hold_seats("bob", ["GA-1-1"]).hold_id, "bob")

    alice = service_on(server, store, lock_ttl=0.3, conditional=conditional)
    alice.strategy.before_write = restart_then_bob_buys
    with pytest.raises((StaleFencingToken, LostRace)) as caught:
        alice.hold_seats("alice", ["GA-1-1"])
    if isinstance(caught.value, StaleFencingToken):
        assert "expired" not in str(caught.value)  # a restart is not blamed on an expired lease
    assert [b.user for b in store.bookings()] == ["bob"] and not store.live_holds()
    assert_store_clean(store)


def test_fencing_only_sells_once_when_both_clients_read_before_either_writes(server, new_store):
    """Alice reads, Redis restarts, Bob takes the lease and reads, then Alice writes first.

    Tokens that merely increase would let both writes in (alice's older token first, then
    bob's newer one): the seat held twice. The store refuses alice's because it has since
    issued a newer token for the seat to bob.
    """
    store = new_store()
    alice = service_on(server, store, lock_ttl=0.3, conditional=False)
    bob = service_on(server, store, conditional=False)
    alice_read, bob_read, alice_done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def alice_pauses():
        alice_read.set()
        bob_read.wait(10)

    def bob_pauses():
        bob_read.set()
        alice_done.wait(10)

    alice.strategy.before_write = alice_pauses
    bob.strategy.before_write = bob_pauses

    def run(name, service, done=None):
        try:
            outcome[name] = service.hold_seats(name, ["GA-1-1"])
        except Exception as error:  # noqa: BLE001  (the test looks at which error it was)
            outcome[name] = error
        finally:
            if done is not None:
                done.set()

    a = threading.Thread(target=run, args=("alice", alice, alice_done))
    a.start()
    assert alice_read.wait(10)
    restart_and_outlive(server, 0.3)
    b = threading.Thread(target=run, args=("bob", bob))
    b.start()
    a.join(20)
    b.join(20)
    assert isinstance(outcome["alice"], StaleFencingToken), outcome
    assert [h.user for h in store.live_holds()] == ["bob"]
    assert_store_clean(store)


def test_a_race_whose_redis_dies_midway_stops_with_one_error_not_a_clean_report(plain_server):
    from ticketlab.seatlock import SeatLockError, race

    killer = threading.Timer(0.5, plain_server.kill)
    killer.start()
    try:
        with pytest.raises(SeatLockError, match="the race stopped: user.*LockServiceUnavailable"):
            race("distributed", users=6, seats=400, latency_ms=5, per_user=60, redis_url=plain_server.url)
    finally:
        killer.cancel()
