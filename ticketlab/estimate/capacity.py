"""Lock capacity and Little's law.

One seat's lock can be held by one booking at a time, so a seat turns over at most
1 / lock hold time times per second. With every seat lockable in parallel the ceiling is
seats / lock hold time *seat-locks* per second; a booking locks seats per booking of them, so
the booking ceiling is seats / (lock hold time × seats per booking). The source discounts
retries: ceiling / (1 + retry rate).

That ceiling is a burst, not a rate a sale can keep up: each seat sells once, so at the
ceiling the whole stock (bookings available) is locked within one hold time.

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
    E("seat_lock_ceiling", "Seat-lock ceiling (every seat locked in parallel)", "seats * lock_throughput_per_seat",
      "locks/s", "seat-locks per second, not bookings"),
    E("lock_qps_ceiling", "Booking burst ceiling (seat-locks ÷ seats per booking)",
      "seat_lock_ceiling / seats_per_booking", "req/s", "a burst: a rate, not a count, and only for one hold time"),
    E("retry_adjusted_capacity", "Booking burst ceiling after retries", "lock_qps_ceiling / (1 + retry_rate)", "req/s"),
    E("bookings_available", "Bookings the seats allow", "seats / seats_per_booking", "bookings", fallback=True),
    E("stock_lock_seconds", "Time to lock the whole stock at the ceiling", "bookings_available / lock_qps_ceiling",
      "s", "one hold time: after it nothing is left to lock"),
    E("stock_lock_seconds_with_retries", "Time to lock the whole stock after retries",
      "bookings_available / retry_adjusted_capacity", "s"),
    E("concurrent_lock_holders", "Seat locks held at once at that rate (Little's law)",
      "retry_adjusted_capacity * seats_per_booking * lock_hold_time", "locks", "never more than the seats"),
)


def lock_capacity(seats="50K", lock_hold_time="5s", retry_rate=0.5, seats_per_booking=2.5, *,
                  samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Per-seat lock throughput, the seat-lock and booking ceilings, retries, and how long the stock lasts."""
    c = new_calc("Lock capacity", dict(seats=seats, lock_hold_time=lock_hold_time, retry_rate=retry_rate,
                                       seats_per_booking=seats_per_booking), samples=samples, seed=seed)
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
