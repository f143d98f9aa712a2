"""How a read-check-write on seats is protected: five strategies behind one interface.

Invariant: every strategy writes only through ``store.apply`` and returns the change it
applied (:class:`WriteOutcome`); :data:`REGISTRY` is the one list of them.

- :class:`NaiveStrategy`: nothing. The write is blind, so two holders both win (broken on
  purpose; ``latency`` widens the gap between check and write so threads really collide).
- :class:`OptimisticStrategy`: nothing while reading; the write succeeds only if every
  seat's version is still the one read (compare-and-set). On a conflict, back off with
  jittered exponential delays and retry; after ``max_attempts`` raise ``LostRace``.
- :class:`ConditionalStrategy`: no read first; one atomic write guarded by what its kind
  requires (a hold: every seat AVAILABLE), checked by the store as it writes. A refused write
  reads the seats to say why (``SeatUnavailable``); seats free again are written once more,
  up to ``max_attempts`` writes, then ``LostRace``.
- :class:`PessimisticStrategy`: lock the seats for the whole read-check-write (per-seat
  locks in sorted order in memory, ``BEGIN IMMEDIATE`` in SQLite); waiting longer than
  ``lock_wait`` raises ``LockTimeout``.
- :class:`DistributedStrategy`: take a lease per seat from a ``LockManager``, in sorted
  order, and stamp the write with the leases' fencing tokens, which the store checks.
"""

from __future__ import annotations

from ticketlab.seatlock.strategies.base import Build, Check, Strategy, WriteOutcome
from ticketlab.seatlock.strategies.conditional import ConditionalStrategy
from ticketlab.seatlock.strategies.distributed import DistributedStrategy
from ticketlab.seatlock.strategies.naive import NaiveStrategy
from ticketlab.seatlock.strategies.optimistic import OptimisticStrategy
from ticketlab.seatlock.strategies.pessimistic import PessimisticStrategy
from ticketlab.seatlock.strategies.registry import (
    CLASSES,
    REGISTRY,
    STRATEGIES,
    make_strategy,
    strategy_name,
)

__all__ = [
    "Build",
    "Check",
    "Strategy",
    "WriteOutcome",
    "NaiveStrategy",
    "OptimisticStrategy",
    "ConditionalStrategy",
    "PessimisticStrategy",
    "DistributedStrategy",
    "CLASSES",
    "REGISTRY",
    "STRATEGIES",
    "strategy_name",
    "make_strategy",
]
