"""The virtual waiting room: admit users at a rate the booking path can take.

To let everyone in during the sale window the room must admit users ÷ window per second.
A throttle below that stretches the sale: sale duration = users ÷ throttle rate. Only
seats ÷ seats per booking users can ever succeed; the rest end on a waitlist, and at the
throttled rate the last seat is gone after bookings available ÷ throttle rate seconds.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["waiting_room", "WAITING_ROOM"]

WAITING_ROOM = (
    E("bookings_available", "Bookings the seats allow", "seats / seats_per_booking", "bookings", fallback=True),
    E("admit_rate", "Admit rate to serve everyone in the window", "napkin(users / sale_window, 3)", "users/s"),
    E("sale_duration_seconds", "Sale duration at the throttled rate", "users / throttle_rate", "s"),
    E("users_served", "Users who can book", "minimum(users, bookings_available)", "users"),
    E("waitlisted_users", "Users waitlisted", "users - users_served", "users"),
    E("success_rate", "Share of users who book", "users_served / users", "%"),
    E("sellout_seconds", "Time to sell out at the throttled rate", "bookings_available / throttle_rate", "s",
      "after this, admitted users only find a waitlist"),
)


def waiting_room(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min",
                 throttle_rate="100/s", *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Admit rate, throttled sale duration, users served vs waitlisted, time to sell out."""
    c = new_calc("Waiting room", dict(users=users, seats=seats, seats_per_booking=seats_per_booking,
                                      sale_window=sale_window, throttle_rate=throttle_rate),
                 samples=samples, seed=seed)
    c.derive(WAITING_ROOM)
    return c.worksheet()
