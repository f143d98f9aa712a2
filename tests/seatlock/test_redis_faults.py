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

from ticketlab.core.errors import InputError
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


# --- the Redis store itself: a client paused or killed, the server restarted ---------


# A client in a process of its own, on the Redis event named by argv: it takes a lease and
# reads GA-1-1, says READ, and (unless a SIGSTOP lands) writes 0.3 s later, inside its 0.5 s lease.
_PAUSED_CLIENT = """
import sys, time
from ticketlab.seatlock import BookingService, DistributedStrategy, RealClock
from ticketlab.seatlock.locks.redis import RedisLockManager
from ticketlab.seatlock.stores.redis import RedisStore

url, namespace, conditional = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
clock = RealClock()

def read_then_think():
    print("READ", flush=True)
    time.sleep(0.3)

strategy = DistributedStrategy(RedisLockManager(url=url, clock=clock), lock_ttl=0.5, conditional=conditional,
                               before_write=read_then_think)
service = BookingService(RedisStore(url, namespace), strategy, clock, hold_ttl=60, http_timeout=0.2, db_timeout=0.1)
try:
    service.hold_seats("alice", ["GA-1-1"])
    print("HELD", flush=True)
except Exception as error:
    print("REFUSED", type(error).__name__, flush=True)
"""

# A client that holds GA-1-1 and GA-1-2 for 0.5 s, says HELD with the hold id, and waits to be killed.
_HOLDING_CLIENT = """
import sys, time
from ticketlab.seatlock import BookingService, OptimisticStrategy, RealClock
from ticketlab.seatlock.stores.redis import RedisStore

service = BookingService(RedisStore(sys.argv[1], sys.argv[2]), OptimisticStrategy(), RealClock(), hold_ttl=60,
                         http_timeout=2, db_timeout=1)
print("HELD", service.hold_seats("alice", ["GA-1-1", "GA-1-2"], ttl=0.5).hold_id, flush=True)
time.sleep(600)
"""


def client_process(code: str, *args: str):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)


def redis_event(server: RedisServer, seats: int = 2):
    from ticketlab.seatlock import small_venue
    from ticketlab.seatlock.stores.redis import RedisStore

    return RedisStore.create(server.url, small_venue(seats).seats(), event_id="gig", namespace=f"gig-{time.monotonic_ns()}")


@pytest.mark.parametrize("conditional", [False, True], ids=["fencing-only", "conditional"])
def test_a_client_process_stopped_past_its_lease_cannot_write_after_another_booked(plain_server, conditional):
    import os
    import signal

    store = redis_event(plain_server)
    alice = client_process(_PAUSED_CLIENT, plain_server.url, store.namespace, "1" if conditional else "0")
    try:
        assert alice.stdout.readline().strip() == "READ"
        os.kill(alice.pid, signal.SIGSTOP)  # paused between its read and its write
        time.sleep(0.8)  # past its 0.5 s lease
        bob = service_on(plain_server, store, conditional=conditional)
        booking = bob.confirm(bob.hold_seats("bob", ["GA-1-1"]).hold_id, "bob")
        os.kill(alice.pid, signal.SIGCONT)
        outcome = alice.stdout.readline().split()
        alice.wait(timeout=30)
    finally:
        alice.kill()
        alice.wait()
    expected = {"StaleFencingToken"} if not conditional else {"StaleFencingToken", "LostRace"}
    assert outcome[0] == "REFUSED" and outcome[1] in expected, outcome
    assert [(b.user, b.booking_id) for b in store.bookings()] == [("bob", booking.booking_id)]
    assert store.read_seats(["GA-1-1"])[0].booking_id == booking.booking_id
    assert_store_clean(store)
    store.drop()


def test_a_client_killed_while_holding_loses_its_seats_to_the_ttl_with_no_sweeper(plain_server):
    from ticketlab.seatlock import SeatStatus

    store = redis_event(plain_server, seats=3)
    alice = client_process(_HOLDING_CLIENT, plain_server.url, store.namespace)
    try:
        word, hold_id = alice.stdout.readline().split()
    finally:
        alice.kill()  # SIGKILL: no release, no sweep, ever
        alice.wait()
    assert word == "HELD"
    assert [s.status for s in store.read_seats(["GA-1-1", "GA-1-2"])] == [SeatStatus.HELD] * 2
    time.sleep(0.7)
    bob = service_on(plain_server, store)
    hold = bob.hold_seats("bob", ["GA-1-1", "GA-1-2"])  # nobody swept: Redis dropped the hold's key
    bob.confirm(hold.hold_id, "bob")
    expired = [r for r in store.history() if r.kind is RecordKind.EXPIRE]
    assert [(r.hold_id, r.user) for r in expired] == [(hold_id, "alice")]
    assert_store_clean(store)
    store.drop()


