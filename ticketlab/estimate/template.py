"""The whole Ticketmaster napkin template in one worksheet.

Traffic → storage → bandwidth → cache, then the on-sale checks that matter for a ticketing
system: contention for the hottest event, what seat locks can carry, the waiting room, and
the timeout cascade. Every input shares one sampler, so a range on ``dau`` flows through
searches, QPS, logs and bandwidth with the same draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ticketlab.core.errors import InputError
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.bandwidth import BANDWIDTH
from ticketlab.estimate.cache import CACHE
from ticketlab.estimate.capacity import LOCK_CAPACITY
from ticketlab.estimate.contention import CONTENTION
from ticketlab.estimate.inputs import new_calc
from ticketlab.estimate.storage import STORAGE
from ticketlab.estimate.timeouts import cascade_steps
from ticketlab.estimate.traffic import TRAFFIC
from ticketlab.estimate.waiting_room import WAITING_ROOM
from ticketlab.worksheet import Calc, Equation as E, Worksheet

__all__ = ["ticketmaster_template", "template_steps", "TEMPLATE_INPUTS", "TEMPLATE", "ADMITTED_SESSIONS"]

#: Every input the template reads.
TEMPLATE_INPUTS = (
    "total_users", "dau", "searches_per_user", "bookings_per_day", "booking_success_rate",
    "payments_per_booking", "peak_multiplier", "extreme_multiplier",
    "events", "event_size", "seats_per_event", "seat_size", "booking_size", "retention_years",
    "user_size", "log_record_size", "log_retention_years",
    "search_response_size", "booking_request_size", "payment_request_size",
    "hot_event_fraction", "popular_queries", "session_size", "peak_bookings_per_minute",
    "booking_attempt_time",
    "users", "seats", "seats_per_booking", "lock_hold_time", "retry_rate", "sale_window", "throttle_rate",
    "booking_hold", "lock_ttl", "http_call", "db_statement",
)

#: The source's other reading of its 10K sessions: the room's admitted rate × the time a booking stays open.
ADMITTED_SESSIONS = E("admitted_sessions", "Bookings in progress behind the waiting room (Little's law)",
                      "effective_admit_rate * booking_attempt_time", "sessions",
                      "L = λ × W with the throttle's rate instead of the peak bookings a minute")

#: Every step of the template but the cascade, in the order a whiteboard would show them.
TEMPLATE = (*TRAFFIC, *STORAGE, *BANDWIDTH, *CACHE, *CONTENTION, *LOCK_CAPACITY, *WAITING_ROOM, ADMITTED_SESSIONS)


def template_steps(c: Calc) -> None:
    """Every step of the template, the timeout cascade last."""
    c.derive(TEMPLATE)
    cascade_steps(c)


def ticketmaster_template(inputs: Mapping[str, Any], *, title: str = "Ticketmaster napkin math",
                          notes: Mapping[str, str] | None = None,
                          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Fill the template from ``inputs`` (every name in :data:`TEMPLATE_INPUTS`)."""
    missing = [k for k in TEMPLATE_INPUTS if k not in inputs]
    if missing:
        raise InputError("inputs", f"missing {', '.join(missing)}",
                         "a value for every template input (see TEMPLATE_INPUTS)")
    c = new_calc(title, {k: inputs[k] for k in TEMPLATE_INPUTS}, notes, samples=samples, seed=seed)
    template_steps(c)
    return c.worksheet()
