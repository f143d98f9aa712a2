"""Leases on a real Redis server, with fencing tokens from ``INCR``.

Invariant, as in :mod:`ticketlab.seatlock.locks.base`: a key is owned by the random token that
set it, only until its TTL; only that token can delete or extend it. Each step is one
atomic server-side operation: acquiring is ``SET key token NX PX ttl`` followed, in the
same Lua script, by ``INCR`` of the key's fencing counter (so a grant and its fencing
number cannot be separated); release and extend compare the token before touching the key.
Redis expires the key on its own clock; ``LockGrant.expires_at`` is the client's estimate.
"""

from __future__ import annotations

from ticketlab.seatlock.clock import Clock, RealClock
from ticketlab.seatlock.locks.base import LockGrant, LockManager

__all__ = ["RedisLockManager", "ACQUIRE_SCRIPT", "RELEASE_SCRIPT", "EXTEND_SCRIPT"]

# KEYS[1] lock key, KEYS[2] fencing counter; ARGV[1] token, ARGV[2] ttl in ms.
# Returns the new fencing token, or 0 if the key is taken.
ACQUIRE_SCRIPT = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return redis.call('incr', KEYS[2])
end
return 0
"""

# KEYS[1] lock key; ARGV[1] token. Returns 1 if this token owned the key and deleted it.
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return 0
end
redis.call('del', KEYS[1])
return 1
"""

# KEYS[1] lock key; ARGV[1] token, ARGV[2] ms to add, ARGV[3] '1' to replace the TTL instead.
# Returns the new TTL in ms, or -1 if the token does not own the key.
EXTEND_SCRIPT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return -1
end
local ttl = tonumber(ARGV[2])
if ARGV[3] ~= '1' then
    local left = redis.call('pttl', KEYS[1])
    if left < 0 then
        return -1
    end
    ttl = ttl + left
end
redis.call('pexpire', KEYS[1], ttl)
return ttl
"""


class RedisLockManager(LockManager):
    """Leases on the Redis server behind ``client`` (a ``redis.Redis``) or ``url``.

    Keys are ``{prefix}{name}``; fencing counters are ``{prefix}{name}:fence`` and are never
    deleted, so tokens keep increasing across grants.
    """

    def __init__(self, client=None, url: str | None = None, clock: Clock | None = None,
                 sleep: float = 0.001, prefix: str = "ticketlab:") -> None:
        super().__init__(clock or RealClock(), sleep)
        if client is None:
            import redis

            client = redis.Redis.from_url(url or "redis://127.0.0.1:6379/0")
        self.client = client
        self.prefix = prefix
        self._acquire = client.register_script(ACQUIRE_SCRIPT)
        self._release = client.register_script(RELEASE_SCRIPT)
        self._extend = client.register_script(EXTEND_SCRIPT)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        key = self._key(name)
        fencing = int(self._acquire(keys=[key, key + ":fence"], args=[token, int(ttl * 1000)]))
        if fencing == 0:
            return None
        return LockGrant(name=name, token=token, fencing_token=fencing, expires_at=self.clock.now() + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        return bool(self._release(keys=[self._key(name)], args=[token]))

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        ttl_ms = int(self._extend(keys=[self._key(name)], args=[token, int(seconds * 1000), "1" if replace_ttl else "0"]))
        if ttl_ms < 0:
            return None
        return self.clock.now() + ttl_ms / 1000.0

    def owner(self, name: str) -> str | None:
        value = self.client.get(self._key(name))
        return value.decode() if isinstance(value, bytes) else value