def _to_system_of_record(ledger, booking) -> bool:
    """The sale's commit point: the booking's seats held and confirmed, guarded, in the SQL store.

    False if the SQL store refuses (a seat is already sold there): the sale did not happen, and
    its payment must be refunded.
    """
    from ticketlab.seatlock import Change, Hold, WriteResult

    at = booking.confirmed_at
    hold = Hold(booking.hold_id, booking.user, booking.seat_ids, at, at + 1, booking.amount_cents)
    held = ledger.apply(Change(RecordKind.HOLD, booking.seat_ids, at, user=booking.user, hold_id=booking.hold_id,
                               hold=hold))
    return held is WriteResult.OK and ledger.apply(Change(
        RecordKind.CONFIRM, booking.seat_ids, at, user=booking.user, hold_id=booking.hold_id, booking=booking,
        captured=True)) is WriteResult.OK


def test_redis_restarted_mid_sale_loses_holds_and_seats_but_the_sql_system_of_record_keeps_every_booking(
        plain_server, tmp_path):
    """Redis without persistence forgets the whole event on a restart: every seat's state, the
    holds (a buyer who had not paid yet loses hers), the bookings and the history it kept. What
    must survive is in the SQL store, where each booking is written as the sale's commit point:
    it keeps alice's booking, refuses to sell her seat again when Redis, rebuilt empty, would,
    and the event rebuilt in Redis from it sells only what is really free."""
    from ticketlab.seatlock import SeatStatus, SeatUnavailable, StoreUnavailable, small_venue
    from ticketlab.seatlock.stores.redis import RedisStore
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    seats = small_venue(3).seats()
    ledger = SqliteStore.create(str(tmp_path / "ledger.sqlite3"), seats, event_id="gig")
    store = RedisStore.create(plain_server.url, seats, event_id="gig", socket_timeout=0.3)
    sale = service_on(plain_server, store)
    alice = sale.confirm(sale.hold_seats("alice", ["GA-1-1"]).hold_id, "alice")
    assert _to_system_of_record(ledger, alice)
    carol = sale.hold_seats("carol", ["GA-1-2"])  # not paid yet

    plain_server.restart()  # no append-only file: Redis comes back empty
    with pytest.raises(StoreUnavailable, match="GONE"):
        sale.hold_seats("bob", ["GA-1-3"])
    with pytest.raises(InputError):
        RedisStore(plain_server.url, "gig")  # seats, holds, bookings, history: all lost

    # rebuilt blindly, Redis would sell alice's seat again; the system of record refuses it
    blind = service_on(plain_server, RedisStore.create(plain_server.url, seats, event_id="gig"))
    again = blind.confirm(blind.hold_seats("bob", ["GA-1-1"]).hold_id, "bob")
    assert not _to_system_of_record(ledger, again)
    assert [(b.user, b.seat_ids) for b in ledger.bookings()] == [("alice", ("GA-1-1",))]

    # rebuilt from the system of record: alice's seat stays sold, carol's unpaid hold is gone
    rebuilt = RedisStore.create(plain_server.url, ledger.snapshot().values(), event_id="gig")
    assert rebuilt.read_seats(["GA-1-1"])[0].status is SeatStatus.SOLD and rebuilt.get_hold(carol.hold_id) is None
    sale = service_on(plain_server, rebuilt)
    with pytest.raises(SeatUnavailable):
        sale.hold_seats("bob", ["GA-1-1"])
    bob = sale.confirm(sale.hold_seats("bob", ["GA-1-2"]).hold_id, "bob")
    assert _to_system_of_record(ledger, bob)
    assert sorted(b.user for b in ledger.bookings()) == ["alice", "bob"]
    assert_store_clean(ledger)
    ledger.close()
