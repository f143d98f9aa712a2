"""Bandwidth: QPS × bytes per request or response, per flow, and at peak.

Peak bandwidth = (sum of the flows) × peak multiplier. Bytes per second × 8 = bits per
second, the unit network links are sold in (250 MB/s ≈ 2 Gbps).
"""

from __future__ import annotations

from ticketlab.core.uncertainty import DEFAULT_SAMPLES, DEFAULT_SEED
from ticketlab.estimate.inputs import new_calc
from ticketlab.worksheet import Equation as E, Worksheet

__all__ = ["bandwidth", "BANDWIDTH"]

#: The bandwidth steps; the three QPS figures are computed only if no traffic section did.
BANDWIDTH = (
    E("search_qps", "Search QPS", "searches_per_day / seconds_per_day", "req/s", fallback=True),
    E("booking_qps", "Booking QPS", "bookings_per_day / seconds_per_day", "req/s", fallback=True),
    E("payment_qps", "Payment QPS", "payments_per_day / seconds_per_day", "req/s", fallback=True),
    E("search_bandwidth", "Search bandwidth", "search_qps * search_response_size", "B/s"),
    E("booking_bandwidth", "Booking bandwidth", "booking_qps * booking_request_size", "B/s"),
    E("payment_bandwidth", "Payment bandwidth", "payment_qps * payment_request_size", "B/s"),
    E("average_bandwidth", "Average bandwidth", "search_bandwidth + booking_bandwidth + payment_bandwidth", "B/s"),
    E("peak_bandwidth", "Peak bandwidth (normal peak)", "average_bandwidth * peak_multiplier", "B/s"),
    E("extreme_peak_bandwidth", "Extreme peak bandwidth (on-sale)", "average_bandwidth * extreme_multiplier", "B/s",
      "the 100× spike the QPS plan is sized for"),
)


def bandwidth(searches_per_day="50M", bookings_per_day="500K", payments_per_day="500K",
              search_response_size="50 KB", booking_request_size="10 KB", payment_request_size="5 KB",
              peak_multiplier=10, extreme_multiplier=100, *,
              samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED) -> Worksheet:
    """Bytes per second for search, booking and payment traffic, average and at peak."""
    c = new_calc("Bandwidth", dict(
        searches_per_day=searches_per_day, bookings_per_day=bookings_per_day, payments_per_day=payments_per_day,
        search_response_size=search_response_size, booking_request_size=booking_request_size,
        payment_request_size=payment_request_size, peak_multiplier=peak_multiplier,
        extreme_multiplier=extreme_multiplier), samples=samples, seed=seed)
    c.derive(BANDWIDTH)
    return c.worksheet()
