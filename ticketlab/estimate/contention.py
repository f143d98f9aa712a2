"""Contention: how many people chase each seat, and which locking strategy that calls for.

contention ratio = concurrent users ÷ seats on sale. The rule of thumb:
  Low     users < 0.1 × seats   → optimistic locking (version check, rare retries)
  Medium  users < seats         → pessimistic locking (lock the row while deciding)
  High    users ≥ seats         → distributed locks with fencing, behind a waiting room
Because people buy in groups, the sharper figure is users per *booking* available:
users ÷ (seats ÷ seats per booking).

The ratio says whether people go home empty-handed; it does not say whether writes collide.
That takes the rate (:data:`RATE_LEVEL`): writers in the critical section at once,
L = admitted rate × lock hold time (Little's law), and the load on the booking path, attempt
rate ÷ the rate it takes:
  Low     L < 1                       → a conditional write (or one row lock); writers rarely meet
  Medium  L ≥ 1, load ≤ 1             → writers meet: row locks or conditional writes with retries
  High    load > 1                    → attempts outrun the path: a waiting room, locks behind it
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import numpy as np

from ticketlab.core.errors import InputError
from ticketlab.core.numbers import parse_quantity
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.core.vocab import StrategyName
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["ContentionLevel", "contention", "contention_level", "level_codes", "rate_level_codes", "CONTENTION",
           "RATIOS", "LEVEL", "RATE_LEVEL", "LOW_THRESHOLD"]

#: Below this many users per seat contention is low.
LOW_THRESHOLD = 0.1


class ContentionLevel(enum.IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @property
    def strategy(self) -> StrategyName:
        return {
            ContentionLevel.LOW: StrategyName.OPTIMISTIC,
            ContentionLevel.MEDIUM: StrategyName.PESSIMISTIC,
            ContentionLevel.HIGH: StrategyName.DISTRIBUTED,
        }[self]

    @property
    def advice(self) -> str:
        return {
            ContentionLevel.LOW: "optimistic locking: a version check, retries are rare",
            ContentionLevel.MEDIUM: "pessimistic locking: lock the seat rows while deciding",
            ContentionLevel.HIGH: "distributed locks with fencing tokens, behind a virtual waiting room",
        }[self]

    @property
    def needs_queue(self) -> bool:
        return self is ContentionLevel.HIGH


def level_codes(ratio: Any) -> Any:
    """0, 1 or 2 (low, medium, high) for each users-per-seat ratio."""
    r = np.asarray(ratio, dtype=float)
    return np.where(r < LOW_THRESHOLD, 0.0, np.where(r < 1.0, 1.0, 2.0))


def rate_level_codes(writers_at_once: Any, room_load: Any) -> Any:
    """0, 1 or 2 by rate: high when attempts outrun the path (load > 1), else medium when L ≥ 1."""
    L, load = np.asarray(writers_at_once, dtype=float), np.asarray(room_load, dtype=float)
    return np.where(load > 1.0, 2.0, np.where(L >= 1.0, 1.0, 0.0))


_RATE_ADVICE = {
    ContentionLevel.LOW: "a conditional write (or one row lock) is plenty: writers rarely meet",
    ContentionLevel.MEDIUM: "writers meet: row locks, or conditional writes with retries; no waiting room needed",
    ContentionLevel.HIGH: "attempts outrun the booking path: a waiting room in front, locks behind it",
}


def contention_level(users: Any, seats: Any) -> ContentionLevel:
    """The Low / Medium / High level for one (users, seats) pair."""
    u = float(parse_quantity(users, name="users", dimension="count"))
    s = float(parse_quantity(seats, name="seats", dimension="count"))
    if u < 0:
        raise InputError("users", users, "a count of users of zero or more, such as 100K")
    if s <= 0:
        raise InputError("seats", seats, "a positive number of seats, such as 50K")
    return ContentionLevel(int(level_codes(u / s)))


def _level_note(values: Mapping[str, Any]) -> str:
    codes = level_codes(values["contention_ratio"])
    return ContentionLevel(int(codes)).advice if np.ndim(codes) == 0 else "per point: 0 low, 1 medium, 2 high"


def _rate_note(values: Mapping[str, Any]) -> str:
    codes = rate_level_codes(values["writers_at_once"], values["room_load"])
    return _RATE_ADVICE[ContentionLevel(int(codes))] if np.ndim(codes) == 0 else "per point: 0 low, 1 medium, 2 high"


def _say_level(code: float) -> str:
    return ContentionLevel(int(round(code))).label


#: Users per seat and per booking (no advice: a counter of passes has no per-seat locking to advise).
RATIOS = (
    E("contention_ratio", "Contention ratio (users per seat)", "users / seats", ":1"),
    E("bookings_available", "Bookings the seats allow", "seats / seats_per_booking", "bookings", fallback=True),
    E("users_per_booking", "Users per booking available", "users / bookings_available", ":1",
      "sharper than users per seat, since people buy in groups"),
)
#: The cheat sheet's rule: a level from users per seat.
LEVEL = E("contention_level", "Contention level by ratio (0 low, 1 medium, 2 high)", "level(contention_ratio)",
          "level", _level_note, functions={"level": level_codes}, show=_say_level)
CONTENTION = (*RATIOS, LEVEL)
#: The rate rule (needs ``writers_at_once`` and ``room_load``, see :data:`ticketlab.estimate.onsale.RATE_CHECK`).
RATE_LEVEL = E("rate_level", "Contention level by rate (0 low, 1 medium, 2 high)",
               "rate_level(writers_at_once, room_load)", "level", _rate_note,
               functions={"rate_level": rate_level_codes}, show=_say_level)


def contention(users="100K", seats="50K", seats_per_booking=2.5, *,
               samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Contention ratio, bookings available, users per booking, and the level (strategy in the note)."""
    c = new_calc("Contention", dict(users=users, seats=seats, seats_per_booking=seats_per_booking),
                 samples=samples, seed=seed)
    c.derive(CONTENTION)
    return c.worksheet()
