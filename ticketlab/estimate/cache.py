"""Cache: what must sit in memory (Redis) at peak.

Hot events: a share of all events, each with its record and its seat map; a seat map is
seats per event × bytes per seat. Popular searches: cached result pages. Sessions: every
booking in progress at peak, and Little's law tells how many that is:
concurrent sessions = bookings started per second × how long each stays open.
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["cache", "CACHE"]

CACHE = (
    E("hot_events", "Hot events", "events * hot_event_fraction", "events"),
    E("seat_map_size", "Seat map per event", "seats_per_event * seat_size", "B"),
    E("hot_events_cache", "Hot events + seat maps", "hot_events * (event_size + seat_map_size)", "B"),
    E("popular_searches_cache", "Popular searches", "popular_queries * search_response_size", "B"),
    E("peak_booking_rate", "Peak bookings per second", "peak_bookings_per_minute / seconds_per_minute", "req/s"),
    E("concurrent_sessions", "Bookings in progress at peak (Little's law)",
      "peak_booking_rate * booking_attempt_time", "sessions", "L = λ × W: arrivals per second × seconds each stays"),
    E("sessions_cache", "Session data", "concurrent_sessions * session_size", "B"),
    E("total_cache", "Total cache", "hot_events_cache + popular_searches_cache + sessions_cache", "B"),
)


def cache(events="500K", hot_event_fraction="1%", event_size="10 KB", seats_per_event="10K",
          seat_size="100 B", popular_queries="10K", search_response_size="50 KB",
          peak_bookings_per_minute="10K", booking_attempt_time="10 min", session_size="50 KB", *,
          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Memory for hot events with their seat maps, popular searches and live booking sessions."""
    c = new_calc("Cache", dict(
        events=events, hot_event_fraction=hot_event_fraction, event_size=event_size,
        seats_per_event=seats_per_event, seat_size=seat_size, popular_queries=popular_queries,
        search_response_size=search_response_size, peak_bookings_per_minute=peak_bookings_per_minute,
        booking_attempt_time=booking_attempt_time, session_size=session_size), samples=samples, seed=seed)
    c.derive(CACHE)
    return c.worksheet()
