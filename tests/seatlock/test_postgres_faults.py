"""The PostgreSQL store when clients stall, die, or lose their connection mid-transaction.

Clients run as separate processes (``python -c``) against a server started for this test
process on 127.0.0.1, so a pause is a real SIGSTOP and a death a real SIGKILL. What must hold:

- a client paused past its lease writes nothing when it wakes: the fencing token the store
  issued to the next lease holder makes its late write stale;
- a client killed while it holds row locks leaves nothing written, and the server frees the
  locks; one killed after its hold committed loses the seats to the hold's TTL and the sweeper;
- a connection dropped mid-transaction (the backend terminated, or the server killed) leaves
  nothing half written; money a confirm took before the crash is settled by ``reconcile``;
- the history checker passes after each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from support import PostgresServer, RedisServer, shared_postgres

from ticketlab.seatlock import (
    BookingService,
    BookingStatus,
    DistributedStrategy,
    FakePaymentGateway,
    LockTimeout,
    PessimisticStrategy,
    RealClock,
    SeatStatus,
    StoreUnavailable,
    small_venue,
)
from ticketlab.seatlock.stores.postgres import PostgresStore

from .common import assert_store_clean, store_state

pytestmark = pytest.mark.server

A, B = "GA-1-1", "GA-1-2"
LEASE = 0.5  # seconds: long enough to start, short enough to outlive

_CLIENT_HEAD = """
import sys, time
from ticketlab.seatlock import *
from ticketlab.seatlock.stores.postgres import PostgresStore
from ticketlab.seatlock.locks.sqlite import SqliteLockManager
dsn, event, locks_at = sys.argv[1:4]
clock = RealClock()
store = PostgresStore(dsn, event)
def lock_manager():
    if locks_at.startswith("redis://"):
        from ticketlab.seatlock.locks.redis import RedisLockManager
        return RedisLockManager(url=locks_at, clock=clock)
    return SqliteLockManager(locks_at, clock)
def say(line):
    print(line, flush=True)
