"""Contention: how many people chase each seat, and which locking strategy that calls for.

contention ratio = concurrent users ÷ seats on sale. The rule of thumb:
  Low     users < 0.1 × seats   → optimistic locking (version check, rare retries)
  Medium  users < seats         → pessimistic locking (lock the row while deciding)
  High    users ≥ seats         → distributed locks with fencing, behind a waiting room
Because people buy in groups, the sharper figure is users per *booking* available:
users ÷ (seats ÷ seats per booking).
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

__all__ = ["ContentionLevel", "contention", "contention_level", "level_codes", "CONTENTION", "LOW_THRESHOLD"]

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


def _say_level(code: float) -> str:
    return ContentionLevel(int(round(code))).label


CONTENTION = (
    E("contention_ratio", "Contention ratio (users per seat)", "users / seats", ":1"),
    E("bookings_available", "Bookings the seats allow", "seats / seats_per_booking", "bookings", fallback=True),
    E("users_per_booking", "Users per booking available", "users / bookings_available", ":1",
      "sharper than users per seat, since people buy in groups"),
    E("contention_level", "Contention level (0 low, 1 medium, 2 high)", "level(contention_ratio)", "level",
      _level_note, functions={"level": level_codes}, show=_say_level),
)


def contention(users="100K", seats="50K", seats_per_booking=2.5, *,
               samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Contention ratio, bookings available, users per booking, and the level (strategy in the note)."""
    c = new_calc("Contention", dict(users=users, seats=seats, seats_per_booking=seats_per_booking),
                 samples=samples, seed=seed)
    c.derive(CONTENTION)
    return c.worksheet()
