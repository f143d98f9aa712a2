"""Leases with ``SET key token NX PX ttl`` semantics, and fencing tokens.

Invariant: a lease is owned by whoever holds its random token, and only until its TTL runs
out. Releasing or extending checks the token first, so a client whose lease expired (and
was perhaps granted to someone else) gets :class:`LockNotOwnedError` instead of freeing
another client's lock. This mirrors redis-py's ``Lock``.

A lease alone cannot stop a paused client: after its TTL the client still believes it holds
the lock. So each grant also carries a **fencing token**, a number that only increases per
lock name; the store accepts a write only if its token is not older than the newest token
it has seen for that seat (Kleppmann's fix). The lock makes collisions rare (efficiency);
the store's check makes them harmless (correctness).
"""

from __future__ import annotations

import math
import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.errors import InvalidTTL, LockError, LockNotOwnedError

__all__ = ["LockGrant", "LockManager", "MemoryLockManager", "new_token"]


@dataclass(frozen=True, slots=True)
class LockGrant:
    """Proof of a lease: the key, the owner's random token, its fencing token, and when the
    lease ends on the manager's clock (``expires_at``; for Redis, an estimate)."""

    name: str
    token: str
    fencing_token: int
    expires_at: float


def new_token() -> str:
    """A random owner token; two clients never share one."""
    return secrets.token_hex(16)


def _check_seconds(name: str, value: float | None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InvalidTTL(name, value, "a positive, finite number of seconds, e.g. 30")


class LockManager(ABC):
    """Named leases. Subclasses implement the three atomic steps; the waiting loop is shared.

    - :meth:`acquire` sets the key only if it is absent (or its lease ran out), for ``ttl``
      seconds; with ``blocking`` it retries every ``sleep`` seconds until
      ``blocking_timeout`` (None: forever) and returns None when it gives up.
    - :meth:`release` deletes the key only if ``grant.token`` still owns it, else raises
      :class:`LockNotOwnedError`.
    - :meth:`extend` adds ``seconds`` to the remaining TTL (or sets it, with
      ``replace_ttl``) only if the token still owns the key, else raises
      :class:`LockNotOwnedError`.
    """

    def __init__(self, clock: Clock, sleep: float = 0.001) -> None:
        _check_seconds("sleep", sleep)
        self.clock = clock
        self.sleep = sleep

    def acquire(self, name: str, ttl: float, blocking: bool = True,
                blocking_timeout: float | None = None) -> LockGrant | None:
        _check_seconds("ttl", ttl)
        _check_seconds("blocking_timeout", blocking_timeout, allow_none=True)
        if self.sleep > ttl:
            raise LockError(f"sleep={self.sleep:g} s must be shorter than ttl={ttl:g} s")
        token = new_token()
        give_up_at = None if blocking_timeout is None else self.clock.now() + blocking_timeout
        while True:
            grant = self._try_acquire(name, token, ttl)
            if grant is not None:
                return grant
            if not blocking or (give_up_at is not None and self.clock.now() >= give_up_at):
                return None
            self.clock.sleep(self.sleep)

    def release(self, grant: LockGrant) -> None:
        if grant is None:
            raise LockError("cannot release a lock that was never acquired (grant is None)")
        if not self._release_if_owner(grant.name, grant.token):
            raise LockNotOwnedError(
                f"cannot release {grant.name!r}: token {grant.token[:8]}… no longer owns it "
                "(its lease ran out, and it may now belong to another client)")

    def extend(self, grant: LockGrant, seconds: float, replace_ttl: bool = False) -> LockGrant:
        _check_seconds("seconds", seconds)
        expires_at = self._extend_if_owner(grant.name, grant.token, seconds, replace_ttl)
        if expires_at is None:
            raise LockNotOwnedError(
                f"cannot extend {grant.name!r}: token {grant.token[:8]}… no longer owns it")
        return LockGrant(grant.name, grant.token, grant.fencing_token, expires_at)

    @abstractmethod
    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None: ...

    @abstractmethod
    def _release_if_owner(self, name: str, token: str) -> bool: ...

    @abstractmethod
    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None: ...

    @abstractmethod
    def owner(self, name: str) -> str | None:
        """The token that owns ``name`` right now, or None."""


class MemoryLockManager(LockManager):
    """Leases in a dict, timed by the injected clock (so a simulated pause can expire them)."""

    def __init__(self, clock: Clock, sleep: float = 0.001) -> None:
        super().__init__(clock, sleep)
        self._mutex = threading.Lock()
        self._leases: dict[str, tuple[str, float]] = {}  # name -> (token, expires_at)
        self._fence: dict[str, int] = {}

    def _live(self, name: str, now: float) -> tuple[str, float] | None:
        lease = self._leases.get(name)
        if lease is not None and lease[1] <= now:
            del self._leases[name]  # the TTL ran out, as a Redis key would vanish
            return None
        return lease

    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None:
        with self._mutex:
            now = self.clock.now()
            if self._live(name, now) is not None:
                return None
            self._leases[name] = (token, now + ttl)
            fencing = self._fence.get(name, 0) + 1
            self._fence[name] = fencing
            return LockGrant(name, token, fencing, now + ttl)

    def _release_if_owner(self, name: str, token: str) -> bool:
        with self._mutex:
            lease = self._live(name, self.clock.now())
            if lease is None or lease[0] != token:
                return False
            del self._leases[name]
            return True

    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None:
        with self._mutex:
            now = self.clock.now()
            lease = self._live(name, now)
            if lease is None or lease[0] != token:
                return None
            expires_at = (now if replace_ttl else lease[1]) + seconds
            self._leases[name] = (token, expires_at)
            return expires_at

    def owner(self, name: str) -> str | None:
        with self._mutex:
            lease = self._live(name, self.clock.now())
            return lease[0] if lease else None
