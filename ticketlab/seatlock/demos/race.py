"""The race: N users rush M seats for real, and the history checker counts double bookings.

Invariant it demonstrates: with any strategy the registry calls safe, however the threads
or processes interleave, no seat ends up in two confirmed bookings; with the naive strategy
some do. Memory runs one thread per user; SQLite, PostgreSQL and Redis spread the users over
processes that share one database file, one PostgreSQL database (or one Redis event), released
together by one barrier.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import plural, whole_number
from ticketlab.core.vocab import Backend, StrategyName
from ticketlab.seatlock.check.history import check_history
from ticketlab.seatlock.clock import RealClock, seconds
from ticketlab.seatlock.errors import (
    ConfirmFailed,
    SeatLockError,
    HoldExpired,
    LockTimeout,
    LostRace,
    PaymentDeclined,
    PaymentOutcomeUnknown,
    SeatUnavailable,
    StaleFencingToken,
)
from ticketlab.seatlock.locks.memory import MemoryLockManager
from ticketlab.seatlock.model import BookingStatus, SeatStatus, small_venue
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.stores.memory import MemoryStore
from ticketlab.seatlock.strategies.registry import REGISTRY, make_strategy, strategy_name

__all__ = ["RaceResult", "race", "RACE_BACKENDS"]

#: Where a race can run: threads on the memory store, processes on a SQLite file, a PostgreSQL
#: database or a Redis event.
RACE_BACKENDS = (Backend.MEMORY, Backend.SQLITE, Backend.POSTGRES, Backend.REDIS)

_RETRYABLE = (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken)
_CONFIRM_FAILURES = (ConfirmFailed, HoldExpired, PaymentDeclined, PaymentOutcomeUnknown)


# --- the race ------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceResult:
    """What a race did. ``double_bookings`` is the checker's count of seats sold more than
    once; ``violations`` counts every broken invariant it found."""

    strategy: StrategyName
    backend: Backend
    users: int
    seats: int
    seats_sold: int
    bookings: int
    attempts: int
    conflicts: int
    retries: int
    lock_timeouts: int
    stale_tokens: int
    double_bookings: int
    violations: int
    wall_s: float
    ops_per_s: float
    processes: int = 1
    violation_kinds: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}

    def summary(self) -> str:
        verdict = "OK: no seat sold twice" if self.ok else (
            f"BROKEN: {plural(str(self.double_bookings), 'seats')} sold more than once"
            f" ({plural(str(self.bookings), 'bookings')} for {plural(str(self.seats_sold), 'seats')}),"
            f" {plural(str(self.violations), 'violations')} "
            f"({', '.join(f'{k}={v}' for k, v in sorted(self.violation_kinds.items()))})")
        runners = plural(str(self.users), "threads") if self.backend is Backend.MEMORY else (
            f"{plural(str(self.users), 'users')} in {plural(str(self.processes), 'processes')}")
        return "\n".join([
            f"race: {self.strategy} on {self.backend}, {runners} rushing {plural(str(self.seats), 'seats')}",
            f"  seats sold       {self.seats_sold}",
            f"  bookings         {self.bookings}",
            f"  attempts         {self.attempts}",
            f"  conflicts        {self.conflicts}",
            f"  retries          {self.retries}",
            f"  lock timeouts    {self.lock_timeouts}",
            f"  stale tokens     {self.stale_tokens}",
            f"  double bookings  {self.double_bookings}  (found by the history checker)",
            f"  wall time        {self.wall_s:.3f} s",
            f"  ops/s            {self.ops_per_s:,.0f}  (hold attempts per second)",
            f"  {verdict}",
        ])


def _rush(service: BookingService, user: str, per_user: int, barrier, tally: list[int],
          errors: list[str]) -> None:
    """One user: wait for the start, then take the first free seat until ``per_user`` are paid.

    An error that is not part of the race (the lock service went down, say) stops this user
    and is put in ``errors``, so the race is reported as failed rather than as a clean run.
    """
    barrier.wait()
    try:
        _rush_seats(service, user, per_user, tally)
    except Exception as error:  # noqa: BLE001  (reported by the race, never lost in a thread)
        errors.append(f"{user}: {type(error).__name__}: {error}")


def _raise_first(errors: list[str]) -> None:
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SeatLockError(f"the race stopped: {errors[0]}{more}")


def _rush_seats(service: BookingService, user: str, per_user: int, tally: list[int]) -> None:
    got = attempts = 0
    while got < per_user and attempts < 50 * per_user:
        ids = service.store.find_available(1)
        if not ids:
            break
        attempts += 1
        try:
            hold = service.hold_seats(user, ids)
        except _RETRYABLE:
            continue
        try:
            service.confirm(hold.hold_id, user)
            got += 1
        except _CONFIRM_FAILURES:
            continue
    tally.append(attempts)


def _lock_manager(strategy: StrategyName, clock, redis_url: str | None, sqlite_path: str | None = None,
                  prefix: str = "ticketlab:race:"):
    """The leases for a strategy that needs them: Redis if a URL is given (lease keys under
    ``prefix``), else SQLite or memory."""
    if not REGISTRY[strategy].needs_locks:
        return None
    if redis_url:
        from ticketlab.seatlock.locks.redis import RedisLockManager

        locks = RedisLockManager(url=redis_url, clock=clock, prefix=prefix)
        locks.ping()  # one clear LockServiceUnavailable now, not one per racing thread
        return locks
    if sqlite_path:
        from ticketlab.seatlock.locks.sqlite import SqliteLockManager

        return SqliteLockManager(sqlite_path, clock, sleep=0.001)
    return MemoryLockManager(clock, sleep=0.0005)


def _build_service(store, strategy: StrategyName, latency_s: float, seed: int, clock, locks=None) -> BookingService:
    return BookingService(store, make_strategy(strategy, latency_s, seed=seed, locks=locks), clock)


def race(strategy: str = StrategyName.NAIVE, users: int = 20, seats: int = 5, backend: str = Backend.MEMORY,
         latency_ms: float = 5.0, seed: int = 0, per_user: int = 1, processes: int | None = None,
         path: str | None = None, redis_url: str | None = None, dsn: str | None = None) -> RaceResult:
    """``users`` users rush ``seats`` seats at once; each wants ``per_user`` seats.

    Memory: one thread per user, all released by a barrier. SQLite, PostgreSQL and Redis: the
    users are spread over ``processes`` processes (default min(users, 4)), each user a thread
    sharing its process's store, all released by one cross-process barrier; the database file is
    ``path`` (default: a temporary file); PostgreSQL uses a fresh schema of the database at
    ``dsn`` (e.g. ``postgresql://user@127.0.0.1:5432/ticketlab``), Redis a fresh namespace on
    ``redis_url``, each dropped after the race. ``latency_ms`` is waited between each check and
    its write. ``redis_url`` (e.g. ``redis://127.0.0.1:6379/0``) is where the redis backend keeps
    its seats, and makes the distributed strategy take its leases from that Redis server instead
    of memory (threads) or a SQLite table (processes).

    Raises :class:`InputError` for an unknown strategy or backend, a count that is not a whole
    number >= 1, a latency that is not a number of milliseconds >= 0, a ``redis_url`` that is not
    a Redis URL (or is missing for the redis backend), or a ``dsn`` missing for PostgreSQL or
    given for another backend; :class:`~ticketlab.seatlock.errors.LockServiceUnavailable` (or
    ``StoreUnavailable``) if a server does not answer, and
    :class:`~ticketlab.seatlock.errors.SeatLockError` if a user
    stopped on an error that is not part of the race.
    """
    strategy = strategy_name(strategy)
    if backend not in RACE_BACKENDS:
        raise InputError("backend", backend, f"one of {', '.join(RACE_BACKENDS)}")
    backend = Backend(backend)
    users, seats = whole_number("users", users, what="users"), whole_number("seats", seats, what="seats")
    per_user = whole_number("per_user", per_user, what="attempts per user")
    latency = seconds("latency_ms", latency_ms, allow_zero=True) / 1000.0
    if path is not None and backend is not Backend.SQLITE:
        raise InputError("path", path, "no file path unless the backend is sqlite: --backend sqlite")
    if dsn is not None and backend is not Backend.POSTGRES:
        raise InputError("dsn", dsn, "no DSN unless the backend is postgres: --backend postgres "
                                     "--dsn postgresql://user@127.0.0.1:5432/ticketlab")
    if backend is Backend.POSTGRES and dsn is None:
        raise InputError("dsn", dsn, "a PostgreSQL connection string for the postgres backend, e.g. "
                                     "--dsn postgresql://user@127.0.0.1:5432/ticketlab")
    if backend is Backend.REDIS and redis_url is None:
        raise InputError("redis_url", None, "the Redis server the redis backend keeps its seats on, "
                                            "e.g. 'redis://127.0.0.1:6379/0'")
    if redis_url is not None and REGISTRY[strategy].needs_locks:
        try:  # the server answers, before any worker starts
            _lock_manager(strategy, RealClock(), redis_url).close()
        except InputError as error:
            raise InputError("redis_url", redis_url, error.expected) from None
    if backend is Backend.MEMORY:
        return _race_memory(strategy, users, seats, latency, seed, per_user, redis_url)
    return _race_processes(backend, strategy, users, seats, latency, seed, per_user, processes,
                           dsn if backend is Backend.POSTGRES else path, redis_url)


def _race_memory(strategy, users, seats, latency, seed, per_user, redis_url) -> RaceResult:
    clock = RealClock()
    store = MemoryStore(small_venue(seats).seats(), event_id=f"race-{os.getpid()}-{time.monotonic_ns()}")
    # leases of its own on a shared Redis: another race (or one killed midway) never holds this one's seats
    locks = _lock_manager(strategy, clock, redis_url, prefix=f"ticketlab:race:{os.getpid()}-{time.monotonic_ns()}:")
    service = _build_service(store, strategy, latency, seed, clock, locks)
    barrier = threading.Barrier(users + 1)
    tally: list[int] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_rush, args=(service, f"user{i}", per_user, barrier, tally, errors))
               for i in range(users)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    _raise_first(errors)
    return _result(strategy, Backend.MEMORY, users, seats, store, [service.stats.as_dict()], sum(tally), wall, 1)


def _open_store(backend: Backend, where: str, event_id: str, redis_url: str | None):
    """The shared store a worker process opens: the SQLite file at ``where``, the event in the
    PostgreSQL database ``where`` names, or the Redis event whose namespace is ``where``."""
    if backend is Backend.POSTGRES:
        from ticketlab.seatlock.stores.postgres import PostgresStore

        return PostgresStore(where, event_id)
    if backend is Backend.REDIS:
        from ticketlab.seatlock.stores.redis import RedisStore

        return RedisStore(redis_url, where)
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    return SqliteStore(where)


def _worker(backend, where, event_id, lock_path, redis_url, strategy, latency, seed, users, per_user, barrier,
            results) -> None:
    clock = RealClock()
    store = _open_store(backend, where, event_id, redis_url)
    locks = _lock_manager(strategy, clock, redis_url, lock_path)
    service = _build_service(store, strategy, latency, seed, clock, locks)
    tally: list[int] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_rush, args=(service, user, per_user, barrier, tally, errors))
               for user in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    results.put((service.stats.as_dict(), sum(tally), errors))


def _create_store(backend: Backend, seats: int, where: str, event_id: str, redis_url: str | None):
    """A fresh race event; returns it and what a worker opens it by (a file path, a DSN, or a Redis namespace)."""
    if backend is Backend.POSTGRES:
        from ticketlab.seatlock.stores.postgres import PostgresStore

        return PostgresStore.create(where, small_venue(seats).seats(), event_id=event_id), where
    if backend is Backend.REDIS:
        from ticketlab.seatlock.stores.redis import RedisStore

        store = RedisStore.create(redis_url, small_venue(seats).seats(), event_id=event_id)
        return store, store.namespace
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    return SqliteStore.create(where, small_venue(seats).seats(), event_id=event_id), where


def _race_processes(backend, strategy, users, seats, latency, seed, per_user, processes, where,
                    redis_url) -> RaceResult:
    """The users spread over worker processes sharing one store: the SQLite file at ``where`` (a
    temporary file if None), the PostgreSQL database ``where`` names, or a Redis event."""
    import multiprocessing as mp

    from ticketlab.seatlock.locks.sqlite import SqliteLockManager

    processes = max(1, min(users, processes or 4))
    # a fresh event id per run, so leases left in a shared Redis (or an old schema) never collide with this race
    event_id = f"race-{os.getpid()}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory(prefix="ticketlab-race-") as tmp:
        lock_db = os.path.join(tmp, "leases.sqlite3")
        store, where = _create_store(backend, seats, where or os.path.join(tmp, "race.sqlite3"), event_id, redis_url)
        SqliteLockManager(lock_db, RealClock()).close()  # creates the lease tables before the workers race to
        ctx = mp.get_context("spawn")  # a clean interpreter per worker: no threads or locks inherited
        barrier = ctx.Barrier(users + 1)
        results = ctx.Queue()
        names = [f"user{i}" for i in range(users)]
        workers = [ctx.Process(target=_worker,
                               args=(backend, where, event_id, lock_db, redis_url, strategy, latency, seed + k,
                                     names[k::processes], per_user, barrier, results))
                   for k in range(processes)]
        try:
            for w in workers:
                w.start()
            barrier.wait(timeout=120)
            started = time.perf_counter()
            collected = [results.get(timeout=300) for _ in workers]
            wall = time.perf_counter() - started
            for w in workers:
                w.join()
            _raise_first([e for _, _, errors in collected for e in errors])
            stats = [s for s, _, _ in collected]
            return _result(strategy, backend, users, seats, store, stats, sum(a for _, a, _ in collected), wall,
                           processes)
        finally:
            if backend is Backend.POSTGRES or backend is Backend.REDIS:
                store.drop()  # a shared server keeps no race behind
            if backend is not Backend.POSTGRES:
                store.close()


def _result(strategy, backend, users, seats, store, stats, attempts, wall, processes) -> RaceResult:
    def total(key: str) -> int:
        return sum(s[key] for s in stats)

    report = check_history(store.history(), store.snapshot())
    sold = store.counters()[SeatStatus.SOLD]
    bookings = sum(1 for b in store.bookings() if b.status is BookingStatus.CONFIRMED)
    return RaceResult(
        strategy=strategy, backend=backend, users=users, seats=seats, seats_sold=sold, bookings=bookings,
        attempts=attempts, conflicts=total("conflicts"), retries=total("retries"),
        lock_timeouts=total("lock_timeouts"), stale_tokens=total("stale_tokens"),
        double_bookings=report.double_bookings, violations=len(report.violations), wall_s=wall,
        ops_per_s=attempts / wall if wall > 0 else 0.0, processes=processes, violation_kinds=report.counts())
