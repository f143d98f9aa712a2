"""Cache: what must sit in memory (Redis) at peak.

Hot events: a share of all events, each with its record and its seat map; a seat map is
seats per event × bytes per seat. Popular searches: cached result pages. Sessions: every
booking in progress at peak, and Little's law tells how many that is:
concurrent sessions = bookings started per second × how long each stays open.
"""

from __future__ import annotations

from ticketlab.estimate.inputs import start
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["cache", "cache_steps"]


def cache_steps(c: Calc) -> None:
    c.step("hot_events", "Hot events", "events * hot_event_fraction",
           lambda v, K: v.events * v.hot_event_fraction, unit="events")
    c.step("seat_map_size", "Seat map per event", "seats_per_event * seat_size",
           lambda v, K: v.seats_per_event * v.seat_size, unit="B")
    c.step("hot_events_cache", "Hot events + seat maps", "hot_events * (event_size + seat_map_size)",
           lambda v, K: v.hot_events * (v.event_size + v.seat_map_size), unit="B")
    c.step("popular_searches_cache", "Popular searches", "popular_queries * search_response_size",
           lambda v, K: v.popular_queries * v.search_response_size, unit="B")
    c.step("concurrent_sessions", "Bookings in progress at peak (Little's law)",
           "peak_bookings_per_minute / 60 * booking_attempt_time",
           lambda v, K: v.peak_bookings_per_minute / 60 * v.booking_attempt_time, unit="sessions",
           note="L = λ × W: arrivals per second × seconds each stays")
    c.step("sessions_cache", "Session data", "concurrent_sessions * session_size",
           lambda v, K: v.concurrent_sessions * v.session_size, unit="B")
    c.step("total_cache", "Total cache", "hot_events_cache + popular_searches_cache + sessions_cache",
           lambda v, K: v.hot_events_cache + v.popular_searches_cache + v.sessions_cache, unit="B")


def cache(events="500K", hot_event_fraction="1%", event_size="10 KB", seats_per_event="10K",
          seat_size="100 B", popular_queries="10K", search_response_size="50 KB",
          peak_bookings_per_minute="10K", booking_attempt_time="10 min", session_size="50 KB", *,
          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Memory for hot events with their seat maps, popular searches and live booking sessions."""
    c = start("Cache", locals())
    cache_steps(c)
    return c.worksheet()
