"""Storage: records × bytes per record, per kind of data, and the total.

Decimal units throughout (1 KB = 1,000 B). Bookings accumulate for their retention period:
bookings per day × 365 × years. Logs are one record per search/browse operation.
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["storage", "storage_steps"]


def storage_steps(c: Calc) -> None:
    """Append the storage steps (needs ``searches_per_day``: from traffic, or given)."""
    c.step("events_storage", "Events data", "events * event_size",
           lambda v, K: v.events * v.event_size, unit="B")
    c.step("total_seats", "Seats across all events", "events * seats_per_event",
           lambda v, K: v.events * v.seats_per_event, unit="seats")
    c.step("seats_storage", "Seats data", "total_seats * seat_size",
           lambda v, K: v.total_seats * v.seat_size, unit="B")
    c.step("total_bookings", "Bookings kept", "bookings_per_day * 365 * retention_years",
           lambda v, K: v.bookings_per_day * 365 * v.retention_years, unit="bookings")
    c.step("bookings_storage", "Bookings data", "total_bookings * booking_size",
           lambda v, K: v.total_bookings * v.booking_size, unit="B")
    c.step("users_storage", "Users data", "total_users * user_size",
           lambda v, K: v.total_users * v.user_size, unit="B")
    c.step("logs_storage", "Analytics/logs", "searches_per_day * 365 * log_retention_years * log_record_size",
           lambda v, K: v.searches_per_day * 365 * v.log_retention_years * v.log_record_size, unit="B",
           note="one record per search/browse operation")
    c.step("total_storage", "Total storage",
           "events_storage + seats_storage + bookings_storage + users_storage + logs_storage",
           lambda v, K: v.events_storage + v.seats_storage + v.bookings_storage + v.users_storage + v.logs_storage,
           unit="B", napkin_sig=1)


def storage(events="500K", event_size="10 KB", seats_per_event="10K", seat_size="100 B",
            bookings_per_day="500K", booking_size="500 B", retention_years=5, total_users="200M",
            user_size="2 KB", searches_per_day="50M", log_record_size="200 B", log_retention_years=1, *,
            samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Bytes for events, seats, bookings (with retention), users and logs, and their total."""
    c = start("Storage", {k: v for k, v in locals().items() if k != "searches_per_day"})
    c.given("searches_per_day", searches_per_day, label="Search/browse operations per day", unit="searches",
            dimension="count")
    storage_steps(c)
    return c.worksheet()
