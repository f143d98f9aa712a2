"""Leases in one process's memory, timed by the injected clock.

Invariant, as in :mod:`ticketlab.seatlock.locks.base`: a lease is owned by its random token
until its TTL runs out on the clock, and each grant's fencing token is one more than the
last for that name. One ``threading.Lock`` makes each step atomic; a simulated clock can
expire a lease mid-operation, which is how the paused-client demonstration works.
"""

from __future__ import annotations

import threading

from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.locks.base import LockGrant, LockManager

__all__ = ["MemoryLockManager"]


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