"""


def client(script: str, store: PostgresStore, locks_at: str = "-") -> subprocess.Popen:
    """A client process running ``script`` (after :data:`_CLIENT_HEAD`) on ``store``'s event."""
    code = _CLIENT_HEAD + textwrap.dedent(script)
    return subprocess.Popen([sys.executable, "-c", code, store.dsn, store.event_id, locks_at],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def next_line(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline().strip()
    if not line:
        raise AssertionError(f"the client said nothing: {proc.stderr.read()[-2000:]}")
    return line


@pytest.fixture
def store(request):
    made = PostgresStore.create(shared_postgres().new_database(), small_venue(4).seats(),
                                event_id=f"faults-{os.getpid()}-{time.monotonic_ns()}")
    yield made
    made.drop()


@pytest.fixture(params=["sqlite", "redis"], ids=["sqlite-leases", "redis-leases"])
def locks_at(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "leases.sqlite3")
        return
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


def lock_manager(locks_at: str, clock):
    if locks_at.startswith("redis://"):
        from ticketlab.seatlock.locks.redis import RedisLockManager

        return RedisLockManager(url=locks_at, clock=clock)
    from ticketlab.seatlock.locks.sqlite import SqliteLockManager

    return SqliteLockManager(locks_at, clock)


def test_a_client_paused_past_its_lease_is_fenced_off_when_it_wakes(store, locks_at):
    late = client(f"""
        def stall():
            say("checked")
            time.sleep(0.3)  # stopped here by the test, far past the lease
        strategy = DistributedStrategy(lock_manager(), lock_ttl={LEASE}, lock_wait=2, conditional=False,
                                       before_write=stall)
        service = BookingService(store, strategy, clock, hold_ttl=60, http_timeout={LEASE / 2}, db_timeout={LEASE / 4})
        try:
            service.hold_seats("late", ["{A}"])
            say("held")
        except SeatLockError as error:
            say(type(error).__name__)
    """, store, locks_at)
    try:
        assert next_line(late) == "checked"  # its lease and fencing token are taken; its check passed
        late.send_signal(signal.SIGSTOP)
        time.sleep(LEASE + 0.3)  # the lease runs out while it sleeps
        clock = RealClock()
        strategy = DistributedStrategy(lock_manager(locks_at, clock), lock_ttl=LEASE, lock_wait=2, conditional=False)
        early = BookingService(store, strategy, clock, hold_ttl=60, http_timeout=LEASE / 2, db_timeout=LEASE / 4)
        booking = early.confirm(early.hold_seats("early", [A]).hold_id, "early")
        late.send_signal(signal.SIGCONT)
        assert next_line(late) == "StaleFencingToken"
    finally:
        late.send_signal(signal.SIGCONT)
        late.kill()
        late.wait(10)
    seat = store.read_seats([A])[0]
    assert (seat.status, seat.booking_id) == (SeatStatus.SOLD, booking.booking_id)
    assert [h.user for h in store.live_holds()] == []  # the late hold never landed
    assert_store_clean(store)


def test_a_client_killed_while_holding_row_locks_leaves_nothing_and_frees_the_locks(store):
    ghost = client(f"""
        def stall():
            say("locked")
            time.sleep(60)  # killed here, inside SELECT ... FOR UPDATE's transaction
        service = BookingService(store, PessimisticStrategy(before_write=stall), clock)
        service.hold_seats("ghost", ["{A}", "{B}"])
    """, store)
    try:
        assert next_line(ghost) == "locked"
        before = store_state(store)
        with pytest.raises(LockTimeout):  # the rows really are locked by the other process
            with store.seat_locks([A], timeout=1.0, nowait=True):
                pass
        ghost.kill()
        ghost.wait(10)
        started = time.perf_counter()
        with store.seat_locks([A, B], timeout=10.0):  # the server rolled the dead client's transaction back
            freed_after = time.perf_counter() - started
    finally:
        ghost.kill()
        ghost.wait(10)
    assert freed_after < 5.0
    assert store_state(store) == before and store.live_holds() == []
    assert_store_clean(store)


def test_a_client_killed_after_its_hold_loses_the_seats_to_the_ttl_and_the_sweeper(store):
    ghost = client(f"""
        service = BookingService(store, PessimisticStrategy(), clock)
        say(service.hold_seats("ghost", ["{A}", "{B}"], ttl=0.5).hold_id)
        time.sleep(60)  # killed here, holding the seats
    """, store)
    try:
        hold_id = next_line(ghost)
        ghost.kill()
        ghost.wait(10)
    finally:
        ghost.kill()
    assert [s.status for s in store.read_seats([A, B])] == [SeatStatus.HELD] * 2
    service = BookingService(store, PessimisticStrategy(), RealClock())
    assert service.sweep_expired().released == ()  # not yet: the hold still has time
    time.sleep(0.6)
    assert service.sweep_expired().released == (hold_id,)
    assert [s.status for s in store.read_seats([A, B])] == [SeatStatus.AVAILABLE] * 2
    assert service.hold_seats("alice", [A, B]).seat_ids == (A, B)
    assert_store_clean(store)


def test_a_connection_dropped_mid_transaction_leaves_nothing_half_written(store):
    import psycopg

    def terminate_the_open_transaction() -> None:
        with psycopg.connect(store.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")

    service = BookingService(store, PessimisticStrategy(), RealClock())
    apply, fired = store.apply, []

    def apply_then_drop(change):  # the hold is written inside the open transaction, then the line goes
        result = apply(change)
        if not fired:
            fired.append(change.kind)
            terminate_the_open_transaction()
        return result

    before = store_state(store)
    store.apply = apply_then_drop
    with pytest.raises(StoreUnavailable) as caught:
        service.hold_seats("alice", [A, B])
    assert fired and f"127.0.0.1" in str(caught.value)
    assert store_state(store) == before  # no hold row, no HELD seat, no history record, counters as they were
    assert service.hold_seats("alice", [A, B]).seat_ids == (A, B)  # a new connection, and it works again
    assert_store_clean(store)


def test_a_server_killed_after_the_charge_loses_no_money(tmp_path):
    server = PostgresServer().start()
    try:
        store = PostgresStore.create(server.new_database(), small_venue(2).seats(), event_id="crash")
        clock = RealClock()
        gateway = FakePaymentGateway(clock)

        def crash(step: str) -> None:
            if step == "charged":
                server.kill()  # SIGKILL to the server and its backends, the money already taken

        service = BookingService(store, PessimisticStrategy(), clock, gateway, checkpoint=crash)
        hold = service.hold_seats("alice", [A])
        with pytest.raises(StoreUnavailable):
            service.confirm(hold.hold_id, "alice")
        server.start()
        after = BookingService(store, PessimisticStrategy(), clock, gateway)
        settled = after.reconcile()
        assert settled.booked == (f"pay-{hold.hold_id}",)  # the hold was still live: the money became the booking
        (booking,) = store.bookings()
        assert booking.status is BookingStatus.CONFIRMED and booking.hold_id == hold.hold_id
        assert store.read_seats([A])[0].status is SeatStatus.SOLD
        report = after.check(at_rest=True)
        assert report.ok, report.summary()
        assert gateway.held() == {booking.payment_id: booking.amount_cents}
        store.close()
    finally:
        server.stop()
