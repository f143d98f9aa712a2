"""The virtual waiting room: admit users at a rate the booking path can take.

To let everyone in during the sale window the room must admit users ÷ window per second.
A throttle below that stretches the sale: sale duration = users ÷ throttle rate. Only
seats ÷ seats per booking users can ever succeed; the rest end on a waitlist, and at the
throttled rate the last seat is gone after bookings available ÷ throttle rate seconds.
"""

from __future__ import annotations

import numpy as np

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["waiting_room", "waiting_room_steps"]


def waiting_room_steps(c: Calc) -> None:
    if "bookings_available" not in c:
        c.step("bookings_available", "Bookings the seats allow", "seats / seats_per_booking",
               lambda v, K: v.seats / v.seats_per_booking, unit="bookings")
    c.step("admit_rate", "Admit rate to serve everyone in the window", "users / sale_window",
           lambda v, K: v.users / v.sale_window, unit="users/s", napkin_sig=3)
    c.step("sale_duration_seconds", "Sale duration at the throttled rate", "users / throttle_rate",
           lambda v, K: v.users / v.throttle_rate, unit="s")
    c.step("users_served", "Users who can book", "minimum(users, bookings_available)",
           lambda v, K: np.minimum(v.users, v.bookings_available), unit="users")
    c.step("waitlisted_users", "Users waitlisted", "users - users_served",
           lambda v, K: v.users - v.users_served, unit="users")
    c.step("success_rate", "Share of users who book", "users_served / users",
           lambda v, K: v.users_served / v.users, unit="%")
    c.step("sellout_seconds", "Time to sell out at the throttled rate", "bookings_available / throttle_rate",
           lambda v, K: v.bookings_available / v.throttle_rate, unit="s",
           note="after this, admitted users only find a waitlist")


def waiting_room(users="500K", seats="50K", seats_per_booking=4, sale_window="30 min",
                 throttle_rate="100/s", *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Admit rate, throttled sale duration, users served vs waitlisted, time to sell out."""
    c = start("Waiting room", locals())
    waiting_room_steps(c)
    return c.worksheet()
