"""The whole Ticketmaster napkin template in one worksheet.

Traffic → storage → bandwidth → cache, then the on-sale checks that matter for a ticketing
system: contention for the hottest event, what seat locks can carry, the waiting room, and
the timeout cascade. Every input shares one sampler, so a range on ``dau`` flows through
searches, QPS, logs and bandwidth with the same draws.
"""

from __future__ import annotations

from typing import Any

from ticketlab.estimate.inputs import declare
from ticketlab.estimate.bandwidth import bandwidth_steps
from ticketlab.estimate.cache import cache_steps
from ticketlab.estimate.storage import storage_steps
from ticketlab.estimate.traffic import traffic_steps
from ticketlab.estimate.capacity import lock_capacity_steps
from ticketlab.estimate.contention import contention_steps
from ticketlab.estimate.timeouts import timeout_steps
from ticketlab.estimate.waiting_room import waiting_room_steps
from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.worksheet import Calc, Worksheet

__all__ = ["ticketmaster_template", "template_steps", "TEMPLATE_INPUTS"]

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


def ticketmaster_template(inputs: dict[str, Any], *, title: str = "Ticketmaster napkin math",
                          notes: dict[str, str] | None = None,
                          samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Fill the template from ``inputs`` (every name in :data:`TEMPLATE_INPUTS`)."""
    from ticketlab.core.errors import InputError

    missing = [k for k in TEMPLATE_INPUTS if k not in inputs]
    if missing:
        raise InputError("inputs", f"missing {', '.join(missing)}", "a value for every template input (see TEMPLATE_INPUTS)")
    c = Calc(title, samples=samples, seed=seed)
    declare(c, {k: inputs[k] for k in TEMPLATE_INPUTS}, notes)
    template_steps(c)
    return c.worksheet()


def template_steps(c: Calc) -> None:
    """Every step of the template, in the order a whiteboard would show them."""
    traffic_steps(c)
    storage_steps(c)
    bandwidth_steps(c)
    cache_steps(c)
    contention_steps(c)
    lock_capacity_steps(c)
    waiting_room_steps(c)
    timeout_steps(c)
