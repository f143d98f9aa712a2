"""Leases on a real Redis server: redis-py's own ``Lock``, with fencing tokens from ``INCR``.

Invariant, as in :mod:`ticketlab.seatlock.locks.base`: a key is owned by the random token that
set it, only until its TTL; only that token can delete or extend it. Releasing and extending
are redis-py's :class:`redis.lock.Lock` itself (its token-comparing Lua scripts), so a lease
taken here is a lease any redis-py client understands. Acquiring is the one step redis-py's
``Lock`` cannot do for us: ``SET key token NX PX ttl`` must be followed, in the same Lua
script, by ``INCR`` of the key's fencing counter, so a grant and its fencing number cannot be
separated by a pause; :class:`_FencedLock` overrides ``do_acquire`` with that script and keeps
everything else of ``Lock``. Redis expires the key on its own clock; ``LockGrant.expires_at``
is the client's estimate.

Whatever goes wrong on the way to the server (refused, timed out, still loading its data
after a restart) reaches the caller as
:class:`~ticketlab.seatlock.errors.LockServiceUnavailable`, never as a redis-py exception
(:mod:`ticketlab.seatlock.redisconn`).
The ``INCR`` counter lives only as long as Redis keeps its data: a restart without
persistence starts it again from 1. That is why the distributed strategy takes the fencing
token its write carries from the store, not from here.
"""

from __future__ import annotations

import redis.lock

from ticketlab.seatlock.clock import Clock, RealClock
from ticketlab.seatlock.errors import LockServiceUnavailable
from ticketlab.seatlock.locks.base import LockGrant, LockManager
from ticketlab.seatlock.redisconn import EXAMPLE_URL, call, redis_client, server_address

__all__ = ["RedisLockManager", "ACQUIRE_SCRIPT"]

# KEYS[1] lock key, KEYS[2] fencing counter; ARGV[1] token, ARGV[2] ttl in ms.
# Returns the new fencing token, or 0 if the key is taken.
ACQUIRE_SCRIPT = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('incr', KEYS[2])
end
return 0
"""


def _owned(step, *args) -> bool:
    """Run a step of redis-py's ``Lock``; False if it says the token no longer owns the key."""
    try:
        step(*args)
    except redis.lock.LockNotOwnedError:
        return False
    return True


class _FencedLock(redis.lock.Lock):
    """redis-py's ``Lock`` whose acquire also takes the key's next fencing number, atomically.

    One is made per step (they are cheap: the release and extend scripts are registered once
    per class), with ``thread_local=False`` since the token comes from the grant, not the thread.
    """

    def __init__(self, manager: "RedisLockManager", name: str, timeout: float | None = None) -> None:
        super().__init__(manager.client, manager.prefix + name, timeout=timeout, thread_local=False)
        self.manager = manager
        self.fencing_token = 0

    def do_acquire(self, token) -> bool:
        manager = self.manager
        ttl_ms = max(1, int(self.timeout * 1000))
        self.fencing_token = int(manager._call(manager._acquire, keys=[self.name, self.name + ":fence"],
                                               args=[token, ttl_ms]))
        return self.fencing_token != 0


class RedisLockManager(LockManager):
    """Leases on the Redis server behind ``client`` (a ``redis.Redis``) or ``url``.

    Keys are ``{prefix}{name}``; fencing counters are ``{prefix}{name}:fence`` and are never
    deleted, so tokens keep increasing across grants (while Redis keeps its data). Each lease
    is a :class:`redis.lock.Lock` key: redis-py code holding the token can release or extend it.

    A client built from ``url`` gives up on a server that does not answer within
    ``socket_timeout`` seconds (a stopped server would otherwise block forever). Raises
    :class:`~ticketlab.core.errors.InputError` for a ``url`` that is not a ``redis://`` URL;
    every call to the server raises :class:`LockServiceUnavailable` when it cannot be made.
    """

    def __init__(self, client=None, url: str | None = None, clock: Clock | None = None,
                 sleep: float = 0.001, prefix: str = "ticketlab:", socket_timeout: float = 2.0) -> None:
        super().__init__(clock or RealClock(), sleep)
        self._own_client = client is None
        if client is None:
            client = redis_client(EXAMPLE_URL if url is None else url, socket_timeout)
        self.client = client
        self.where = server_address(client)
        self.prefix = prefix
        self._acquire = client.register_script(ACQUIRE_SCRIPT)

    def _call(self, step, *args, **kwargs):
        """One round trip to the server; a failure on the way is :class:`LockServiceUnavailable`."""
        return call(self.where, LockServiceUnavailable, step, *args, **kwargs)

    def ping(self) -> None:
        """Check the server answers; raises :class:`LockServiceUnavailable` if it does not."""
        self._call(self.client.ping)

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        lock = _FencedLock(self, name, timeout=ttl)
        if not lock.acquire(blocking=False, token=token):  # the base class does the waiting, on its clock
            return None
        return LockGrant(name=name, token=token, fencing_token=lock.fencing_token, expires_at=self.clock.now() + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        return self._call(_owned, _FencedLock(self, name).do_release, token)

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        lock = _FencedLock(self, name, timeout=seconds)
        lock.local.token = lock.redis.get_encoder().encode(token)
        if not self._call(_owned, lock.do_extend, seconds, replace_ttl):
            return None
        left_ms = int(self._call(self.client.pttl, lock.name))  # the lease as Redis now has it
        return self.clock.now() + max(left_ms, 0) / 1000.0

    def owner(self, name: str) -> str | None:
        value = self._call(self.client.get, self.prefix + name)
        return value.decode() if isinstance(value, bytes) else value

    def close(self) -> None:
        """Close the connections of a client this manager made from ``url``."""
        if self._own_client:
            self.client.close()
