"""Venues that sell many performances: a theatre season, a sports season, a cinema.

Seats to manage = productions × seats per show × shows per week × weeks on sale. Months
become weeks at 4 per month on the napkin and 52 / 12 ≈ 4.33 exactly, so "3 months ahead"
is 12 weeks on the napkin and 13 in the calendar.
Peak booking QPS comes from Little's law: concurrent users ÷ time one booking takes.
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.estimate.contention import contention_steps
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["schedule", "schedule_steps", "season", "season_steps"]


def schedule_steps(c: Calc) -> None:
    c.step("weeks_ahead", "Weeks on sale", "horizon_months * weeks_per_month",
           lambda v, K: v.horizon_months * K.weeks_per_month, unit="weeks",
           note="napkin 4 weeks a month; exactly 52/12")
    c.step("total_seats", "Seats to manage", "productions * seats_per_show * shows_per_week * weeks_ahead",
           lambda v, K: v.productions * v.seats_per_show * v.shows_per_week * v.weeks_ahead, unit="seats")
    c.step("peak_booking_qps", "Peak booking QPS (Little's law)", "users / booking_time",
           lambda v, K: v.users / v.booking_time, unit="req/s", napkin_sig=3,
           note="λ = L ÷ W: a rate of bookings, not a count")
    c.step("booking_qps_capacity", "Booking QPS capacity needed", "peak_booking_qps * safety_factor",
           lambda v, K: v.peak_booking_qps * v.safety_factor, unit="req/s")
    c.step("seats_storage", "Seat records", "total_seats * seat_size",
           lambda v, K: v.total_seats * v.seat_size, unit="B")
    c.step("bookings_kept", "Bookings kept",
           "productions * seats_per_show * shows_per_week * 52 * retention_years / seats_per_booking",
           lambda v, K: v.productions * v.seats_per_show * v.shows_per_week * 52 * v.retention_years
           / v.seats_per_booking, unit="bookings", note="every seat of every show sold")
    c.step("bookings_storage", "Booking records", "bookings_kept * booking_size",
           lambda v, K: v.bookings_kept * v.booking_size, unit="B")
    c.step("total_storage", "Total storage", "seats_storage + bookings_storage",
           lambda v, K: v.seats_storage + v.bookings_storage, unit="B")
    c.step("seat_map_cache", "Hot seat maps", "hot_shows * seats_per_show * seat_size",
           lambda v, K: v.hot_shows * v.seats_per_show * v.seat_size, unit="B")
    c.step("session_cache", "Session data", "users * session_size",
           lambda v, K: v.users * v.session_size, unit="B")
    c.step("total_cache", "Total cache", "seat_map_cache + session_cache",
           lambda v, K: v.seat_map_cache + v.session_cache, unit="B")


def schedule(productions=20, seats_per_show=1500, shows_per_week=8, horizon_months=3, users="50K",
             booking_time="5 min", safety_factor=2, seat_size="100 B", booking_size="500 B",
             seats_per_booking=1, retention_years=1, hot_shows=5, session_size="10 KB", *,
             samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Seats, peak QPS, storage and cache of a multi-show venue. Defaults: the Broadway problem."""
    c = start("Show schedule", locals())
    schedule_steps(c)
    return c.worksheet()


def season_steps(c: Calc) -> None:
    c.step("seat_events", "Seat-events in the season", "games * seats_per_show",
           lambda v, K: v.games * v.seats_per_show, unit="seats")
    c.step("seats_storage", "Seat records", "seat_events * seat_size",
           lambda v, K: v.seat_events * v.seat_size, unit="B")
    if "seats" not in c:
        c.step("seats", "Seats per game", "seats_per_show", lambda v, K: v.seats_per_show, unit="seats")
    contention_steps(c)


def season(games=82, seats_per_show="20K", seat_size="100 B", users="1K", seats_per_booking=2, *,
           samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Season tickets: seat-events to store and the (low) contention of a sale spread over weeks."""
    c = start("Season tickets", locals())
    season_steps(c)
    return c.worksheet()
