"""The virtual waiting room: admit users at a rate the booking path can take.

To let everyone in during the sale window the room must admit users ÷ window per second.
The room admits at most its throttle, so the rate users really get in is
effective admit rate = min(throttle, users ÷ window): a throttle above demand changes nothing.
At that rate the sale lasts users ÷ effective admit rate. Only seats ÷ seats per booking users
can ever succeed; the rest end on a waitlist, and the last booking is made after
users served ÷ effective admit rate seconds.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["waiting_room", "WAITING_ROOM"]

WAITING_ROOM = (
    E("bookings_available", "Bookings the seats allow", "seats / seats_per_booking", "bookings", fallback=True),
    E("admit_rate", "Admit rate to serve everyone in the window", "users / sale_window", "users/s"),
    E("effective_admit_rate", "Admit rate behind the waiting room", "minimum(throttle_rate, admit_rate)", "users/s",
      "the throttle, or demand where demand is lower"),
    E("sale_duration_seconds", "Sale duration at the admitted rate", "users / effective_admit_rate", "s"),
    E("users_served", "Users who can book", "minimum(users, bookings_available)", "users"),
    E("waitlisted_users", "Users waitlisted", "users - users_served", "users"),
    E("success_rate", "Share of users who book", "users_served / users", "%"),
    E("sellout_seconds", "Time to the last booking at the admitted rate", "users_served / effective_admit_rate", "s",
      "after this, admitted users only find a waitlist"),
)


def waiting_room(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min",
                 throttle_rate="100/s", *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Admit rate, the rate admitted, sale duration, users served vs waitlisted, time to the last booking."""
    c = new_calc("Waiting room", dict(users=users, seats=seats, seats_per_booking=seats_per_booking,
                                      sale_window=sale_window, throttle_rate=throttle_rate),
                 samples=samples, seed=seed)
    c.derive(WAITING_ROOM)
    return c.worksheet()
