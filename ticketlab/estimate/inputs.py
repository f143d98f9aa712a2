"""What each named input means: label, unit, how to parse it, what range is valid.

Every estimator declares its inputs through :func:`new_calc`, so a name means the same thing
(and is checked the same way) in every worksheet, slider and exercise. Adding an input is one
line in :data:`INPUTS`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from collections.abc import Mapping

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc

__all__ = ["InputSpec", "INPUTS", "new_calc", "declare"]


class InputSpec(NamedTuple):
    label: str
    unit: str = ""
    dimension: str | None = "count"
    minimum: float = 0.0
    inclusive: bool = False
    maximum: float | None = None


def _frac(label: str, inclusive: bool = False) -> InputSpec:
    return InputSpec(label, "%", "fraction", 0.0, inclusive)  # the parser keeps a fraction within 0..1


INPUTS: dict[str, InputSpec] = {
    # users and traffic
    "total_users": InputSpec("Registered users", "users"),
    "dau": InputSpec("Daily active users", "users"),
    "searches_per_user": InputSpec("Searches per active user per day", "searches"),
    "bookings_per_day": InputSpec("Successful bookings per day", "bookings"),
    "searches_per_day": InputSpec("Search/browse operations per day", "searches"),
    "payments_per_day": InputSpec("Payments per day", "payments"),
    "booking_success_rate": _frac("Share of booking attempts that end paid"),
    "payments_per_booking": InputSpec("Payments per successful booking", "payments"),
    "peak_multiplier": InputSpec("Normal peak multiplier", "x", "multiplier", 1.0, True),
    "extreme_multiplier": InputSpec("Extreme (on-sale) peak multiplier", "x", "multiplier", 1.0, True),
    "peak_bookings_per_minute": InputSpec("Peak bookings per minute", "bookings"),
    "booking_attempt_time": InputSpec("Time one booking attempt stays open", "s", "seconds"),
    # storage
    "events": InputSpec("Events in the system", "events"),
    "event_size": InputSpec("Bytes per event record", "B", "bytes"),
    "seats_per_event": InputSpec("Seats per event (venue size)", "seats"),
    "seat_size": InputSpec("Bytes per seat record", "B", "bytes"),
    "booking_size": InputSpec("Bytes per booking record", "B", "bytes"),
    "retention_years": InputSpec("Years bookings are kept", "years"),
    "user_size": InputSpec("Bytes per user profile", "B", "bytes"),
    "log_record_size": InputSpec("Bytes per analytics/log record", "B", "bytes"),
    "log_retention_years": InputSpec("Years logs are kept", "years"),
    # bandwidth
    "search_response_size": InputSpec("Bytes per search response", "B", "bytes"),
    "booking_request_size": InputSpec("Bytes per booking request", "B", "bytes"),
    "payment_request_size": InputSpec("Bytes per payment request", "B", "bytes"),
    # cache
    "hot_event_fraction": _frac("Share of events that are hot"),
    "popular_queries": InputSpec("Popular search queries cached", "queries"),
    "session_size": InputSpec("Bytes per booking session", "B", "bytes"),
    # funnel
    "searchers": InputSpec("Users who search", "users"),
    "attempt_rate": _frac("Share of searchers who try to book"),
    # contention, capacity, waiting room
    "users": InputSpec("Concurrent users", "users"),
    "seats": InputSpec("Seats on sale", "seats"),
    "seats_per_booking": InputSpec("Seats per booking", "seats"),
    "lock_hold_time": InputSpec("Average lock hold time", "s", "seconds"),
    "retry_rate": InputSpec("Retries per successful lock", "x", "multiplier", 0.0, True),
    "sale_window": InputSpec("Booking window", "s", "seconds"),
    "retry_factor": InputSpec("Retry headroom factor", "x", "multiplier", 1.0, True),
    "throttle_rate": InputSpec("Waiting-room admit rate (throttled)", "users/s", "per_second"),
    "arrival_rate": InputSpec("Arrival rate", "per s", "per_second"),
    "time_in_system": InputSpec("Time each one stays", "s", "seconds"),
    "concurrency": InputSpec("How many are in the system at once", ""),
    # schedules (theatre, sports)
    "seats_per_show": InputSpec("Seats per show", "seats"),
    "shows_per_week": InputSpec("Shows per week", "shows"),
    "productions": InputSpec("Productions on sale", "productions"),
    "horizon_months": InputSpec("Months sold in advance", "months"),
    "booking_time": InputSpec("Time one booking takes", "s", "seconds"),
    "safety_factor": InputSpec("Safety factor on capacity", "x", "multiplier", 1.0, True),
    "hot_shows": InputSpec("Hot shows cached", "shows"),
    "games": InputSpec("Games in the season", "games"),
    "home_game_share": _frac("Share of the season's games played at home"),
    # general admission
    "inventory_shards": InputSpec("Counter rows the passes are split across", "rows"),
    "counter_update_time": InputSpec("Time one conditional decrement holds a counter row", "s", "seconds"),
    # timeouts
    "booking_hold": InputSpec("Booking hold (user timeout)", "s", "seconds"),
    "lock_ttl": InputSpec("Lock TTL", "s", "seconds"),
    "db_statement": InputSpec("Database statement timeout", "s", "seconds"),
    "http_call": InputSpec("HTTP request timeout", "s", "seconds"),
}


def new_calc(title: str, inputs: Mapping[str, Any], notes: Mapping[str, str] | None = None, *,
             samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Calc:
    """A :class:`Calc` with each of ``inputs`` declared as a given, checked by its :data:`INPUTS` spec."""
    c = Calc(title, samples=samples, seed=seed)
    declare(c, inputs, notes)
    return c


def declare(c: Calc, values: Mapping[str, Any], notes: Mapping[str, str] | None = None) -> None:
    """Declare each named value on ``c`` with its :data:`INPUTS` spec (skipping ones it has)."""
    notes = notes or {}
    for key, value in values.items():
        if key in c:
            continue
        spec = INPUTS[key]
        c.given(key, value, label=spec.label, unit=spec.unit, dimension=spec.dimension,
                note=notes.get(key, ""), minimum=spec.minimum, inclusive=spec.inclusive, maximum=spec.maximum)
