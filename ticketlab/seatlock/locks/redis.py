"""Leases on a real Redis server, with fencing tokens from ``INCR``.

Invariant, as in :mod:`ticketlab.seatlock.locks.base`: a key is owned by the random token that
set it, only until its TTL; only that token can delete or extend it. Each step is one
atomic server-side operation: acquiring is ``SET key token NX PX ttl`` followed, in the
same Lua script, by ``INCR`` of the key's fencing counter (so a grant and its fencing
number cannot be separated); release and extend compare the token before touching the key.
Redis expires the key on its own clock; ``LockGrant.expires_at`` is the client's estimate.

Whatever goes wrong on the way to the server (refused, timed out, still loading its data
after a restart) reaches the caller as
:class:`~ticketlab.seatlock.errors.LockServiceUnavailable`, never as a redis-py exception.
The ``INCR`` counter lives only as long as Redis keeps its data: a restart without
persistence starts it again from 1. That is why the distributed strategy takes the fencing
token its write carries from the store, not from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from ticketlab.core.errors import InputError
from ticketlab.seatlock.clock import Clock, RealClock, seconds
from ticketlab.seatlock.errors import LockServiceUnavailable
from ticketlab.seatlock.locks.base import LockGrant, LockManager

_T = TypeVar("_T")

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
    deleted, so tokens keep increasing across grants (while Redis keeps its data).

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
            import redis

            url = "redis://127.0.0.1:6379/0" if url is None else url
            if not isinstance(url, str) or urlsplit(url).scheme not in ("redis", "rediss", "unix"):
                raise InputError("url", url, "a Redis URL such as 'redis://127.0.0.1:6379/0'")
            timeout = seconds("socket_timeout", socket_timeout)
            try:
                client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            except ValueError as error:  # redis-py's own parse of the URL (port, database number)
                raise InputError("url", url, f"a Redis URL such as 'redis://127.0.0.1:6379/0' ({error})") from None
        self.client = client
        kwargs = client.connection_pool.connection_kwargs
        self.where = kwargs.get("path") or f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
        self.prefix = prefix
        self._acquire = client.register_script(ACQUIRE_SCRIPT)
        self._release = client.register_script(RELEASE_SCRIPT)
        self._extend = client.register_script(EXTEND_SCRIPT)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _call(self, step: Callable[..., _T], *args, **kwargs) -> _T:
        """One round trip to the server; a failure on the way is :class:`LockServiceUnavailable`."""
        import redis

        try:
            return step(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:  # BusyLoadingError is a ConnectionError
            raise LockServiceUnavailable(self.where, f"{type(error).__name__}: {error}") from error
        except redis.RedisError as error:  # e.g. READONLY or MASTERDOWN while a server recovers
            raise LockServiceUnavailable(self.where, f"the server refused the command: {error}") from error

    def ping(self) -> None:
        """Check the server answers; raises :class:`LockServiceUnavailable` if it does not."""
        self._call(self.client.ping)

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        key = self._key(name)
        fencing = int(self._call(self._acquire, keys=[key, key + ":fence"], args=[token, int(ttl * 1000)]))
        if fencing == 0:
            return None
        return LockGrant(name=name, token=token, fencing_token=fencing, expires_at=self.clock.now() + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        return bool(self._call(self._release, keys=[self._key(name)], args=[token]))

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        ttl_ms = int(self._call(self._extend, keys=[self._key(name)],
                                args=[token, int(seconds * 1000), "1" if replace_ttl else "0"]))
        if ttl_ms < 0:
            return None
        return self.clock.now() + ttl_ms / 1000.0

    def owner(self, name: str) -> str | None:
        value = self._call(self.client.get, self._key(name))
        return value.decode() if isinstance(value, bytes) else value

    def close(self) -> None:
        """Close the connections of a client this manager made from ``url``."""
        if self._own_client:
            self.client.close()
