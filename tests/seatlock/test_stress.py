"""Real threads and real processes: naive double-sells, every other strategy does not.

Each run ends with the history checker over everything the store recorded.
"""

from __future__ import annotations

import random
import threading

import pytest

from ticketlab.seatlock import (
    BookingService,
    BookingStatus,
    ConfirmFailed,
    LockTimeout,
    LostRace,
    MemoryLockManager,
    MemoryStore,
    RealClock,
    STRATEGIES,
    SeatUnavailable,
    StaleFencingToken,
    check_history,
    make_strategy,
    race,
    small_venue,
)

SAFE = [name for name in STRATEGIES if name.safe]


def run_beside(background, stop: threading.Event, worker, workers: int) -> None:
    """Run ``worker(k)`` on ``workers`` threads while ``background`` runs until ``stop`` is set."""
    behind = threading.Thread(target=background)
    behind.start()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    stop.set()
    behind.join(timeout=10)


def test_naive_strategy_double_sells_under_thread_contention():
    result = race("naive", users=16, seats=4, latency_ms=5)
    assert result.double_bookings > 0
    assert result.bookings > result.seats_sold
    assert not result.ok


@pytest.mark.parametrize("strategy", SAFE)
def test_safe_strategies_sell_each_seat_once_under_thread_contention(strategy):
    result = race(strategy, users=16, seats=4, latency_ms=2)
    assert result.ok, result.summary()
    assert result.double_bookings == 0
    assert result.seats_sold == result.bookings == 4


