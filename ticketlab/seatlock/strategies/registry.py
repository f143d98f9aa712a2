"""The strategies by name: the one table the service's callers, the CLI and the benchmarks read.

Invariant: a strategy is its class. The class says its :class:`~ticketlab.core.vocab.StrategyName`
(whose one-line description the CLI shows), whether it takes a lock manager
(``needs_locks``) and whether it draws jitter from a ``seed`` (``seeded``);
:data:`REGISTRY` is built from :data:`CLASSES` alone. :func:`make_strategy`, the
``--strategy`` choices of the CLI and the rows of ``benchmarks/bench_seatlock.py`` all come
from it, so a new strategy is its class plus its line in :data:`CLASSES` (and its name in
the vocabulary, which layers below the seat-lock core also speak).
"""

from __future__ import annotations

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.locks.base import LockManager
from ticketlab.seatlock.strategies.base import Strategy
from ticketlab.seatlock.strategies.conditional import ConditionalStrategy
from ticketlab.seatlock.strategies.distributed import DistributedStrategy
from ticketlab.seatlock.strategies.naive import NaiveStrategy
from ticketlab.seatlock.strategies.optimistic import OptimisticStrategy
from ticketlab.seatlock.strategies.pessimistic import PessimisticStrategy

__all__ = ["CLASSES", "REGISTRY", "STRATEGIES", "strategy_name", "make_strategy"]

#: Every strategy class, in the order the course introduces them.
CLASSES: tuple[type[Strategy], ...] = (NaiveStrategy, OptimisticStrategy, ConditionalStrategy, PessimisticStrategy,
                                       DistributedStrategy)

REGISTRY: dict[StrategyName, type[Strategy]] = {cls.name: cls for cls in CLASSES}

#: Every strategy name, in the order the course introduces them.
STRATEGIES: tuple[StrategyName, ...] = tuple(REGISTRY)


def strategy_name(name: str) -> StrategyName:
    """``name`` as a :class:`StrategyName`; raises :class:`InputError` for an unknown one."""
    try:
        return StrategyName(name)
    except ValueError:
        raise InputError("strategy", name, f"one of {', '.join(STRATEGIES)}") from None


def make_strategy(name: str, latency: float = 0.0, seed: int | None = 0, locks: LockManager | None = None,
                  **options) -> Strategy:
    """A strategy by name, with ``latency`` seconds before each write and ``options``
    passed to its class. One that needs a lock manager (``distributed``) takes ``locks``;
    one that draws jitter (``optimistic``) takes ``seed``. Raises :class:`InputError` for an
    unknown name or missing ``locks``.
    """
    cls = REGISTRY[strategy_name(name)]
    if cls.needs_locks:
        if locks is None:
            raise InputError("locks", None, f"a LockManager (e.g. MemoryLockManager) for the {name} strategy")
        options["locks"] = locks
    if cls.seeded:
        options["seed"] = seed
    return cls(latency=latency, **options)
