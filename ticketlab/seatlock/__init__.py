"""The seat-lock core: holds, locks, fencing tokens, and a checker that proves no seat was
sold twice.

Start with :class:`BookingService` over a :class:`MemoryStore` (or :class:`SqliteStore`)
and one of the strategies; :func:`race`, :func:`paused_client` and :func:`progression` are
the demonstrations. Heavy or optional pieces (SQLite, Redis, numpy for backoff jitter) are
imported where used.

Invariant of the package: a seat is never sold twice by a strategy the registry calls safe,
and no money is lost. Each module opens with the part of that it protects; every store
passes one contract (:mod:`ticketlab.seatlock.stores.base`).

    clock = SimulatedClock()
    store = MemoryStore.for_event(Event("gig", "A gig", stadium()))
    service = BookingService(store, OptimisticStrategy(), clock)
    hold = service.hold_any("alice", 2)           # two seats for 10 minutes
    booking = service.confirm(hold.hold_id, "alice")
    clock.advance(600); service.sweep_expired()   # release whatever was abandoned
    assert service.check().ok                      # the history checker found nothing wrong
"""

from __future__ import annotations

from ticketlab.seatlock.clock import Clock, RealClock, SimulatedClock
from ticketlab.seatlock.errors import *  # noqa: F401,F403  (every error is public)
from ticketlab.seatlock.errors import __all__ as _error_names
from ticketlab.seatlock.check.history import (
    VIOLATIONS,
    CheckReport,
    Record,
    RecordKind,
    Violation,
    ViolationKind,
    check_history,
)
from ticketlab.seatlock.locks.base import LockGrant, LockManager
from ticketlab.seatlock.locks.memory import MemoryLockManager
from ticketlab.seatlock.model import (
    Booking,
    BookingStatus,
    Event,
    Hold,
    PaymentIntent,
    PaymentState,
    Seat,
    SeatStatus,
    Section,
    Venue,
    payment_id_for,
    small_venue,
    stadium,
)
from ticketlab.seatlock.payments import Behaviour, FakePaymentGateway, PaymentGateway, PaymentOutcome, refund_key
from ticketlab.seatlock.service import CHECKPOINTS, DEFAULT_HOLD_TTL, BookingService, ReconcileResult, SweepResult
from ticketlab.seatlock.stores.base import Change, Store, WriteResult
from ticketlab.seatlock.stores.memory import MemoryStore
from ticketlab.seatlock.strategies import (
    STRATEGIES,
    ConditionalStrategy,
    DistributedStrategy,
    NaiveStrategy,
    OptimisticStrategy,
    PessimisticStrategy,
    Strategy,
    WriteOutcome,
    make_strategy,
)

_LAZY = {
    "SqliteStore": "ticketlab.seatlock.stores.sqlite",
    "SqliteLockManager": "ticketlab.seatlock.locks.sqlite",
    "RedisLockManager": "ticketlab.seatlock.locks.redis",
    "race": "ticketlab.seatlock.demos",
    "RaceResult": "ticketlab.seatlock.demos",
    "paused_client": "ticketlab.seatlock.demos",
    "PausedClientResult": "ticketlab.seatlock.demos",
    "progression": "ticketlab.seatlock.demos",
    "ProgressionStep": "ticketlab.seatlock.demos",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ticketlab.seatlock' has no attribute {name!r}")


__all__ = [
    *_error_names,
    "Clock", "RealClock", "SimulatedClock",
    "CheckReport", "Record", "RecordKind", "Violation", "ViolationKind", "check_history", "VIOLATIONS",
    "LockGrant", "LockManager", "MemoryLockManager",
    "Booking", "BookingStatus", "Event", "Hold", "Seat", "SeatStatus", "Section", "Venue",
    "PaymentIntent", "PaymentState", "payment_id_for", "small_venue", "stadium",
    "Behaviour", "FakePaymentGateway", "PaymentGateway", "PaymentOutcome", "refund_key",
    "CHECKPOINTS", "DEFAULT_HOLD_TTL", "BookingService", "ReconcileResult", "SweepResult",
    "Change", "MemoryStore", "Store", "WriteResult",
    "STRATEGIES", "ConditionalStrategy", "DistributedStrategy", "NaiveStrategy", "OptimisticStrategy",
    "PessimisticStrategy", "Strategy", "WriteOutcome", "make_strategy",
    *_LAZY,
]
