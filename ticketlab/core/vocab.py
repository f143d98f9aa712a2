"""The words ticketlab uses for its choices, each an enum defined once.

The CLI, the benchmarks, the notebooks, the estimators and the seat-lock core all read these,
so a strategy, a mode or a kind of finding is never a bare string that could be misspelt in
one place. Each is a :class:`enum.StrEnum`: it compares equal to its value (``"naive"``),
prints as it, and serialises to JSON as it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["StrategyName", "Backend", "Mode", "FindingKind", "ScenarioModel", "Policy", "ArrivalShape", "SeatChoice",
           "PausedClientMode"]


class StrategyName(StrEnum):
    """How a hold is protected against a second writer (see ``ticketlab.seatlock.strategies``)."""

    NAIVE = "naive"
    OPTIMISTIC = "optimistic"
    CONDITIONAL = "conditional"
    PESSIMISTIC = "pessimistic"
    DISTRIBUTED = "distributed"

    @property
    def safe(self) -> bool:
        """Whether this strategy is meant to never sell a seat twice."""
        return self is not StrategyName.NAIVE

    @property
    def description(self) -> str:
        """What the strategy does, in one line (the CLI's help and the registry both show it)."""
        return _STRATEGY_DESCRIPTIONS[self]


_STRATEGY_DESCRIPTIONS = {
    StrategyName.NAIVE: "no protection: check, then a blind write (sells seats twice)",
    StrategyName.OPTIMISTIC: "version compare-and-set, retried with jittered backoff",
    StrategyName.CONDITIONAL: "one conditional write, nothing read first; a refused one reads to say why",
    StrategyName.PESSIMISTIC: "lock the seats for the whole read-check-write",
    StrategyName.DISTRIBUTED: "a lease per seat, fencing tokens checked by the store",
}


class Backend(StrEnum):
    """Where seat state lives."""

    MEMORY = "memory"
    SQLITE = "sqlite"
    REDIS = "redis"
    POSTGRES = "postgres"


class Mode(StrEnum):
    """What the numbers of a worksheet are: one point, one value per slider position, or samples."""

    POINT = "point"
    SWEEP = "sweep"
    RANGE = "range"


class FindingKind(StrEnum):
    """What kind of mistake an audit finding reports."""

    ARITHMETIC = "arithmetic"  # the printed number does not follow from the printed inputs
    UNIT = "unit"  # a unit or a kind of quantity is wrong (a rate called a count, seats as bookings)
    REASONING = "reasoning"  # the number is right but the explanation of it is not
    INCONSISTENCY = "inconsistency"  # two statements of the source disagree
    DESIGN = "design"  # the numbers hold, but a design consequence goes unsaid or contradicts advice


class ScenarioModel(StrEnum):
    """Which worksheet a scenario fills."""

    TICKETMASTER = "ticketmaster"  # the whole napkin template
    ONSALE = "onsale"  # one big sale of one event
    SCHEDULE = "schedule"  # a venue with many shows
    SEASON = "season"  # sports season tickets
    COUNTER = "counter"  # general admission: one counter of passes, no seats to lock
    BLOCK_RELEASE = "block-release"  # a venue's schedule, plus the on-sale when a block of dates opens


class Policy(StrEnum):
    """How a virtual waiting room picks who goes in next."""

    FIFO = "fifo"  # first come, first served
    RAFFLE = "raffle"  # each time a slot opens, a random waiting user
    PREQUEUE = "prequeue"  # everyone who came before the on-sale in random order, then first come
    PRIORITY = "priority"  # verified fans first, first come within each class
    LOTTERY = "lottery"  # a draw among the registered: winners go in, the rest are told at once


class ArrivalShape(StrEnum):
    """When the users of a rush arrive."""

    AT_ONCE = "at-once"  # all at the on-sale moment
    RAMP = "ramp"  # spread evenly over the ramp after the on-sale
    FANS_AND_BOTS = "fans-and-bots"  # fans spread from the room's opening; bots all at its opening


class SeatChoice(StrEnum):
    """How a user picks seats."""

    BEST_AVAILABLE = "best-available"  # the first free seats in seat-map order
    PICK = "pick"  # seats in a section chosen by popularity, from the map the user saw


class PausedClientMode(StrEnum):
    """What guards the store's write in the paused-client demo, beside the lease itself."""

    LEASE_ONLY = "lease-only"  # nothing: the late write goes through
    FENCING = "fencing"  # the write carries its lease's fencing token
    CONDITIONAL = "conditional"  # the write re-checks the seat's status and owner
