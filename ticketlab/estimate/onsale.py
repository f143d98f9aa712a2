"""One big on-sale: a stadium's worth of seats and far more people than seats.

The Super Bowl practice problem and the Taylor Swift release are both this worksheet:
contention, the booking QPS the sale needs (successful bookings over the window, times the
contention, times a retry headroom), the waiting room, the event's storage, and what the
seat locks could carry at most.
"""

from __future__ import annotations

import numpy as np

from ticketlab.estimate.inputs import start
from ticketlab.estimate.capacity import lock_capacity_steps
from ticketlab.estimate.contention import contention_steps
from ticketlab.estimate.waiting_room import waiting_room_steps
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["onsale", "onsale_steps"]


def onsale_steps(c: Calc) -> None:
    contention_steps(c)
    c.step("successful_bookings", "Successful bookings", "minimum(users, bookings_available)",
           lambda v, K: np.minimum(v.users, v.bookings_available),
           unit="bookings")
    c.step("booking_qps", "Successful booking QPS over the window", "successful_bookings / sale_window",
           lambda v, K: v.successful_bookings / v.sale_window, unit="req/s", napkin_sig=1)
    c.step("attempt_qps", "Booking attempt QPS", "booking_qps * contention_ratio",
           lambda v, K: v.booking_qps * v.contention_ratio, unit="req/s",
           note="every seat is chased by contention_ratio people")
    c.step("booking_qps_capacity", "Booking QPS capacity needed", "attempt_qps * retry_factor",
           lambda v, K: v.attempt_qps * v.retry_factor, unit="req/s")
    waiting_room_steps(c)
    c.step("event_storage", "Event record", "event_size", lambda v, K: v.event_size, unit="B")
    c.step("seats_storage", "Seat records", "seats * seat_size", lambda v, K: v.seats * v.seat_size, unit="B")
    c.step("bookings_storage", "Booking records", "successful_bookings * booking_size",
           lambda v, K: v.successful_bookings * v.booking_size, unit="B")
    lock_capacity_steps(c, ceiling="lock_qps_ceiling")


def onsale(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min", retry_factor=2,
           throttle_rate="100/s", event_size="10 KB", seat_size="100 B", booking_size="500 B",
           lock_hold_time="5s", retry_rate=0.5, *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The whole on-sale worksheet. Defaults are the Super Bowl practice problem."""
    c = start("On-sale rush", locals())
    onsale_steps(c)
    return c.worksheet()
