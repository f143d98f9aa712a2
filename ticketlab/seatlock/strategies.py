"""How a read-check-write on seats is protected: four strategies behind one interface.

Every hold and confirm is the same three steps: read the seats, check they are in the state
we need, write the change. The strategies differ only in what stops two writers from both
passing the check before either writes:

- :class:`NaiveStrategy`: nothing. The write is blind, so two holders both win (broken on
  purpose; ``latency`` widens the gap between check and write so threads really collide).
- :class:`OptimisticStrategy`: nothing while reading; the write succeeds only if every
  seat's version is still the one read (compare-and-set). On a conflict, back off with
  jittered exponential delays and retry; after ``max_attempts`` raise :class:`LostRace`.
- :class:`PessimisticStrategy`: lock the seats for the whole read-check-write (per-seat
  locks in sorted order in memory, ``BEGIN IMMEDIATE`` in SQLite); waiting longer than
  ``lock_wait`` raises :class:`LockTimeout`.
- :class:`DistributedStrategy`: take a lease per seat from a :class:`LockManager`, in sorted
  order, and stamp the write with the leases' fencing tokens, which the store checks.

Multi-seat requests always lock in sorted seat order, so two requests that overlap cannot
each hold a seat the other waits for (no deadlock).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from ticketlab.core.errors import InputError
from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.errors import (
    InvalidTTL,
    LockNotOwnedError,
    LockTimeout,
    LostRace,
    SeatLockError,
    StaleFencingToken,
)
from ticketlab.seatlock.locks.base import LockManager
from ticketlab.seatlock.model import Seat
from ticketlab.seatlock.stores.base import Change, Store, WriteResult

__all__ = [
    "Strategy",
    "WriteInfo",
    "NaiveStrategy",
    "OptimisticStrategy",
    "PessimisticStrategy",
    "DistributedStrategy",
    "STRATEGIES",
    "make_strategy",
]

#: check(seats) raises if the seats are not in the state the change needs.
Check = Callable[[list[Seat]], None]
#: build(seats, fencing_tokens) returns the change to write.
Build = Callable[[list[Seat], tuple[int, ...]], Change]


class WriteInfo:
    """What one protected write cost: optimistic retries, leases found expired at release."""

    __slots__ = ("retries", "lost_leases")

    def __init__(self, retries: int = 0, lost_leases: int = 0) -> None:
        self.retries = retries
        self.lost_leases = lost_leases


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InvalidTTL(name, value, "a positive, finite number of seconds, e.g. 5")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
        raise InvalidTTL(name, value, "a finite number of seconds >= 0, e.g. 0.005")
    return float(value)


class Strategy(ABC):
    """``write`` runs one read-check-write on ``seat_ids`` (already sorted) under this
    strategy's protection and returns a :class:`WriteInfo`, or raises what ``check`` raises,
    :class:`LostRace`, :class:`LockTimeout` or :class:`StaleFencingToken`.

    ``latency`` (seconds, on the clock) is waited between the check and the write: the
    time a real service spends on a database round trip, and the window races live in.
    ``lock_ttl`` is the longest a lock may be held; the service checks it against its
    timeout cascade. ``before_write`` (optional) runs right after the check: the hook the
    demonstrations use to pause one client while another acts.
    """

    name: str = "strategy"

    def __init__(self, latency: float = 0.0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        self.latency = _non_negative("latency", latency)
        self.lock_ttl = _positive("lock_ttl", lock_ttl)
        self.before_write = before_write

    @abstractmethod
    def write(self, store: Store, seat_ids: Sequence[str], check: Check, build: Build,
              clock: Clock) -> WriteInfo: ...

    def _pause(self, clock: Clock) -> None:
        if self.latency:
            clock.sleep(self.latency)
        if self.before_write is not None:
            self.before_write()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(latency={self.latency:g})"


class NaiveStrategy(Strategy):
    """Read, check, write, with no lock and a blind write. Double-sells under contention."""

    name = "naive"

    def write(self, store, seat_ids, check, build, clock):
        seats = store.read_seats(seat_ids)
        check(seats)
        self._pause(clock)  # another thread can pass the same check right now
        change = build(seats, ())
        change.guarded = False  # trusts the check it made a moment ago
        store.apply(change)
        return WriteInfo()


class OptimisticStrategy(Strategy):
    """Compare-and-set on seat versions, with bounded, jittered exponential backoff.

    Delay before retry ``k`` (k = 1, 2, …) is ``min(max_backoff, base_backoff · 2^(k-1))``
    times a factor drawn uniformly from [0.5, 1.5) with ``rng`` (anything with ``.random()``:
    a ``numpy.random.Generator`` or ``random.Random``), so colliding writers spread out.
    """

    name = "optimistic"

    def __init__(self, latency: float = 0.0, max_attempts: int = 5, base_backoff: float = 0.001,
                 max_backoff: float = 0.05, rng=None, seed: int | None = 0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise InvalidTTL("max_attempts", max_attempts, "a whole number of attempts >= 1, e.g. 5")
        self.max_attempts = max_attempts
        self.base_backoff = _non_negative("base_backoff", base_backoff)
        self.max_backoff = _non_negative("max_backoff", max_backoff)
        if rng is None:
            import numpy as np

            rng = np.random.default_rng(seed)
        self.rng = rng

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        return min(self.max_backoff, self.base_backoff * 2 ** (retry - 1)) * (0.5 + self.rng.random())

    def write(self, store, seat_ids, check, build, clock):
        for attempt in range(1, self.max_attempts + 1):
            seats = store.read_seats(seat_ids)
            try:
                check(seats)
            except SeatLockError as error:
                error.retries = attempt - 1  # a retry that found the seat taken still cost a retry
                raise
            self._pause(clock)
            change = build(seats, ())
            change.expect_versions = tuple(s.version for s in seats)
            if store.apply(change) is WriteResult.OK:
                return WriteInfo(retries=attempt - 1)
            if attempt < self.max_attempts:
                clock.sleep(self.backoff(attempt))
        raise LostRace(seat_ids, self.max_attempts)


class PessimisticStrategy(Strategy):
    """Hold the store's seat locks across the whole read-check-write.

    The write is still guarded: under the lock the guard always passes, and if some path
    ever bypassed the lock the guard would catch it (reported as :class:`LostRace`).
    """

    name = "pessimistic"

    def __init__(self, latency: float = 0.0, lock_wait: float = 5.0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        self.lock_wait = _positive("lock_wait", lock_wait)

    def write(self, store, seat_ids, check, build, clock):
        with store.seat_locks(seat_ids, self.lock_wait):
            seats = store.read_seats(seat_ids)
            check(seats)
            self._pause(clock)
            if store.apply(build(seats, ())) is not WriteResult.OK:
                raise LostRace(seat_ids, 1)
        return WriteInfo()


class DistributedStrategy(Strategy):
    """A lease per seat from ``locks`` (sorted order), fencing tokens on the write.

    ``fencing`` stamps the write with the leases' tokens so the store rejects a client
    whose lease was handed on (:class:`StaleFencingToken`). ``conditional`` also makes the
    write guarded (status and owner re-checked in the store). With both off, the lease is
    the only protection: the paused-client demo shows why that is not enough.
    """

    name = "distributed"

    def __init__(self, locks: LockManager, latency: float = 0.0, lock_ttl: float = 30.0,
                 lock_wait: float = 5.0, fencing: bool = True, conditional: bool = True,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        self.locks = locks
        self.lock_wait = _positive("lock_wait", lock_wait)
        self.fencing = fencing
        self.conditional = conditional

    def lock_name(self, store: Store, seat_id: str) -> str:
        return f"seat:{store.event_id}:{seat_id}"

    def write(self, store, seat_ids, check, build, clock):
        grants = []
        info = WriteInfo()
        try:
            for seat_id in sorted(seat_ids):
                grant = self.locks.acquire(self.lock_name(store, seat_id), self.lock_ttl,
                                           blocking_timeout=self.lock_wait)
                if grant is None:
                    raise LockTimeout(f"lease on seat {seat_id}", self.lock_wait)
                grants.append(grant)
            seats = store.read_seats(seat_ids)
            check(seats)
            self._pause(clock)
            by_seat = {g.name: g.fencing_token for g in grants}
            tokens = tuple(by_seat[self.lock_name(store, s)] for s in seat_ids)
            change = build(seats, tokens)
            change.guarded = self.conditional
            if self.fencing:
                change.fencing_tokens = tokens
            result = store.apply(change)
            if result is WriteResult.STALE_TOKEN:
                seat_id, token = next(((s, t) for s, t in zip(seat_ids, tokens)
                                       if t < store.newest_fencing_token(s)), (seat_ids[0], tokens[0]))
                raise StaleFencingToken(seat_id, token, store.newest_fencing_token(seat_id))
            if result is WriteResult.CONFLICT:
                raise LostRace(seat_ids, 1)
            return info
        finally:
            for grant in reversed(grants):
                try:
                    self.locks.release(grant)
                except LockNotOwnedError:
                    info.lost_leases += 1  # the lease ran out while we worked


STRATEGIES = ("naive", "optimistic", "pessimistic", "distributed")


def make_strategy(name: str, latency: float = 0.0, seed: int | None = 0, locks: LockManager | None = None,
                  **options) -> Strategy:
    """A strategy by name; ``distributed`` needs ``locks`` (a :class:`LockManager`)."""
    if name == "naive":
        return NaiveStrategy(latency, **options)
    if name == "optimistic":
        return OptimisticStrategy(latency, seed=seed, **options)
    if name == "pessimistic":
        return PessimisticStrategy(latency, **options)
    if name == "distributed":
        if locks is None:
            raise InputError("locks", None, "a LockManager (e.g. MemoryLockManager) for the distributed strategy")
        return DistributedStrategy(locks, latency, **options)
    raise InputError("strategy", name, f"one of {', '.join(STRATEGIES)}")
