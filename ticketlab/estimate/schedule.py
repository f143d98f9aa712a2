"""Venues that sell many performances: a theatre season, a sports season, a cinema.

Seats to manage = productions × seats per show × shows per week × weeks on sale. Months
become weeks at 4 per month on the napkin and 52 / 12 ≈ 4.33 exactly, so "3 months ahead"
is 12 weeks on the napkin and 13 in the calendar.
Peak booking QPS comes from Little's law: concurrent users ÷ time one booking takes.

When a block of dates opens (:data:`BLOCK_RELEASE`, Hamilton), the block is one on-sale: its
seats, the users who rush it, the waiting room, and contention by ratio and by rate. A season
ticket holder's team sells its *home* games: seat-events = games × home share × seats.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.contention import CONTENTION
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.onsale import ATTEMPT, RATE_CHECK
from ticketlab.estimate.waiting_room import WAITING_ROOM
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["schedule", "SCHEDULE", "season", "SEASON", "block_release", "BLOCK_RELEASE"]

SCHEDULE = (
    E("weeks_ahead", "Weeks on sale", "horizon_months * weeks_per_month", "weeks",
      "napkin 4 weeks a month; exactly 52/12"),
    E("total_seats", "Seats to manage", "productions * seats_per_show * shows_per_week * weeks_ahead", "seats"),
    E("peak_booking_qps", "Peak booking QPS (Little's law)", "napkin(users / booking_time, 3)", "req/s",
      "λ = L ÷ W: a rate of bookings, not a count; the napkin keeps three figures, as the source carries 167"),
    E("booking_qps_capacity", "Booking QPS capacity needed", "peak_booking_qps * safety_factor", "req/s"),
    E("seats_storage", "Seat records", "total_seats * seat_size", "B"),
    E("bookings_kept", "Bookings kept",
      "productions * seats_per_show * shows_per_week * weeks_per_year * retention_years / seats_per_booking",
      "bookings", "every seat of every show sold"),
    E("bookings_storage", "Booking records", "bookings_kept * booking_size", "B"),
    E("total_storage", "Total storage", "seats_storage + bookings_storage", "B"),
    E("seat_map_cache", "Hot seat maps", "hot_shows * seats_per_show * seat_size", "B"),
    E("session_cache", "Session data", "users * session_size", "B"),
    E("total_cache", "Total cache", "seat_map_cache + session_cache", "B"),
)

#: The block of dates as one on-sale (after :data:`SCHEDULE`).
BLOCK_RELEASE = (
    *SCHEDULE,
    E("seats", "Seats released in the block", "total_seats", "seats"),
    *CONTENTION,
    E("successful_bookings", "Successful bookings", "minimum(users, bookings_available)", "bookings"),
    ATTEMPT,
    *WAITING_ROOM,
    *RATE_CHECK,
    E("sellout_in_booking_times", "Time to the last booking ÷ time one booking takes", "sellout_seconds / booking_time",
      "x", "below 1: the block is gone before one booking finishes, so no steady L ÷ W ever forms"),
)

SEASON = (
    E("home_games", "Home games (the team sells these)", "games * home_game_share", "games"),
    E("seat_events", "Seat-events in the season", "home_games * seats_per_show", "seats"),
    E("seats_storage", "Seat records", "seat_events * seat_size", "B"),
    E("seats", "Seats per game", "seats_per_show", "seats", fallback=True),
    *CONTENTION,
)


def schedule(productions=20, seats_per_show=1500, shows_per_week=8, horizon_months=3, users="50K",
             booking_time="5 min", safety_factor=2, seat_size="100 B", booking_size="500 B",
             seats_per_booking=1, retention_years=1, hot_shows=5, session_size="10 KB", *,
             samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Seats, peak QPS, storage and cache of a multi-show venue. Defaults: the Broadway problem."""
    c = new_calc("Show schedule", dict(
        productions=productions, seats_per_show=seats_per_show, shows_per_week=shows_per_week,
        horizon_months=horizon_months, users=users, booking_time=booking_time, safety_factor=safety_factor,
        seat_size=seat_size, booking_size=booking_size, seats_per_booking=seats_per_booking,
        retention_years=retention_years, hot_shows=hot_shows, session_size=session_size), samples=samples, seed=seed)
    c.derive(SCHEDULE)
    return c.worksheet()


def block_release(productions=1, seats_per_show=1400, shows_per_week=8, horizon_months=6, users="200K",
                  booking_time="5 min", safety_factor=2, seat_size="100 B", booking_size="500 B",
                  seats_per_booking=2.5, retention_years=1, hot_shows=50, session_size="10 KB",
                  sale_window="5 min", throttle_rate="1K/s", lock_hold_time="5s", *,
                  samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """A venue's schedule plus the on-sale when a block of dates opens. Defaults: Hamilton."""
    c = new_calc("Block release", dict(
        productions=productions, seats_per_show=seats_per_show, shows_per_week=shows_per_week,
        horizon_months=horizon_months, users=users, booking_time=booking_time, safety_factor=safety_factor,
        seat_size=seat_size, booking_size=booking_size, seats_per_booking=seats_per_booking,
        retention_years=retention_years, hot_shows=hot_shows, session_size=session_size, sale_window=sale_window,
        throttle_rate=throttle_rate, lock_hold_time=lock_hold_time), samples=samples, seed=seed)
    c.derive(BLOCK_RELEASE)
    return c.worksheet()


def season(games=82, seats_per_show="20K", seat_size="100 B", users="1K", seats_per_booking=2,
           home_game_share="50%", *, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Season tickets: seat-events of the home games to store, and the (low) contention of a sale over weeks."""
    c = new_calc("Season tickets", dict(games=games, home_game_share=home_game_share, seats_per_show=seats_per_show,
                                        seat_size=seat_size, users=users, seats_per_booking=seats_per_booking),
                 samples=samples, seed=seed)
    c.derive(SEASON)
    return c.worksheet()
