"""The strategies by name: the one table the service's callers, the CLI and the benchmarks read.

Invariant: a strategy is known by its :class:`~ticketlab.core.vocab.StrategyName` and has
exactly one entry here, holding its class, a one-line description and whether it needs a
lock manager. :func:`make_strategy`, the ``--strategy`` choices of the CLI and the rows of
``benchmarks/bench_seatlock.py`` all come from :data:`REGISTRY`, so a new strategy is added
in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketlab.core.errors import InputError
from ticketlab.core.vocab import StrategyName
from ticketlab.seatlock.locks.base import LockManager
from ticketlab.seatlock.strategies.base import Strategy
from ticketlab.seatlock.strategies.distributed import DistributedStrategy
from ticketlab.seatlock.strategies.naive import NaiveStrategy
from ticketlab.seatlock.strategies.optimistic import OptimisticStrategy
from ticketlab.seatlock.strategies.pessimistic import PessimisticStrategy

__all__ = ["StrategyInfo", "REGISTRY", "STRATEGIES", "strategy_name", "make_strategy"]


@dataclass(frozen=True, slots=True)
class StrategyInfo:
    """One strategy: its class, what it does in a line, whether it takes a lock manager
    (``locks``), and whether it draws jitter from a ``seed``."""

    name: StrategyName
    cls: type[Strategy]
    needs_locks: bool = False
    seeded: bool = False

    @property
    def description(self) -> str:
        return self.name.description


REGISTRY: dict[StrategyName, StrategyInfo] = {
    info.name: info for info in (
        StrategyInfo(StrategyName.NAIVE, NaiveStrategy),
        StrategyInfo(StrategyName.OPTIMISTIC, OptimisticStrategy, seeded=True),
        StrategyInfo(StrategyName.PESSIMISTIC, PessimisticStrategy),
        StrategyInfo(StrategyName.DISTRIBUTED, DistributedStrategy, needs_locks=True),
    )
}

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
    """A strategy by name, with ``latency`` seconds between check and write and ``options``
    passed to its class. One that needs a lock manager (``distributed``) takes ``locks``;
    one that draws jitter (``optimistic``) takes ``seed``. Raises :class:`InputError` for an
    unknown name or missing ``locks``.
    """
    info = REGISTRY[strategy_name(name)]
    if info.needs_locks:
        if locks is None:
            raise InputError("locks", None, f"a LockManager (e.g. MemoryLockManager) for the {name} strategy")
        options["locks"] = locks
    if info.seeded:
        options["seed"] = seed
    return info.cls(latency=latency, **options)
