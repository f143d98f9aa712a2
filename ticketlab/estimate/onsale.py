"""One big on-sale: a stadium's worth of seats and far more people than seats.

The Super Bowl practice problem and the Taylor Swift release are both this worksheet:
contention, the booking QPS the sale needs (successful bookings over the window, times the
contention, times a retry headroom), the waiting room, the event's storage, and what the
seat locks could carry at most.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.capacity import LOCK_CAPACITY
from ticketlab.estimate.contention import CONTENTION
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.waiting_room import WAITING_ROOM
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["onsale", "ONSALE"]

ONSALE = (
    *CONTENTION,
    E("successful_bookings", "Successful bookings", "minimum(users, bookings_available)", "bookings"),
    E("booking_qps", "Successful booking QPS over the window", "napkin(successful_bookings / sale_window)", "req/s"),
    E("attempt_qps", "Booking attempt QPS", "booking_qps * contention_ratio", "req/s",
      "every seat is chased by contention_ratio people"),
    E("booking_qps_capacity", "Booking QPS capacity needed", "attempt_qps * retry_factor", "req/s"),
    *WAITING_ROOM,
    E("event_storage", "Event record", "event_size", "B"),
    E("seats_storage", "Seat records", "seats * seat_size", "B"),
    E("bookings_storage", "Booking records", "successful_bookings * booking_size", "B"),
    *LOCK_CAPACITY,
)


def onsale(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min", retry_factor=2,
           throttle_rate="100/s", event_size="10 KB", seat_size="100 B", booking_size="500 B",
           lock_hold_time="5s", retry_rate=0.5, *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """The whole on-sale worksheet. Defaults are the Super Bowl practice problem."""
    c = new_calc("On-sale rush", dict(
        users=users, seats=seats, seats_per_booking=seats_per_booking, sale_window=sale_window,
        retry_factor=retry_factor, throttle_rate=throttle_rate, event_size=event_size, seat_size=seat_size,
        booking_size=booking_size, lock_hold_time=lock_hold_time, retry_rate=retry_rate), samples=samples, seed=seed)
    c.derive(ONSALE)
    return c.worksheet()
