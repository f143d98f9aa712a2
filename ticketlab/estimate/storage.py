"""Storage: records × bytes per record, per kind of data, and the total.

Decimal units throughout (1 KB = 1,000 B). Bookings accumulate for their retention period:
bookings per day × 365 × years. Logs are one record per search/browse operation.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["storage", "STORAGE"]

#: The storage steps (need ``searches_per_day``: from the traffic steps, or given).
STORAGE = (
    E("events_storage", "Events data", "events * event_size", "B"),
    E("total_seats", "Seats across all events", "events * seats_per_event", "seats"),
    E("seats_storage", "Seats data", "total_seats * seat_size", "B"),
    E("total_bookings", "Bookings kept", "bookings_per_day * days_per_year * retention_years", "bookings"),
    E("bookings_storage", "Bookings data", "total_bookings * booking_size", "B"),
    E("users_storage", "Users data", "total_users * user_size", "B"),
    E("logs_storage", "Analytics/logs", "searches_per_day * days_per_year * log_retention_years * log_record_size",
      "B", "one record per search/browse operation"),
    E("total_storage", "Total storage",
      "napkin(events_storage + seats_storage + bookings_storage + users_storage + logs_storage)", "B"),
)


def storage(events="500K", event_size="10 KB", seats_per_event="10K", seat_size="100 B",
            bookings_per_day="500K", booking_size="500 B", retention_years=5, total_users="200M",
            user_size="2 KB", searches_per_day="50M", log_record_size="200 B", log_retention_years=1, *,
            samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Bytes for events, seats, bookings (with retention), users and logs, and their total."""
    c = new_calc("Storage", dict(
        events=events, event_size=event_size, seats_per_event=seats_per_event, seat_size=seat_size,
        bookings_per_day=bookings_per_day, booking_size=booking_size, retention_years=retention_years,
        total_users=total_users, user_size=user_size, searches_per_day=searches_per_day,
        log_record_size=log_record_size, log_retention_years=log_retention_years), samples=samples, seed=seed)
    c.derive(STORAGE)
    return c.worksheet()
