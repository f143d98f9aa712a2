"""How a read-check-write on seats is protected: the interface every strategy implements.

Invariant: a strategy never changes seats except through one ``store.apply`` of a change
the service's ``build`` made, with the strategy's guards given to ``build`` as explicit
arguments (a :class:`~ticketlab.seatlock.stores.base.Change` is immutable, so the guards are
in it from the start). What it returns, :class:`WriteOutcome`, names that applied change,
so the service reads the hold or booking it wrote from the change the store accepted and
from nowhere else.

Every hold and confirm is the same three steps: read the seats, check they are in the state
the change needs, write it. The strategies differ only in what stops two writers from both
passing the check before either writes (see :mod:`ticketlab.seatlock.strategies.registry`).
A guarded change carries the state it needs as its guards
(:func:`~ticketlab.seatlock.stores.base.required_guards`), so a strategy whose protection is the
store's atomic guard alone (conditional) may write first and read only when the store refuses,
to raise what ``check`` raises.
Multi-seat requests always lock in sorted seat order, so two requests that overlap cannot
each hold a seat the other waits for (no deadlock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import ClassVar, NamedTuple

from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.clock import Clock, seconds
from ticketlab.seatlock.model import Seat
from ticketlab.seatlock.stores.base import Change, Store

__all__ = ["Check", "Build", "WriteOutcome", "Strategy"]

#: check(seats) raises if the seats are not in the state the change needs.
Check = Callable[[list[Seat]], None]
#: build(seats, lease_tokens, **guards) returns the change to write. ``seats`` are the seats
#: read, or None for a write that read nothing first (so a build takes prices from the seat map,
#: :meth:`~ticketlab.seatlock.stores.base.Store.price_cents`); ``lease_tokens`` are the
#: fencing tokens of the leases taken (empty without leases); ``guards`` are the strategy's
#: Change guard fields (guarded, expect_versions, fencing_tokens), passed into the Change as
#: given. A build that dropped them would leave the write unprotected.
Build = Callable[..., Change]


class WriteOutcome(NamedTuple):
    """One protected write that went through: the change the store applied, how many
    optimistic retries it took, and how many leases were found expired at release.
    (Immutable; a NamedTuple because one is made on every write.)"""

    change: Change
    retries: int = 0
    lost_leases: int = 0


class Strategy(ABC):
    """``write`` runs one read-check-write on ``seat_ids`` (already sorted) under this
    strategy's protection and returns a :class:`WriteOutcome`, or raises what ``check``
    raises, :class:`~ticketlab.seatlock.errors.LostRace`,
    :class:`~ticketlab.seatlock.errors.LockTimeout` or
    :class:`~ticketlab.seatlock.errors.StaleFencingToken`.

    ``latency`` (seconds, on the clock) is waited before each write, after the check where one
    comes first: the time a real service spends on a database round trip, and the window races
    live in. ``lock_ttl`` is the longest a lock may be held; the service checks it against its
    timeout cascade. ``before_write`` (optional) runs right before each write (after the check,
    where one comes first): the hook the demonstrations use to pause one client while another
    acts. Durations that are not
    valid raise :class:`~ticketlab.seatlock.errors.InvalidTTL`.
    """

    #: Its name in the vocabulary (the registry's key, the CLI's choice).
    name: ClassVar[StrategyName]
    #: Whether it takes a lock manager (``locks``), and whether it draws jitter from a ``seed``.
    needs_locks: ClassVar[bool] = False
    seeded: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "name", None), StrategyName):
            raise TypeError(f"{cls.__name__} must set name to a StrategyName")

    def __init__(self, latency: float = 0.0, lock_ttl: float = 30.0,
                 before_write: Callable[[], None] | None = None) -> None:
        self.latency = seconds("latency", latency, allow_zero=True)
        self.lock_ttl = seconds("lock_ttl", lock_ttl)
        self.before_write = before_write

    @abstractmethod
    def write(self, store: Store, seat_ids: Sequence[str], check: Check, build: Build,
              clock: Clock) -> WriteOutcome: ...

    def _pause(self, clock: Clock) -> None:
        if self.latency:
            clock.sleep(self.latency)
        if self.before_write is not None:
            self.before_write()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(latency={self.latency:g})"