@pytest.mark.parametrize("strategy", SAFE)
def test_overlapping_multi_seat_holds_never_deadlock_or_double_sell(strategy):
    clock = RealClock()
    store = MemoryStore(small_venue(12).seats())
    locks = MemoryLockManager(clock, sleep=0.0005)
    service = BookingService(store, make_strategy(strategy, 0.0005, seed=1, locks=locks), clock)
    seat_ids = list(store.snapshot())
    barrier = threading.Barrier(8)
    errors = []

    def shopper(k: int) -> None:
        rng = random.Random(k)
        barrier.wait()
        try:
            for _ in range(25):
                wanted = rng.sample(seat_ids, rng.randint(1, 3))
                try:
                    hold = service.hold_seats(f"user{k}", wanted)
                except (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken):
                    continue
                if rng.random() < 0.3:
                    service.release(hold.hold_id, f"user{k}")
                    continue
                try:
                    booking = service.confirm(hold.hold_id, f"user{k}")
                except ConfirmFailed:
                    continue
                if rng.random() < 0.3:
                    service.cancel(booking.booking_id, f"user{k}")
        except Exception as error:  # surfaced below with its thread
            errors.append(error)

    threads = [threading.Thread(target=shopper, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck: deadlock"
    assert errors == []
    report = check_history(store.history(), store.snapshot())
    assert report.ok, report.summary()
    assert sum(store.counters().values()) == 12


def test_naive_strategy_double_sells_across_processes_on_sqlite():
    result = race("naive", users=8, seats=2, backend="sqlite", latency_ms=10, processes=2)
    assert result.double_bookings > 0, result.summary()


@pytest.mark.parametrize("strategy", SAFE)
def test_safe_strategies_sell_each_seat_once_across_processes_on_sqlite(strategy):
    result = race(strategy, users=8, seats=2, backend="sqlite", latency_ms=2, processes=2)
    assert result.ok, result.summary()
    assert result.seats_sold == result.bookings == 2


@pytest.mark.parametrize("strategy", SAFE)
def test_sweeper_racing_slow_payments_keeps_money_and_seats_consistent(strategy):
    """Holds expire while payments are in flight; the sweeper runs the whole time."""
    from ticketlab.seatlock import FakePaymentGateway, HoldExpired

    clock = RealClock()
    store = MemoryStore(small_venue(10).seats())
    locks = MemoryLockManager(clock, sleep=0.0005)
    gateway = FakePaymentGateway(clock, latency=0.004)
    service = BookingService(store, make_strategy(strategy, 0.0005, seed=2, locks=locks, lock_ttl=0.02), clock,
                             gateway, hold_ttl=0.03, http_timeout=0.01, db_timeout=0.005)
    stop = threading.Event()
    errors = []

    def sweeper():
        while not stop.is_set():
            service.sweep_expired()
            clock.sleep(0.001)

    def shopper(k):
        rng = random.Random(k)
        try:
            for _ in range(30):
                try:
                    hold = service.hold_any(f"user{k}", rng.randint(1, 2))
                except (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken):
                    clock.sleep(0.002)
                    continue
                except Exception as error:
                    if type(error).__name__ != "SoldOut":
                        raise
                    clock.sleep(0.002)
                    continue
                # some buyers pay in time, some too late (the charge lands after expiry), some never
                clock.sleep(rng.choice([0.0, 0.005, 0.026, 0.028, 0.04]))
                try:
                    booking = service.confirm(hold.hold_id, f"user{k}")
                except (HoldExpired, ConfirmFailed):
                    continue
                except Exception as error:
                    if type(error).__name__ != "HoldNotFound":  # the sweeper got there first
                        raise
                    continue
                if rng.random() < 0.5:
                    service.cancel(booking.booking_id, f"user{k}")
        except Exception as error:
            errors.append(error)

    run_beside(sweeper, stop, shopper, 6)
    clock.sleep(0.05)
    service.sweep_expired()
    service.reconcile()
    assert errors == []
    report = check_history(store.history(), store.snapshot(), at_rest=True, gateway_held=gateway.held())
    assert report.ok, report.summary()
    assert store.live_holds() == [] and store.open_payments() == []
    confirmed = sum(b.amount_cents for b in store.bookings() if b.status is BookingStatus.CONFIRMED)
    assert gateway.captured_cents() == confirmed  # every other charge was refunded


@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis", "postgres"])
def test_double_clicks_on_two_servers_with_a_sweeper_never_lose_or_double_take_money(backend, tmp_path):
    """Every confirm is sent twice at once, to two servers sharing the store; holds are short,
    so a sweeper on the second server keeps expiring them while payments are in flight."""
    from ticketlab.seatlock import (AlreadyConfirmed, ConfirmInProgress, FakePaymentGateway, HoldExpired,
                                    HoldNotFound, LockTimeout, PessimisticStrategy)
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    clock = RealClock()
    if backend == "memory":
        first = second = MemoryStore(small_venue(8).seats())
    elif backend == "redis":  # two clients of one event, as two servers would be
        from .conftest import redis_store
        from ticketlab.seatlock.stores.redis import RedisStore

        first = redis_store(small_venue(8).seats(), tmp_path)
        second = RedisStore(first.url, first.namespace)
    elif backend == "postgres":  # two connections to one event, as two servers would have
        from .conftest import postgres_store
        from ticketlab.seatlock.stores.postgres import PostgresStore

        first = postgres_store(small_venue(8).seats(), tmp_path)
        second = PostgresStore(first.dsn, first.event_id, schema=first.schema)
    else:
        first = SqliteStore.create(str(tmp_path / "event.sqlite3"), small_venue(8).seats(), synchronous="NORMAL")
        second = SqliteStore(first.path, synchronous="NORMAL")
    # the cascade's times are the test's clock: a real server's statement timeout is a real one, so
    # PostgreSQL gets ten times the room (a 50 ms statement instead of 5 ms), as a loaded machine needs
    scale = 10 if backend == "postgres" else 1
    gateway = FakePaymentGateway(clock, latency=0.003 * scale)
    servers = [BookingService(store, PessimisticStrategy(lock_ttl=0.02 * scale), clock, gateway, hold_ttl=0.03 * scale,
                              http_timeout=0.01 * scale, db_timeout=0.005 * scale) for store in (first, second)]
    stop = threading.Event()
    errors, answers = [], []

    def sweeper():
        while not stop.is_set():
            try:
                servers[1].sweep_expired()
            except LockTimeout:  # the database's statement timeout on a loaded machine: the next sweep retries
                pass
            except Exception as error:
                errors.append(error)
            clock.sleep(0.001)

    def click(server, hold, out):
        try:
            out.append(server.confirm(hold.hold_id, hold.user))
        # LockTimeout: the cascade's database timeout (5 ms, 50 ms on PostgreSQL) ran out on a loaded machine;
        # the confirm fails cleanly and whatever it left open is settled by the sweeper or reconcile below
        except (HoldExpired, ConfirmFailed, ConfirmInProgress, HoldNotFound, AlreadyConfirmed, LockTimeout) as error:
            out.append(type(error).__name__)
        except Exception as error:
            errors.append(error)

    def shopper(k):
        rng = random.Random(k)
        for _ in range(12):
            try:
                hold = servers[k % 2].hold_any(f"user{k}", 1)
            except Exception:
                clock.sleep(0.002)
                continue
            clock.sleep(rng.choice([0.0, 0.02, 0.027, 0.04]) * scale)
            pair: list = []
            clicks = [threading.Thread(target=click, args=(server, hold, pair)) for server in servers]
            for t in clicks:
                t.start()
            for t in clicks:
                t.join()
            answers.append(pair)

    run_beside(sweeper, stop, shopper, 4)
    clock.sleep(0.05)
    servers[0].sweep_expired()
    servers[0].reconcile()
    assert errors == []
    for pair in answers:  # two bookings for one hold are the same booking
        booked = [a for a in pair if not isinstance(a, str)]
        assert len({b.booking_id for b in booked}) <= 1
    report = check_history(first.history(), first.snapshot(), at_rest=True, gateway_held=gateway.held())
    assert report.ok, report.summary()
    confirmed = {b.payment_id: b.amount_cents for b in first.bookings() if b.status is BookingStatus.CONFIRMED}
    assert gateway.held() == confirmed and len(confirmed) > 0
    if backend != "memory":
        second.close()
        first.close()
