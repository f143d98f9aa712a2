"""The distributed strategy: a lease per seat from a lock manager, fencing tokens on the write.

Invariant: a write carries, for each seat, a fencing token the store issued to this lease
holder after its lease was granted, and the store accepts it only if no newer token was
issued or accepted for the seat since. A lease can expire while its owner is paused, and a
lock service can restart and forget both its leases and its counters; the token, issued and
checked by the store (the system of record), is what stops the old owner's late write, and
it keeps increasing whatever happens to the lock service. Leases are taken in sorted seat
order and always given back; a lease found expired at release, or one that cannot be given
back because the lock service is down, is counted (``lost_leases``) and left to its TTL,
never raised: by then the write has committed or failed on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.clock import seconds
from ticketlab.seatlock.errors import (
    LockNotOwnedError,
    LockServiceUnavailable,
    LockTimeout,
    LostRace,
    StaleFencingToken,
)
from ticketlab.seatlock.locks.base import LockGrant, LockManager
from ticketlab.seatlock.stores.base import Store, WriteResult
from ticketlab.seatlock.strategies.base import Strategy, WriteOutcome

__all__ = ["DistributedStrategy"]

_log = logging.getLogger(__name__)


class DistributedStrategy(Strategy):
    """A lease per seat from ``locks`` (sorted order), fencing tokens on the write.

    ``fencing`` stamps the write with tokens the store issues once the leases are granted
    (:meth:`~ticketlab.seatlock.stores.base.Store.issue_fencing_tokens`), so the store
    rejects a client whose lease was handed on (:class:`StaleFencingToken`); without it the
    hold records the lock manager's own grant numbers. ``conditional`` also makes the
    write guarded (status and owner re-checked in the store; a failure is :class:`LostRace`).
    With both off, the lease is the only protection: the paused-client demo shows why that
    is not enough. A lease not granted within ``lock_wait`` raises :class:`LockTimeout`; a
    lock service that does not answer raises :class:`LockServiceUnavailable` before anything
    is written.
    """

    name = StrategyName.DISTRIBUTED
    needs_locks = True

    def __init__(self, locks: LockManager, latency: float = 0.0, lock_ttl: float = 30.0,
                 lock_wait: float = 5.0, fencing: bool = True, conditional: bool = True,
                 before_write: Callable[[], None] | None = None) -> None:
        super().__init__(latency, lock_ttl, before_write)
        if not isinstance(locks, LockManager):
            raise InputError("locks", locks, "a LockManager, e.g. MemoryLockManager(clock) or RedisLockManager(url=...)")
        self.locks = locks
        self.lock_wait = seconds("lock_wait", lock_wait)
        self.fencing = fencing
        self.conditional = conditional

    def lock_name(self, store: Store, seat_id: str) -> str:
        return f"seat:{store.event_id}:{seat_id}"

    def write(self, store, seat_ids, check, build, clock):
        grants: list[LockGrant] = []
        try:
            for seat_id in sorted(seat_ids):
                grant = self.locks.acquire(self.lock_name(store, seat_id), self.lock_ttl,
                                           blocking_timeout=self.lock_wait)
                if grant is None:
                    raise LockTimeout(f"lease on seat {seat_id}", self.lock_wait)
                grants.append(grant)
            if self.fencing:  # issued before the read, so the read sees every write with an older token
                tokens = store.issue_fencing_tokens(seat_ids)
            else:
                by_seat = {g.name: g.fencing_token for g in grants}
                tokens = tuple(by_seat[self.lock_name(store, s)] for s in seat_ids)
            seats = store.read_seats(seat_ids)
            check(seats)
            self._pause(clock)
            change = build(seats, tokens, guarded=self.conditional, fencing_tokens=tokens if self.fencing else ())
            result = store.apply(change)
            if result is WriteResult.STALE_TOKEN:
                seat_id, token = next(((s, t) for s, t in zip(seat_ids, tokens)
                                       if t <= store.newest_fencing_token(s)), (seat_ids[0], tokens[0]))
                raise StaleFencingToken(seat_id, token, store.newest_fencing_token(seat_id))
            if result is WriteResult.CONFLICT:
                raise LostRace(seat_ids, 1)
        finally:
            lost_leases = self._release(grants)
        return WriteOutcome(change, lost_leases=lost_leases)

    def _release(self, grants: list[LockGrant]) -> int:
        """Give every lease back, newest first; returns how many had run out or could not be
        given back (the lock service is down: the lease ends by its TTL)."""
        lost = 0
        for grant in reversed(grants):
            try:
                self.locks.release(grant)
            except LockNotOwnedError:
                lost += 1  # the lease ran out while we worked
            except LockServiceUnavailable as error:
                lost += 1  # the write stands either way; raising here would report it wrongly
                _log.warning("lease %s not released, it will expire by its TTL: %s", grant.name, error)
        return lost
