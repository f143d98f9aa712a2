"""A proportional scale model of a rush: the same rush with fewer people, for a panel that must answer at once.

Invariant: a model divides by one factor everything that counts people or seats: the crowd, the
seats, the room's admission rate and the cap on people on the site. It keeps every time (thinking,
holding, paying, the sweeper's round) and every share (bots, abandoned holds, declined cards), and
the party sizes. So the room takes as long to let everyone in, each person waits as long, the seats
run out at about the same moment, and a count of the model multiplied by the factor reads at full
scale. What a small model cannot keep is the law of large numbers: the tail of the sale and the
contention between writers are noisier, and a few leftover seats are a larger share of the house.
"""

from __future__ import annotations

from ticketlab.core.errors import InputError
from ticketlab.sim.config import RushConfig

__all__ = ["MODEL_PEOPLE", "model_factor", "scale_model"]

#: The most people a panel's scale model runs: about what one re-run can take in a slider's time.
MODEL_PEOPLE = 500
_STEPS = (1, 2, 5)  # factors 1, 2, 5, 10, 20, 50, ...: a model reads "1 in 200", not "1 in 173"


def model_factor(users: int, budget: int = MODEL_PEOPLE) -> int:
    """The smallest factor in 1, 2, 5, 10, 20, 50, … that brings ``users`` down to at most ``budget``.

    Raises :class:`~ticketlab.core.errors.InputError` for a ``budget`` below 1.
    """
    if not isinstance(budget, int) or budget < 1:
        raise InputError("budget", budget, "a whole number of people >= 1, e.g. 500")
    decade = 1
    while True:
        for step in _STEPS:
            if users <= budget * step * decade:
                return step * decade
        decade *= 10


def scale_model(config: RushConfig, factor: int) -> RushConfig:
    """``config`` with its crowd, seats, admission rate and cap on people on the site divided by ``factor``.

    Counts round to the nearest whole (at least 1); times, shares and party sizes are unchanged.
    ``factor`` 1 returns ``config`` itself. Raises :class:`~ticketlab.core.errors.InputError` for a
    ``factor`` that is not a whole number >= 1.
    """
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise InputError("factor", factor, "a whole number >= 1, e.g. 100 for a 1-in-100 model")
    if factor == 1:
        return config
    return config.replace(users=max(1, round(config.users / factor)), seats=max(1, round(config.seats / factor)),
                          admit_per_minute=config.admit_per_minute / factor,
                          max_active=max(1, round(config.max_active / factor)))
