"""Demonstrations: the race, the paused client, and the progression of fixes.

Each is a library function returning a small result object (for notebooks and tests) with
a ``summary()`` for the terminal; the CLI verbs print those summaries.

- :func:`race`: N users rush M seats for real (threads on the memory store, processes on
  SQLite) and the history checker counts double bookings.
- :func:`paused_client`: Kleppmann's scenario, deterministic on a simulated clock.
- :func:`progression`: status column → reserved-until → sweeper → TTL lock → conditional
  write, each step showing what it fixes and what it still gets wrong.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

from ticketlab.seatlock.clock import RealClock, SimulatedClock
from ticketlab.core.errors import InputError
from ticketlab.seatlock.errors import (
    ConfirmFailed,
    HoldExpired,
    LockTimeout,
    LostRace,
    PaymentDeclined,
    PaymentOutcomeUnknown,
    SeatUnavailable,
    StaleFencingToken,
)
from ticketlab.seatlock.check.history import CheckReport, check_history
from ticketlab.seatlock.locks.base import MemoryLockManager
from ticketlab.seatlock.model import SeatStatus, small_venue
from ticketlab.seatlock.service import BookingService
from ticketlab.seatlock.stores.base import MemoryStore
from ticketlab.seatlock.strategies import STRATEGIES, DistributedStrategy, NaiveStrategy, make_strategy

__all__ = ["RaceResult", "race", "PausedClientResult", "paused_client", "PAUSED_CLIENT_MODES",
           "ProgressionStep", "progression"]

_RETRYABLE = (SeatUnavailable, LostRace, LockTimeout, StaleFencingToken)
_CONFIRM_FAILURES = (ConfirmFailed, HoldExpired, PaymentDeclined, PaymentOutcomeUnknown)


# --- the race ------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceResult:
    """What a race did. ``double_bookings`` is the checker's count of seats sold more than
    once; ``violations`` counts every broken invariant it found."""

    strategy: str
    backend: str
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
            f"BROKEN: {self.double_bookings} seat{'s' if self.double_bookings != 1 else ''} sold more than once"
            f" ({self.bookings} bookings for {self.seats_sold} seat{'s' if self.seats_sold != 1 else ''}),"
            f" {self.violations} violations "
            f"({', '.join(f'{k}={v}' for k, v in sorted(self.violation_kinds.items()))})")
        runners = f"{self.users} threads" if self.backend == "memory" else (
            f"{self.users} users in {self.processes} processes")
        return "\n".join([
            f"race: {self.strategy} on {self.backend}, {runners} rushing {self.seats} seats",
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


def _rush(service: BookingService, user: str, per_user: int, barrier, tally: list[int]) -> None:
    """One user: wait for the start, then take the first free seat until ``per_user`` are paid."""
    barrier.wait()
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


def _lock_manager(strategy: str, clock, redis_url: str | None, sqlite_path: str | None = None):
    """The leases for the distributed strategy: Redis if a URL is given, else SQLite or memory."""
    if strategy != "distributed":
        return None
    if redis_url:
        from ticketlab.seatlock.locks.redis import RedisLockManager

        return RedisLockManager(url=redis_url, clock=clock, prefix="ticketlab:race:")
    if sqlite_path:
        from ticketlab.seatlock.stores.sqlite import SqliteLockManager

        return SqliteLockManager(sqlite_path, clock, sleep=0.001)
    return MemoryLockManager(clock, sleep=0.0005)


def _build_service(store, strategy: str, latency_s: float, seed: int, clock, locks=None) -> BookingService:
    return BookingService(store, make_strategy(strategy, latency_s, seed=seed, locks=locks), clock)


def race(strategy: str = "naive", users: int = 20, seats: int = 5, backend: str = "memory",
         latency_ms: float = 5.0, seed: int = 0, per_user: int = 1, processes: int | None = None,
         path: str | None = None, redis_url: str | None = None) -> RaceResult:
    """``users`` users rush ``seats`` seats at once; each wants ``per_user`` seats.

    Memory: one thread per user, all released by a barrier. SQLite: the users are spread
    over ``processes`` processes (default min(users, 4)), each user a thread with its own
    connection, all released by one cross-process barrier; the database file is ``path``
    (default: a temporary file). ``latency_ms`` is waited between each check and its write.
    ``redis_url`` (e.g. ``redis://127.0.0.1:6379/0``) makes the distributed strategy take its
    leases from that Redis server instead of memory (threads) or a SQLite table (processes).
    """
    if strategy not in STRATEGIES:
        raise InputError("strategy", strategy, f"one of {', '.join(STRATEGIES)}")
    if backend not in ("memory", "sqlite"):
        raise InputError("backend", backend, "'memory' or 'sqlite'")
    for name, value in (("users", users), ("seats", seats), ("per_user", per_user)):
        if not isinstance(value, int) or value < 1:
            raise InputError(name, value, "a whole number >= 1")
    latency = max(0.0, float(latency_ms)) / 1000.0
    if backend == "memory":
        return _race_memory(strategy, users, seats, latency, seed, per_user, redis_url)
    return _race_sqlite(strategy, users, seats, latency, seed, per_user, processes, path, redis_url)


def _race_memory(strategy, users, seats, latency, seed, per_user, redis_url) -> RaceResult:
    clock = RealClock()
    store = MemoryStore(small_venue(seats).seats(), event_id=f"race-{os.getpid()}-{time.monotonic_ns()}")
    service = _build_service(store, strategy, latency, seed, clock, _lock_manager(strategy, clock, redis_url))
    barrier = threading.Barrier(users + 1)
    tally: list[int] = []
    threads = [threading.Thread(target=_rush, args=(service, f"user{i}", per_user, barrier, tally))
               for i in range(users)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return _result(strategy, "memory", users, seats, store, [service.stats.as_dict()], sum(tally), wall, 1)


def _sqlite_worker(path, lock_path, redis_url, strategy, latency, seed, users, per_user, barrier, results) -> None:
    from ticketlab.seatlock.stores.sqlite import SqliteStore

    clock = RealClock()
    store = SqliteStore(path)
    locks = _lock_manager(strategy, clock, redis_url, lock_path)
    service = _build_service(store, strategy, latency, seed, clock, locks)
    tally: list[int] = []
    threads = [threading.Thread(target=_rush, args=(service, user, per_user, barrier, tally)) for user in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((service.stats.as_dict(), sum(tally)))


def _race_sqlite(strategy, users, seats, latency, seed, per_user, processes, path, redis_url) -> RaceResult:
    import multiprocessing as mp

    from ticketlab.seatlock.stores.sqlite import SqliteLockManager, SqliteStore

    processes = max(1, min(users, processes or 4))
    with tempfile.TemporaryDirectory(prefix="ticketlab-race-") as tmp:
        db = path or os.path.join(tmp, "race.sqlite3")
        lock_db = os.path.join(tmp, "leases.sqlite3")
        # a fresh event id per run, so leases left in a shared Redis never collide with this race
        store = SqliteStore.create(db, small_venue(seats).seats(), event_id=f"race-{os.getpid()}-{time.monotonic_ns()}")
        SqliteLockManager(lock_db, RealClock())  # creates the lease tables before the workers race to
        ctx = mp.get_context("spawn")  # a clean interpreter per worker: no threads or locks inherited
        barrier = ctx.Barrier(users + 1)
        results = ctx.Queue()
        names = [f"user{i}" for i in range(users)]
        workers = [ctx.Process(target=_sqlite_worker,
                               args=(db, lock_db, redis_url, strategy, latency, seed + k, names[k::processes], per_user,
                                     barrier, results))
                   for k in range(processes)]
        for w in workers:
            w.start()
        barrier.wait(timeout=120)
        started = time.perf_counter()
        collected = [results.get(timeout=300) for _ in workers]
        wall = time.perf_counter() - started
        for w in workers:
            w.join()
        stats = [s for s, _ in collected]
        result = _result(strategy, "sqlite", users, seats, store, stats, sum(a for _, a in collected), wall,
                         processes)
        store.close()
        return result


def _result(strategy, backend, users, seats, store, stats, attempts, wall, processes) -> RaceResult:
    def total(key: str) -> int:
        return sum(s[key] for s in stats)

    report = check_history(store.history(), store.snapshot())
    sold = store.counters()[SeatStatus.SOLD]
    bookings = sum(1 for b in store.bookings() if b.status.value == "CONFIRMED")
    return RaceResult(strategy, backend, users, seats, sold, bookings, attempts, total("conflicts"),
                      total("retries"), total("lock_timeouts"), total("stale_tokens"), report.double_bookings,
                      len(report.violations), wall, attempts / wall if wall > 0 else 0.0, processes,
                      report.counts())


# --- the paused client ---------------------------------------------------------------

PAUSED_CLIENT_MODES = ("lease-only", "fencing", "conditional")


@dataclass(frozen=True)
class PausedClientResult:
    """``steps`` narrates the scenario; ``sold_to`` lists the users with a confirmed booking
    of the seat; ``a_error`` is how client A's late write ended (None if it went through)."""

    mode: str
    steps: tuple[str, ...]
    sold_to: tuple[str, ...]
    a_error: str | None
    report: CheckReport

    @property
    def sold_twice(self) -> bool:
        return len(self.sold_to) > 1

    def summary(self) -> str:
        verdict = (f"SOLD TWICE to {' and '.join(self.sold_to)}" if self.sold_twice
                   else f"sold once, to {self.sold_to[0] if self.sold_to else 'nobody'}")
        lines = [f"paused client ({self.mode}):"] + [f"  {i}. {s}" for i, s in enumerate(self.steps, 1)]
        lines += [f"  result: {verdict}", f"  checker: {self.report.summary().splitlines()[0]}"]
        return "\n".join(lines)


def paused_client(mode: str = "fencing", lock_ttl: float = 30.0, pause: float = 45.0) -> PausedClientResult:
    """Client A leases the seat, checks it is free, then stalls for ``pause`` seconds (a GC
    pause, a slow network) — longer than its ``lock_ttl`` lease. Meanwhile client B takes
    the expired lease, holds and pays for the seat. Then A wakes up and writes.

    ``mode``: ``"lease-only"`` (the lease is the only guard: sold twice), ``"fencing"`` (the
    write carries A's old fencing token and the store rejects it), ``"conditional"`` (no
    fencing, but the store's conditional write sees the seat is no longer AVAILABLE).
    """
    if mode not in PAUSED_CLIENT_MODES:
        raise InputError("mode", mode, f"one of {', '.join(PAUSED_CLIENT_MODES)}")
    if not pause > lock_ttl:
        raise InputError("pause", pause, f"a pause longer than lock_ttl={lock_ttl:g} s")
    clock = SimulatedClock()
    store = MemoryStore(small_venue(1).seats(), event_id="paused")
    seat = store.example_seat_id()
    locks = MemoryLockManager(clock)
    fencing, conditional = mode == "fencing", mode == "conditional"
    steps: list[str] = []
    paused = [False]

    def stall_a() -> None:
        if paused[0]:
            return
        paused[0] = True
        grant_a = locks.owner(f"seat:paused:{seat}")
        steps.append(f"t={clock.now():g}s A holds the lease on {seat} (token {grant_a[:6]}…, fencing token 1),"
                     f" sees it AVAILABLE, and stalls")
        clock.advance(pause)
        steps.append(f"t={clock.now():g}s A is still stalled; its {lock_ttl:g}s lease ran out")
        b_hold = svc_b.hold_seats("bob", [seat])
        steps.append(f"t={clock.now():g}s B takes the lease (fencing token {b_hold.fencing_tokens[0]}) and holds {seat}")
        svc_b.confirm(b_hold.hold_id, "bob")
        steps.append(f"t={clock.now():g}s B pays and confirms under a fresh lease (the next fencing token);"
                     f" {seat} is SOLD to bob")
        steps.append(f"t={clock.now():g}s A wakes up and writes its hold, believing it still holds the lock")

    def strategy(hook=None) -> DistributedStrategy:
        return DistributedStrategy(locks, lock_ttl=lock_ttl, fencing=fencing, conditional=conditional,
                                   before_write=hook)

    svc_a = BookingService(store, strategy(stall_a), clock)
    svc_b = BookingService(store, strategy(), clock)
    a_error = None
    try:
        hold_a = svc_a.hold_seats("alice", [seat])
        steps.append(f"t={clock.now():g}s A's write was accepted: {seat} is HELD for alice")
        svc_a.confirm(hold_a.hold_id, "alice")
        steps.append(f"t={clock.now():g}s A pays; {seat} is SOLD to alice as well")
    except StaleFencingToken as error:
        a_error = type(error).__name__
        steps.append(f"the store rejects A: {error}")
    except (LostRace, SeatUnavailable) as error:
        a_error = type(error).__name__
        steps.append(f"the store's conditional write rejects A: {seat} is no longer AVAILABLE ({a_error})")
    sold_to = tuple(sorted(b.user for b in store.bookings() if b.status.value == "CONFIRMED"))
    return PausedClientResult(mode, tuple(steps), sold_to, a_error,
                              check_history(store.history(), store.snapshot()))


# --- the progression -----------------------------------------------------------------


@dataclass(frozen=True)
class ProgressionStep:
    """One stage of the source's progression: what it adds, what happened, what is left."""

    number: int
    name: str
    adds: str
    observed: str
    still_wrong: str
    sold_twice: bool


def _interleaved_sale(clock: SimulatedClock, strategy) -> tuple[bool, str]:
    """A checks the seat; before A writes, B tries to buy it; then A writes.

    ``strategy(hook)`` builds the strategy for a client (``hook`` runs between its check and
    its write). Returns (sold twice?, what happened to B).
    """
    store = MemoryStore(small_venue(1).seats(), event_id="progression")
    seat = store.example_seat_id()
    b_outcome = ["B did not run"]

    def b_buys() -> None:
        if b_outcome[0] == "B did not run":
            b_outcome[0] = "B bought it"
            try:
                hold = svc_b.hold_seats("bob", [seat])
                svc_b.confirm(hold.hold_id, "bob")
            except (LockTimeout, SeatUnavailable, LostRace) as error:
                b_outcome[0] = f"B was refused ({type(error).__name__})"

    svc_a = BookingService(store, strategy(b_buys), clock)
    svc_b = BookingService(store, strategy(None), clock)
    try:
        hold = svc_a.hold_seats("alice", [seat])
        svc_a.confirm(hold.hold_id, "alice")
    except (SeatUnavailable, LostRace, StaleFencingToken):
        pass
    return check_history(store.history()).double_bookings > 0, b_outcome[0]


def progression() -> list[ProgressionStep]:
    """The five stages, each run on a simulated clock, so the result is the same every time."""
    clock = SimulatedClock()
    steps = []

    def naive(hook):
        return NaiveStrategy(before_write=hook)

    twice, b = _interleaved_sale(clock, naive)
    steps.append(ProgressionStep(
        1, "status column only", "seats.status: AVAILABLE → SOLD, checked then written",
        f"A reads AVAILABLE; {b} in between; A writes anyway: " + ("sold twice" if twice else "sold once"),
        "the check and the write are two steps; anyone can slip between them", twice))

    store = MemoryStore(small_venue(1).seats(), event_id="progression")
    seat = store.example_seat_id()
    svc = BookingService(store, NaiveStrategy(), clock)
    svc.hold_seats("alice", [seat])  # alice walks away without paying
    clock.advance(11 * 60)
    try:
        svc.hold_seats("bob", [seat])
        observed = "bob got the seat"
    except SeatUnavailable:
        observed = "11 min after alice walked away the seat is still HELD; bob is refused"
    steps.append(ProgressionStep(
        2, "reserved-until timestamp", "a hold with expires_at = now + 10 min", observed,
        "an expired hold still blocks the seat until something releases it", False))

    released = svc.sweep_expired().released
    bob = svc.hold_seats("bob", [seat])
    svc.confirm(bob.hold_id, "bob")
    twice, _ = _interleaved_sale(clock, naive)
    steps.append(ProgressionStep(
        3, "expiry sweeper", "a background job releases holds past expires_at",
        f"the sweep released {len(released)} hold; bob bought the seat",
        "two buyers can still pass the check at once: " + ("sold twice again" if twice else "sold once"), twice))

    locks = MemoryLockManager(clock)

    def lease_only(hook):
        return DistributedStrategy(locks, fencing=False, conditional=False, before_write=hook)

    twice, b = _interleaved_sale(clock, lease_only)
    lease = paused_client("lease-only")
    steps.append(ProgressionStep(
        4, "TTL lock", "a lease per seat (SET NX PX 30000) around the read-check-write",
        f"while A holds the lease {b}" + (" and the seat sold twice" if twice else "")
        + "; but when A stalls past its lease: " + ("sold twice" if lease.sold_twice else "sold once"),
        "a lease expires while its owner still acts on it", lease.sold_twice or twice))

    guarded = paused_client("conditional")
    fenced = paused_client("fencing")
    steps.append(ProgressionStep(
        5, "conditional update as the real guard",
        "UPDATE ... WHERE status = 'AVAILABLE' (and fencing tokens), checked by rowcount",
        f"the paused client's write is rejected ({guarded.a_error}; with fencing: {fenced.a_error})",
        "nothing for correctness: the lock only saves wasted work", guarded.sold_twice or fenced.sold_twice))
    return steps
