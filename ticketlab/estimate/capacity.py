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
from ticketlab.estimate.inputs import declare, start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["lock_capacity", "lock_capacity_steps", "littles_law"]


def lock_capacity_steps(c: Calc, ceiling: str = "booking_qps_capacity") -> None:
    """Append the lock-capacity steps; ``ceiling`` names the all-seats ceiling step."""
    c.step("lock_throughput_per_seat", "Lock throughput per seat", "1 / lock_hold_time",
           lambda v, K: 1 / v.lock_hold_time, unit="locks/s")
    c.step(ceiling, "Booking throughput ceiling (all seats in parallel)",
           "seats * lock_throughput_per_seat", lambda v, K: v.seats * v.lock_throughput_per_seat, unit="req/s",
           note="a rate, not a count of concurrent bookings")
    c.step("retry_adjusted_capacity", "Throughput after retries", f"{ceiling} / (1 + retry_rate)",
           lambda v, K: getattr(v, ceiling) / (1 + v.retry_rate), unit="req/s")
    c.step("concurrent_lock_holders", "Locks held at once at that rate (Little's law)",
           "retry_adjusted_capacity * lock_hold_time",
           lambda v, K: v.retry_adjusted_capacity * v.lock_hold_time, unit="locks")


def lock_capacity(seats="50K", lock_hold_time="5s", retry_rate=0.5, *,
                  samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Per-seat lock throughput, the all-seats ceiling, and the retry-adjusted figure."""
    c = start("Lock capacity", locals())
    lock_capacity_steps(c)
    return c.worksheet()


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
                         "exactly two of arrival_rate, time_in_system, concurrency, e.g. concurrency='50K', time_in_system='5 min'")
    c = Calc("Little's law", samples=samples, seed=seed)
    declare(c, given)
    if concurrency is None:
        c.step("concurrency", "In the system at once (L = λ × W)", "arrival_rate * time_in_system",
               lambda v, K: v.arrival_rate * v.time_in_system, unit="")
    elif arrival_rate is None:
        c.step("arrival_rate", "Arrival rate (λ = L ÷ W)", "concurrency / time_in_system",
               lambda v, K: v.concurrency / v.time_in_system, unit="per s")
    else:
        c.step("time_in_system", "Time in the system (W = L ÷ λ)", "concurrency / arrival_rate",
               lambda v, K: v.concurrency / v.arrival_rate, unit="s")
    return c.worksheet()
