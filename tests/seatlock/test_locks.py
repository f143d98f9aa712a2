"""Lease semantics (SET NX PX, owner-only release and extend, fencing tokens) on every lock manager.

The Redis cases start their own ``redis-server`` on a free port on 127.0.0.1.
"""

from __future__ import annotations

import time

import pytest
from support import RedisServer

from ticketlab.seatlock import (
    BookingService,
    DistributedStrategy,
    InvalidTTL,
    LockError,
    LockNotOwnedError,
    MemoryLockManager,
    MemoryStore,
    RealClock,
    SimulatedClock,
    StaleFencingToken,
    check_history,
    small_venue,
)
from ticketlab.seatlock.locks.sqlite import SqliteLockManager

from .common import once




@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A throwaway redis-server on 127.0.0.1; yields a redis-py client."""
    import redis  # a dev dependency: its absence is a broken install, not a reason to skip

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    client = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        yield client
    finally:
        client.close()
        server.stop()


class Rig:
    """A lock manager plus a way to make time pass for it."""

    def __init__(self, manager, pass_time):
        self.manager = manager
        self.pass_time = pass_time


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.server)])
def rig(request, tmp_path):
    if request.param == "memory":
        clock = SimulatedClock()
        return Rig(MemoryLockManager(clock), clock.advance)
    if request.param == "sqlite":
        clock = SimulatedClock()
        return Rig(SqliteLockManager(str(tmp_path / "leases.sqlite3"), clock), clock.advance)
    from ticketlab.seatlock.locks.redis import RedisLockManager

    client = request.getfixturevalue("redis_server")
    client.flushall()
    return Rig(RedisLockManager(client, clock=RealClock()), lambda s: time.sleep(s))


def test_a_taken_lock_cannot_be_taken_again(rig):
    grant = rig.manager.acquire("seat:A-1-1", ttl=5)
    assert grant is not None and rig.manager.owner("seat:A-1-1") == grant.token
    assert rig.manager.acquire("seat:A-1-1", ttl=5, blocking=False) is None


def test_only_the_owner_can_release(rig):
    grant = rig.manager.acquire("seat:A-1-1", ttl=5)
    impostor = type(grant)(grant.name, "not-the-token", grant.fencing_token, grant.expires_at)
    with pytest.raises(LockNotOwnedError):
        rig.manager.release(impostor)
    rig.manager.release(grant)
    assert rig.manager.owner("seat:A-1-1") is None
    with pytest.raises(LockNotOwnedError):
        rig.manager.release(grant)  # twice


def test_an_expired_lease_is_lost_and_cannot_be_released_or_extended(rig):
    old = rig.manager.acquire("seat:A-1-1", ttl=0.05)
    rig.pass_time(0.2)
    new = rig.manager.acquire("seat:A-1-1", ttl=5, blocking=False)
    assert new is not None
    with pytest.raises(LockNotOwnedError):
        rig.manager.release(old)
    with pytest.raises(LockNotOwnedError):
        rig.manager.extend(old, 5)
    assert rig.manager.owner("seat:A-1-1") == new.token  # the old owner did not free it


def test_owner_can_extend_its_lease(rig):
    grant = rig.manager.acquire("seat:A-1-1", ttl=0.3)
    extended = rig.manager.extend(grant, 5)
    assert extended.token == grant.token and extended.fencing_token == grant.fencing_token
    rig.pass_time(0.5)
    assert rig.manager.owner("seat:A-1-1") == grant.token
    rig.manager.release(extended)


def test_fencing_tokens_only_increase(rig):
    tokens = []
    for _ in range(4):
        grant = rig.manager.acquire("seat:A-1-1", ttl=5)
        tokens.append(grant.fencing_token)
        rig.manager.release(grant)
    assert tokens == sorted(tokens) and len(set(tokens)) == 4


def test_blocking_acquire_gives_up_after_the_blocking_timeout(rig):
    rig.manager.acquire("seat:A-1-1", ttl=30)
    assert rig.manager.acquire("seat:A-1-1", ttl=30, blocking_timeout=0.05) is None


def test_lock_arguments_are_checked():
    manager = MemoryLockManager(SimulatedClock())
    with pytest.raises(InvalidTTL):
        manager.acquire("x", ttl=0)
    with pytest.raises(LockError):
        manager.release(None)


@pytest.mark.server
def test_distributed_strategy_on_redis_rejects_a_paused_client(redis_server):
    from ticketlab.seatlock.locks.redis import RedisLockManager

    redis_server.flushall()
    locks = RedisLockManager(redis_server, clock=RealClock())
    clock = RealClock()
    store = MemoryStore(small_venue(1).seats())

    @once
    def stall():
        time.sleep(0.15)  # longer than the 0.05 s lease
        hold = bob.hold_seats("bob", ["GA-1-1"])
        bob.confirm(hold.hold_id, "bob")

    alice = BookingService(store, DistributedStrategy(locks, lock_ttl=0.05, before_write=stall, conditional=False),
                           clock, hold_ttl=60, http_timeout=0.02, db_timeout=0.01)
    bob = BookingService(store, DistributedStrategy(locks, lock_ttl=0.05, conditional=False), clock,
                         hold_ttl=60, http_timeout=0.02, db_timeout=0.01)
    with pytest.raises(StaleFencingToken):
        alice.hold_seats("alice", ["GA-1-1"])
    assert [b.user for b in store.bookings()] == ["bob"]
    assert check_history(store.history(), store.snapshot()).ok


@pytest.mark.server
@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_race_with_redis_leases_sells_each_seat_once(redis_server, backend):
    from ticketlab.seatlock import race

    kwargs = redis_server.connection_pool.connection_kwargs
    url = f"redis://{kwargs['host']}:{kwargs['port']}/0"
    result = race("distributed", users=8, seats=2, backend=backend, latency_ms=2, processes=2, redis_url=url)
    assert result.ok, result.summary()
    assert result.seats_sold == result.bookings == 2


@pytest.mark.server
def test_a_redis_lease_is_redis_pys_own_lock(redis_server, monkeypatch):
    """The manager's release and extend are redis-py's ``Lock`` steps, and its leases are
    ``Lock`` keys: redis-py code holding the grant's token can extend and release them."""
    import redis.lock

    from ticketlab.seatlock.locks.redis import RedisLockManager

    redis_server.flushall()
    steps: list[str] = []
    for step in ("do_acquire", "do_release", "do_extend"):
        original = getattr(redis.lock.Lock, step)
        monkeypatch.setattr(redis.lock.Lock, step, lambda self, *a, _o=original, _s=step: (steps.append(_s),
                                                                                            _o(self, *a))[1])
    manager = RedisLockManager(redis_server, clock=RealClock())
    grant = manager.extend(manager.acquire("seat:A-1-1", ttl=5), 1)
    manager.release(grant)
    assert steps == ["do_extend", "do_release"]  # acquire is the manager's own script (SET NX PX + INCR)

    grant = manager.acquire("seat:A-1-1", ttl=5)
    theirs = redis.lock.Lock(redis_server, "ticketlab:seat:A-1-1", timeout=5)
    assert not theirs.acquire(blocking=False)  # redis-py sees the lease as taken
    theirs.local.token = grant.token.encode()
    assert theirs.owned()
    theirs.extend(5)
    assert 9_000 < redis_server.pttl("ticketlab:seat:A-1-1") <= 10_000
    theirs.release()
    assert manager.owner("seat:A-1-1") is None
