"""One duration rule for the whole core: every place that takes seconds accepts and refuses alike.

The rule is :func:`ticketlab.core.timing.duration` (through :func:`ticketlab.seatlock.clock.seconds`):
a finite number of seconds above zero (or at least zero where a wait may be skipped), or a
string such as ``"30s"``; ``True``, NaN, infinity and negative numbers are refused with
:class:`InvalidTTL`, which is a ``ValueError``.
"""

from __future__ import annotations

import pytest

from ticketlab.seatlock import (
    BookingService,
    DistributedStrategy,
    FakePaymentGateway,
    InvalidTTL,
    MemoryLockManager,
    MemoryStore,
    OptimisticStrategy,
    PessimisticStrategy,
    SimulatedClock,
    paused_client,
    race,
    small_venue,
)
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.locks.sqlite import SqliteLockManager


def _service(lock_ttl=30, **durations):
    return BookingService(MemoryStore(small_venue(2).seats()), OptimisticStrategy(lock_ttl=lock_ttl), SimulatedClock(),
                          **durations)


def _hold(ttl):
    return _service().hold_seats("alice", ["GA-1-1"], ttl=ttl)


def _lease(**arguments):
    manager = MemoryLockManager(SimulatedClock())
    return manager.acquire("seat:GA-1-1", **{"ttl": 30, **arguments})


def _extend(value):
    manager = MemoryLockManager(SimulatedClock())
    return manager.extend(manager.acquire("seat:GA-1-1", ttl=30), value)


#: Every entry point that takes a positive duration, as a function of that duration.
POSITIVE = {
    "hold ttl": _hold,
    "service hold_ttl": lambda v: _service(lock_ttl=15, hold_ttl=v),
    "service http_timeout": lambda v: _service(http_timeout=v, db_timeout=0.001),
    "service db_timeout": lambda v: _service(http_timeout=25, db_timeout=v),
    "strategy lock_ttl": lambda v: OptimisticStrategy(lock_ttl=v),
    "pessimistic lock_wait": lambda v: PessimisticStrategy(lock_wait=v),
    "distributed lock_wait": lambda v: DistributedStrategy(MemoryLockManager(SimulatedClock()), lock_wait=v),
    "lease ttl": lambda v: _lease(ttl=v),
    "lease blocking_timeout": lambda v: _lease(blocking_timeout=v),
    "lease extension seconds": _extend,
    "lock manager sleep": lambda v: MemoryLockManager(SimulatedClock(), sleep=v),
    "gateway slow_seconds": lambda v: FakePaymentGateway(SimulatedClock(), slow_seconds=v),
    "paused client lock_ttl": lambda v: paused_client(lock_ttl=v, pause=3600),
}

#: Every entry point that takes a duration that may be zero.
NON_NEGATIVE = {
    "strategy latency": lambda v: OptimisticStrategy(latency=v),
    "optimistic base_backoff": lambda v: OptimisticStrategy(base_backoff=v),
    "optimistic max_backoff": lambda v: OptimisticStrategy(max_backoff=v),
    "gateway latency": lambda v: FakePaymentGateway(SimulatedClock(), latency=v),
    "simulated clock advance seconds": lambda v: SimulatedClock().advance(v),
    "race latency_ms": lambda v: race("pessimistic", users=2, seats=1, latency_ms=v),
}

NOT_DURATIONS = [True, float("nan"), float("inf"), -1, 10**400, "soon", [1, 2]]  # None means "the default" where allowed


@pytest.mark.parametrize("where", sorted(POSITIVE))
@pytest.mark.parametrize("value", [0, *NOT_DURATIONS], ids=repr)
def test_a_positive_duration_is_refused_the_same_way_everywhere(where, value):
    with pytest.raises(InvalidTTL) as info:
        POSITIVE[where](value)
    assert isinstance(info.value, ValueError) and "expected" in str(info.value)
    assert info.value.name == where.split()[-1]  # the error names the argument that was wrong


@pytest.mark.parametrize("where", sorted(NON_NEGATIVE))
@pytest.mark.parametrize("value", NOT_DURATIONS, ids=repr)
def test_a_duration_that_may_be_zero_is_refused_the_same_way_everywhere(where, value):
    with pytest.raises(InvalidTTL) as info:
        NON_NEGATIVE[where](value)
    assert info.value.name == where.split()[-1]


@pytest.mark.parametrize("where", sorted(set(POSITIVE) - {"paused client lock_ttl"}))
def test_every_positive_duration_takes_a_human_string(where):
    POSITIVE[where]("20s")


@pytest.mark.parametrize("where", sorted(set(NON_NEGATIVE) - {"race latency_ms"}))
def test_every_duration_that_may_be_zero_takes_zero_and_a_human_string(where):
    NON_NEGATIVE[where](0)
    NON_NEGATIVE[where]("5 ms")


def test_human_strings_become_seconds():
    assert seconds("ttl", "10 min") == 600.0
    assert _hold("2 min").expires_at == 120.0
    assert OptimisticStrategy(latency="5 ms").latency == 0.005
    clock = SimulatedClock()
    assert clock.advance("1 min") == 60.0


def test_the_sqlite_lease_table_checks_its_sleep_too(tmp_path):
    with pytest.raises(InvalidTTL):
        SqliteLockManager(str(tmp_path / "leases.sqlite3"), SimulatedClock(), sleep=True)
    assert list(tmp_path.iterdir()) == []  # refused before the file was opened
