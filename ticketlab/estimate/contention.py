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
from typing import Any

import numpy as np

from ticketlab.estimate.inputs import start
from ticketlab.core.numbers import parse_quantity
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet
from ticketlab.core.errors import InputError

__all__ = ["ContentionLevel", "contention", "contention_level", "contention_steps", "LOW_THRESHOLD"]

#: Below this many users per seat contention is low.
LOW_THRESHOLD = 0.1


class ContentionLevel(enum.IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def strategy(self) -> str:
        return {
            ContentionLevel.LOW: "optimistic",
            ContentionLevel.MEDIUM: "pessimistic",
            ContentionLevel.HIGH: "distributed",
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


def _level_codes(ratio: Any) -> Any:
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
    return ContentionLevel(int(_level_codes(u / s)))


def contention_steps(c: Calc) -> None:
    c.step("contention_ratio", "Contention ratio (users per seat)", "users / seats",
           lambda v, K: v.users / v.seats, unit=":1")
    c.step("bookings_available", "Bookings the seats allow", "seats / seats_per_booking",
           lambda v, K: v.seats / v.seats_per_booking, unit="bookings")
    c.step("users_per_booking", "Users per booking available", "users / bookings_available",
           lambda v, K: v.users / v.bookings_available, unit=":1",
           note="sharper than users per seat, since people buy in groups")
    levels = _level_codes(c._exact["contention_ratio"])  # the level is a threshold, not an estimate
    note = ContentionLevel(int(levels)).advice if np.ndim(levels) == 0 else "per point: 0 low, 1 medium, 2 high"
    c.step("contention_level", "Contention level (0 low, 1 medium, 2 high)",
           "level(contention_ratio)", lambda v, K: _level_codes(v.contention_ratio), unit="level", note=note)


def contention(users="100K", seats="50K", seats_per_booking=2.5, *,
               samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Contention ratio, bookings available, users per booking, and the level (strategy in the note)."""
    c = start("Contention", locals())
    contention_steps(c)
    return c.worksheet()
