"""Lock capacity and Little's law.

One seat's lock can be held by one booking at a time, so a seat turns over at most
1 / lock hold time times per second. With every seat lockable in parallel the ceiling is
seats / lock hold time bookings per second; retries eat into it: realistic throughput =
ceiling / (1 + retry rate).

Little's law ties the three figures of any queue in a steady state: L = λ × W, the number
in the system equals the arrival rate times the time each one stays. It is a *rate* that a
capacity plan compares against a throughput, and a *count* (L) that sizes memory.
"""

from __future__ import annotations

from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["lock_capacity", "LOCK_CAPACITY", "littles_law"]

LOCK_CAPACITY = (
    E("lock_throughput_per_seat", "Lock throughput per seat", "1 / lock_hold_time", "locks/s"),
    E("lock_qps_ceiling", "Booking throughput ceiling (all seats in parallel)", "seats * lock_throughput_per_seat",
      "req/s", "a rate, not a count of concurrent bookings"),
    E("retry_adjusted_capacity", "Throughput after retries", "lock_qps_ceiling / (1 + retry_rate)", "req/s"),
    E("concurrent_lock_holders", "Locks held at once at that rate (Little's law)",
      "retry_adjusted_capacity * lock_hold_time", "locks"),
)


def lock_capacity(seats="50K", lock_hold_time="5s", retry_rate=0.5, *,
                  samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Per-seat lock throughput, the all-seats ceiling, and the retry-adjusted figure."""
    c = new_calc("Lock capacity", dict(seats=seats, lock_hold_time=lock_hold_time, retry_rate=retry_rate),
                 samples=samples, seed=seed)
    c.derive(LOCK_CAPACITY)
    return c.worksheet()


#: Which step Little's law computes for each missing quantity.
_LITTLE = {
    "concurrency": E("concurrency", "In the system at once (L = λ × W)", "arrival_rate * time_in_system", ""),
    "arrival_rate": E("arrival_rate", "Arrival rate (λ = L ÷ W)", "concurrency / time_in_system", "per s"),
    "time_in_system": E("time_in_system", "Time in the system (W = L ÷ λ)", "concurrency / arrival_rate", "s"),
}


def littles_law(arrival_rate: Any = None, time_in_system: Any = None, concurrency: Any = None, *,
                samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Give exactly two of L (concurrency), λ (arrival_rate, per second) and W (time_in_system); get the third.

    >>> littles_law(concurrency="50K", time_in_system="5 min")["arrival_rate"].exact
    166.66666666666666
    """
    given = {k: v for k, v in (("arrival_rate", arrival_rate), ("time_in_system", time_in_system),
                               ("concurrency", concurrency)) if v is not None}
    if len(given) != 2:
        raise InputError("littles_law", sorted(given) or "nothing",
                         "exactly two of arrival_rate, time_in_system, concurrency, "
                         "e.g. concurrency='50K', time_in_system='5 min'")
    c = new_calc("Little's law", given, samples=samples, seed=seed)
    (missing,) = set(_LITTLE) - set(given)
    c.apply(_LITTLE[missing])
    return c.worksheet()
