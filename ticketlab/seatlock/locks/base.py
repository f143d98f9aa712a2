"""Leases with ``SET key token NX PX ttl`` semantics, and fencing tokens.

Invariant: a lease is owned by whoever holds its random token, and only until its TTL runs
out. Releasing or extending checks the token first, so a client whose lease expired (and
was perhaps granted to someone else) gets :class:`LockNotOwnedError` instead of freeing
another client's lock. This mirrors redis-py's ``Lock``.

A lease alone cannot stop a paused client: after its TTL the client still believes it holds
the lock. So each grant also carries a **fencing token**, a number that only increases per
lock name; the store accepts a write only if its token is strictly newer than the newest
token it has accepted for that seat (Kleppmann's fix; every write takes a fresh lease, so
an equal token is a reused one). The lock makes collisions rare (efficiency); the store's
check makes them harmless (correctness). A lock service's counter lasts only as long as its
data: Redis restarted without persistence starts again from 1. So the distributed strategy
stamps its writes with tokens the store issues once the lease is held
(:meth:`~ticketlab.seatlock.stores.base.Store.issue_fencing_tokens`), and a grant's own
``fencing_token`` is for callers that use a lock manager on its own.

This module holds the contract and the shared waiting loop; the managers are in
:mod:`~ticketlab.seatlock.locks.memory`, :mod:`~ticketlab.seatlock.locks.sqlite` and
:mod:`~ticketlab.seatlock.locks.redis`.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ticketlab.seatlock.clock import Clock
from ticketlab.seatlock.clock import seconds as _seconds  # extend() has an argument named seconds
from ticketlab.seatlock.errors import LockError, LockNotOwnedError

__all__ = ["LockGrant", "LockManager", "new_token"]


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

    Durations are seconds (or strings such as ``"30s"``); one that is not positive raises
    :class:`~ticketlab.seatlock.errors.InvalidTTL`.
    """

    def __init__(self, clock: Clock, sleep: float = 0.001) -> None:
        self.clock = clock
        self.sleep = _seconds("sleep", sleep)

    def acquire(self, name: str, ttl: float, blocking: bool = True,
                blocking_timeout: float | None = None) -> LockGrant | None:
        ttl = _seconds("ttl", ttl)
        if blocking_timeout is not None:
            blocking_timeout = _seconds("blocking_timeout", blocking_timeout)
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
        expires_at = self._extend_if_owner(grant.name, grant.token, _seconds("seconds", seconds), replace_ttl)
        if expires_at is None:
            raise LockNotOwnedError(
                f"cannot extend {grant.name!r}: token {grant.token[:8]}… no longer owns it")
        return LockGrant(name=grant.name, token=grant.token, fencing_token=grant.fencing_token,
                         expires_at=expires_at)

    @abstractmethod
    def _try_acquire(self, name: str, token: str, ttl: float) -> LockGrant | None: ...

    @abstractmethod
    def _release_if_owner(self, name: str, token: str) -> bool: ...

    @abstractmethod
    def _extend_if_owner(self, name: str, token: str, seconds: float, replace_ttl: bool) -> float | None: ...

    @abstractmethod
    def owner(self, name: str) -> str | None:
        """The token that owns ``name`` right now, or None."""

    def close(self) -> None:
        """Release resources (connections); the default has none."""
